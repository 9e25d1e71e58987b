import Vapor

enum ReviewAuditPage {
    static func register(_ routes: any RoutesBuilder) {}
}
