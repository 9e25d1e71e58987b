import Vapor

enum ReviewWhitelistPages {
    static func register(_ routes: any RoutesBuilder) {}
}
