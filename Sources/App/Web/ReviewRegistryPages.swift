import Vapor

enum ReviewRegistryPages {
    static func register(_ routes: any RoutesBuilder) {}
}
