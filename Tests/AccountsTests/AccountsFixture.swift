@testable import Accounts
import Crypto
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence

/// Two operators, each with an administrator and a plain user, and ANS staff, on a store whose
/// clock the test moves.
struct AccountsFixture {
    static let password = "correct horse battery"
    static let system = AuditActor(userID: nil, role: .system)

    let store: Store
    let clock: TestClock
    let hasher: PlainHasher
    let accounts: Accounts
    let operatorA: OperatorModel
    let operatorB: OperatorModel
    let adminA: UserModel
    let userA: UserModel
    let adminB: UserModel
    let userB: UserModel
    let reviewer: UserModel
    let administrator: UserModel

    static func make(_ database: any Database) async throws -> AccountsFixture {
        let clock = TestClock()
        let hasher = PlainHasher()
        let store = Store(database: database, clock: { clock.now })
        let accounts = Accounts(store: store, passwordCost: 4, hasher: hasher, maximumTokenLifetime: 90 * 86_400)
        let a = try await accounts.createOperator(by: system, legalName: try Name("Opérateur A"), siren: try SIREN("732829320"), supportPhone: try FrenchPhoneNumber("0123456789"), supportEmail: try EmailAddress("support@a.example.fr"), responsibleContact: nil)
        let b = try await accounts.createOperator(by: system, legalName: try Name("Opérateur B"), siren: try SIREN("552100554"), supportPhone: try FrenchPhoneNumber("0472000000"), supportEmail: try EmailAddress("support@b.example.fr"), responsibleContact: nil)
        func user(_ email: String, _ role: Role, _ operatorModel: OperatorModel?, admin: Bool = false) async throws -> UserModel {
            try await accounts.createUser(by: system, email: try EmailAddress(email), displayName: try Name(email.split(separator: "@")[0].capitalized), role: role, operatorID: operatorModel?.id, password: password, operatorAdmin: admin)
        }
        return AccountsFixture(
            store: store, clock: clock, hasher: hasher, accounts: accounts, operatorA: a, operatorB: b,
            adminA: try await user("admin@a.example.fr", .operatorUser, a, admin: true),
            userA: try await user("user@a.example.fr", .operatorUser, a),
            adminB: try await user("admin@b.example.fr", .operatorUser, b, admin: true),
            userB: try await user("user@b.example.fr", .operatorUser, b),
            reviewer: try await user("instructeur@ans.example.fr", .reviewer, nil),
            administrator: try await user("admin@ans.example.fr", .administrator, nil))
    }

    func signIn() -> SignIn {
        SignIn(store: store, hasher: hasher, throttle: AddressThrottle(limit: 1000, window: 900), settings: SignInSettings(), passwordCost: 4, clock: { clock.now })
    }

    func audited() async throws -> [AuditAction] {
        try await AuditEntryModel.query(on: store.database).sort(\.$seq).all().map(\.action)
    }

    func reload(_ user: UserModel) async throws -> UserModel {
        try await UserModel.find(user.requireID(), on: store.database)!
    }
}

extension UserModel {
    var principal: Principal { Principal(userID: id, role: role, operatorID: operatorID) }
}
