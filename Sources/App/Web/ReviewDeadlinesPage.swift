import Vapor

enum ReviewDeadlinesPage {
    static func register(_ routes: any RoutesBuilder) {}
}
