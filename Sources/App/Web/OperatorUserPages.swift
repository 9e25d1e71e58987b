import EDCDomain
import Foundation
import Persistence
import Vapor

/// The operator administrator's users page.
enum OperatorUserPages {
    static func register(_ routes: any RoutesBuilder) {}
}
