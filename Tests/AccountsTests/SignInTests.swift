@testable import Accounts
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence
import Testing

/// A hasher that compares plain text (the rules, not bcrypt, are under test here), and can be
/// told to be saturated.
final class PlainHasher: PasswordHashing, @unchecked Sendable {
    // Safe: `saturated` and `verifications` are only touched under the lock.
    private let lock = NSLock()
    private var saturated = false
    private var verifications = 0

    var isSaturated: Bool { lock.withLock { saturated } }
    var verifyCount: Int { lock.withLock { verifications } }
    func saturate() { lock.withLock { saturated = true } }

    func hash(_ password: String, cost: Int) async throws -> String { "plain:" + password }

    func verify(_ password: String, created hash: String) async throws -> Bool {
        lock.withLock { verifications += 1 }
        return hash == "plain:" + password
    }
}

/// Accounts and sign-in on Fluent alone: the rules the API, the `edc` commands and the web pages share.
@Suite("Accounts and sign-in, below the HTTP layer")
struct SignInTests {
    static let password = "correct horse battery"
    static let admin = AuditActor(userID: nil, role: .system)

    struct Setup {
        let store: Store
        let accounts: Accounts
        let signIn: SignIn
        let hasher: PlainHasher
        let clock: TestClock
        let user: UserModel
    }

    func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let clock = TestClock()
            let hasher = PlainHasher()
            let store = Store(database: database, clock: { clock.now })
            let accounts = Accounts(store: store, passwordCost: 4, hasher: hasher, maximumTokenLifetime: 90 * 86_400)
            var settings = SignInSettings()
            settings.maximumFailures = 3
            settings.lockDuration = 600
            let signIn = SignIn(store: store, hasher: hasher, throttle: AddressThrottle(limit: 100, window: 900), settings: settings, passwordCost: 4, clock: { clock.now })
            let user = try await accounts.createUser(
                by: Self.admin, email: try EmailAddress("Instructeur@ANS.example.fr"), displayName: try Name("Instructrice"),
                role: .reviewer, operatorID: nil, password: Self.password)
            try await body(Setup(store: store, accounts: accounts, signIn: signIn, hasher: hasher, clock: clock, user: user))
        }
    }

    @Test("the third wrong password locks the login for the lock duration, the right one included; then it opens again")
    func lockOut() async throws {
        try await withSetup { setup in
            for attempt in 1...2 {
                await #expect(throws: SignInRefused.self, "attempt \(attempt)") {
                    _ = try await setup.signIn.verify(email: "instructeur@ans.example.fr", password: "wrong", address: "192.0.2.1")
                }
            }
            do {
                _ = try await setup.signIn.verify(email: "instructeur@ans.example.fr", password: "wrong", address: "192.0.2.1")
                Issue.record("the third failure should lock")
            } catch SignInRefused.throttled(let retryAfter) {
                #expect(retryAfter == 600)
            }
            // Locked: even the right password is refused, and not even checked.
            let checked = setup.hasher.verifyCount
            await #expect(throws: SignInRefused.self) {
                _ = try await setup.signIn.verify(email: "INSTRUCTEUR@ans.example.fr", password: Self.password, address: "192.0.2.2")
            }
            #expect(setup.hasher.verifyCount == checked)

            setup.clock.advance(by: 600)
            let user = try await setup.signIn.verify(email: " Instructeur@ANS.example.fr ", password: Self.password, address: "192.0.2.1")
            #expect(user.id == setup.user.id)
            #expect(try await setup.accounts.signInFailures(of: user) == nil)
            let actions = try await AuditEntryModel.query(on: setup.store.database).sort(\.$seq).all().map(\.action)
            #expect(actions == [.userCreate, .signInFailed, .signInFailed, .accountLocked, .signIn])
        }
    }

    @Test("an unknown e-mail costs one password check and is refused like a wrong password, without an audit entry")
    func unknownLogin() async throws {
        try await withSetup { setup in
            await #expect(throws: SignInRefused.self) {
                _ = try await setup.signIn.verify(email: "personne@ans.example.fr", password: Self.password, address: "192.0.2.1")
            }
            #expect(setup.hasher.verifyCount == 1)
            let audited = try await AuditEntryModel.query(on: setup.store.database).all().map(\.action)
            #expect(audited == [.userCreate])
        }
    }

    @Test("a saturated hasher sheds the sign-in before any password check")
    func shedding() async throws {
        try await withSetup { setup in
            setup.hasher.saturate()
            await #expect(throws: PasswordHasherOverloaded.self) {
                _ = try await setup.signIn.verify(email: "instructeur@ans.example.fr", password: Self.password, address: "192.0.2.1")
            }
            #expect(setup.hasher.verifyCount == 0)
        }
    }

    @Test("a disabled user cannot sign in and loses every token; enabling does not bring the tokens back")
    func disable() async throws {
        try await withSetup { setup in
            let userID = try setup.user.requireID()
            _ = try await setup.accounts.issueToken(by: Self.admin, for: setup.user, name: "machine", lifetime: nil)
            _ = try await setup.accounts.setDisabled(true, userID: userID, by: Self.admin)
            await #expect(throws: SignInRefused.self) {
                _ = try await setup.signIn.verify(email: "instructeur@ans.example.fr", password: Self.password, address: "192.0.2.1")
            }
            _ = try await setup.accounts.setDisabled(false, userID: userID, by: Self.admin)
            #expect(try await setup.accounts.tokens(of: userID).allSatisfy { $0.revokedAt != nil })
            _ = try await setup.signIn.verify(email: "instructeur@ans.example.fr", password: Self.password, address: "192.0.2.1")
        }
    }

    @Test("an e-mail is taken whatever its case; a token longer-lived than the maximum is refused")
    func accountRules() async throws {
        try await withSetup { setup in
            do {
                _ = try await setup.accounts.createUser(
                    by: Self.admin, email: try EmailAddress("instructeur@ans.example.fr"), displayName: try Name("Autre"),
                    role: .reviewer, operatorID: nil, password: Self.password)
                Issue.record("a second account with the same e-mail was created")
            } catch let errors as ValidationErrors {
                #expect(errors.errors.map(\.code) == ["user.email_taken"])
            }
            do {
                _ = try await setup.accounts.issueToken(by: Self.admin, for: setup.user, name: "long", lifetime: 91 * 86_400)
                Issue.record("a token beyond the maximum lifetime was issued")
            } catch let errors as ValidationErrors {
                #expect(errors.errors.map(\.code) == ["token.lifetime"])
            }
        }
    }
}

@Suite("Per-address throttling of failed sign-ins")
struct AddressThrottleTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("an address over its limit waits until its oldest failure leaves the window; other addresses are not affected")
    func slidingWindow() {
        let throttle = AddressThrottle(limit: 3, window: 60)
        for second in [0.0, 10, 20] { throttle.recordFailure(address: "a", now: start.addingTimeInterval(second)) }
        #expect(throttle.retryAfter(address: "a", now: start.addingTimeInterval(30)) == 30)
        #expect(throttle.retryAfter(address: "b", now: start.addingTimeInterval(30)) == nil)
        #expect(throttle.retryAfter(address: "a", now: start.addingTimeInterval(60)) == nil)
    }

    @Test("when too many addresses are tracked, the stalest are forgotten first")
    func bounded() {
        let throttle = AddressThrottle(limit: 1, window: 3600, maximumAddresses: 10)
        for index in 0..<10 { throttle.recordFailure(address: "old\(index)", now: start.addingTimeInterval(Double(index))) }
        throttle.recordFailure(address: "new", now: start.addingTimeInterval(100))
        #expect(throttle.retryAfter(address: "old0", now: start.addingTimeInterval(101)) == nil)
        #expect(throttle.retryAfter(address: "old9", now: start.addingTimeInterval(101)) != nil)
        #expect(throttle.retryAfter(address: "new", now: start.addingTimeInterval(101)) != nil)
    }
}
