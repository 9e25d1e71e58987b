import Vapor

enum ReviewUserPages {
    static func register(_ routes: any RoutesBuilder) {}
}
