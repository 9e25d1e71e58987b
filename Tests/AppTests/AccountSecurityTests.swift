@testable import App
import Accounts
import EDCDomain
import Fluent
import EDCTestSupport
import Foundation
import NIOConcurrencyHelpers
import Persistence
import Testing
import Vapor
import VaporTesting

extension TestClock {
    /// The clock App tests start from.
    static func app() -> TestClock { TestClock(start: Date(timeIntervalSince1970: 1_796_000_000)) }
}

/// Security audit, findings 2 to 4: sign-in throttling and lock-out, bcrypt off the shared pools,
/// account lifecycle.
@Suite("Sign-in protection and account lifecycle")
struct AccountSecurityTests {
    func signIn(_ app: Application, _ email: String, _ password: String, from address: String = "192.0.2.1") async throws -> TestingHTTPResponse {
        let body = try JSONSerialization.data(withJSONObject: ["email": email, "password": password])
        return try await app.send(.POST, "/api/v1/auth/tokens", json: String(decoding: body, as: UTF8.self), headers: ["X-Forwarded-For": address])
    }

    func configure(_ clock: TestClock) -> (inout Settings) -> Void {
        { settings in
            settings.clock = { clock.now }
            settings.signIn.trustForwardedFor = true
            settings.signIn.maximumFailures = 5
            settings.signIn.lockDuration = 600
            settings.signIn.maximumAddressFailures = 1000
        }
    }

    @Test("five wrong passwords lock a login for the configured time, alike for a real account and an unknown e-mail; then the right password works again")
    func lockOut() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock)) { app in
            let world = try await World.make(app)
            let victim = world.operatorA.user.email
            var statuses: [String: [UInt]] = [:]
            for email in [victim, "nobody@unknown.example.fr"] {
                for attempt in 1...6 {
                    let response = try await signIn(app, email, "wrong password \(attempt)", from: "198.51.100.\(attempt)")
                    statuses[email, default: []].append(response.status.code)
                    #expect(response.headers.contentType?.subType == "problem+json")
                }
            }
            #expect(statuses[victim] == [401, 401, 401, 401, 429, 429])
            #expect(statuses["nobody@unknown.example.fr"] == statuses[victim], "a lock-out must not tell which e-mails exist")

            // Locked: even the right password is refused, with Retry-After no longer than the lock.
            let locked = try await signIn(app, victim, World.password)
            #expect(locked.status == .tooManyRequests)
            let retryAfter = try #require(locked.headers.first(name: .retryAfter).flatMap(Int.init))
            #expect((1...600).contains(retryAfter))

            // The user (through an existing token) and ANS see the lock-out; it is audited.
            let me = try await app.send(.GET, "/api/v1/me", as: world.operatorA)
            let state = me.json["signIn"] as? [String: Any] ?? [:]
            #expect(state["lockedUntil"] as? String != nil, "\(me.text)")
            #expect(state["failedAttempts"] as? Int == 5)
            let users = try await app.send(.GET, "/api/v1/admin/users", as: world.reviewer)
            let entry = (users.json(array: ()) ?? []).first { ($0["user"] as? [String: Any])?["email"] as? String == victim }
            #expect((entry?["signIn"] as? [String: Any])?["lockedUntil"] as? String != nil, "\(users.text)")
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .accountLocked).count() == 1)

            // Never longer than the configured time.
            clock.advance(by: 601)
            let after = try await signIn(app, victim, World.password)
            #expect(after.status == .created, "\(after.text)")
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .signIn).count() == 1)
            let cleared = try await app.send(.GET, "/api/v1/me", as: world.operatorA)
            #expect((cleared.json["signIn"] as? [String: Any])?["failedAttempts"] as? Int == 0)
        }
    }

    @Test("an address over its failure budget gets 429 before any password is checked; other addresses are not affected")
    func addressThrottle() async throws {
        let clock = TestClock.app()
        try await withTestApp({ self.configure(clock)(&$0); $0.signIn.maximumAddressFailures = 3 }) { app in
            let world = try await World.make(app)
            for index in 1...3 {
                let response = try await signIn(app, "guess\(index)@example.fr", "wrong password", from: "203.0.113.9")
                #expect(response.status == .unauthorized)
            }
            let throttled = try await signIn(app, world.operatorB.user.email, World.password, from: "203.0.113.9")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers.first(name: .retryAfter) != nil)
            let elsewhere = try await signIn(app, world.operatorB.user.email, World.password, from: "203.0.113.10")
            #expect(elsewhere.status == .created)
            clock.advance(by: 15 * 60)
            let later = try await signIn(app, world.operatorB.user.email, World.password, from: "203.0.113.9")
            #expect(later.status == .created)
        }
    }

    @Test("a lock-out lifted by an administrator lets the user in at once; the unlock is audited")
    func unlock() async throws {
        let clock = TestClock.app()
        try await withTestApp(configure(clock)) { app in
            let world = try await World.make(app)
            for _ in 1...5 { _ = try await signIn(app, world.operatorB.user.email, "wrong password") }
            #expect(try await signIn(app, world.operatorB.user.email, World.password).status == .tooManyRequests)
            let byReviewer = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorB.user.id!)/unlock", as: world.reviewer)
            #expect(byReviewer.status == .notFound)
            let unlocked = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorB.user.id!)/unlock", as: world.admin)
            #expect(unlocked.status == .noContent)
            #expect(try await signIn(app, world.operatorB.user.email, World.password).status == .created)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .userUnlock).count() == 1)
        }
    }

    @Test("a disabled user's tokens stop working at once, sign-in is refused, and enabling does not bring old tokens back")
    func disableUser() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorA).status == .ok)
            let disabled = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorA.user.id!)/disable", as: world.admin)
            #expect(disabled.status == .ok, "\(disabled.text)")
            #expect(disabled.json["disabledAt"] as? String != nil)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorA).status == .unauthorized)
            #expect(try await signIn(app, world.operatorA.user.email, World.password).status == .unauthorized)

            let selfDisable = try await app.send(.POST, "/api/v1/admin/users/\(world.admin.user.id!)/disable", as: world.admin)
            #expect(selfDisable.status == .unprocessableEntity)
            let byOperator = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorB.user.id!)/disable", as: world.operatorA)
            #expect(byOperator.status == .unauthorized)

            #expect(try await app.send(.POST, "/api/v1/admin/users/\(world.operatorA.user.id!)/enable", as: world.admin).status == .ok)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorA).status == .unauthorized)
            #expect(try await signIn(app, world.operatorA.user.email, World.password).status == .created)
            let actions = try await AuditEntryModel.query(on: app.db).filter(\.$entityID == world.operatorA.user.id!.uuidString).all().map(\.action.rawValue)
            #expect(actions.contains("user.disable") && actions.contains("user.enable"))
        }
    }

    @Test("a password reset by an administrator revokes the user's tokens; one's own change keeps the current token only")
    func passwords() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let second = try await signIn(app, world.operatorA.user.email, World.password)
            let secondToken = try #require(second.json["token"] as? String)
            var secondHeaders = HTTPHeaders()
            secondHeaders.bearerAuthorization = BearerAuthorization(token: secondToken)

            let wrongCurrent = try await app.send(.POST, "/api/v1/me/password", as: world.operatorA, json: #"{"currentPassword": "not it at all", "newPassword": "a brand new passphrase"}"#)
            #expect(wrongCurrent.status == .forbidden)
            let tooShort = try await app.send(.POST, "/api/v1/me/password", as: world.operatorA, json: #"{"currentPassword": "\#(World.password)", "newPassword": "short"}"#)
            #expect(tooShort.status == .unprocessableEntity)
            let changed = try await app.send(.POST, "/api/v1/me/password", as: world.operatorA, json: #"{"currentPassword": "\#(World.password)", "newPassword": "a brand new passphrase"}"#)
            #expect(changed.status == .noContent, "\(changed.text)")
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorA).status == .ok, "the token that changed the password stays valid")
            #expect(try await app.send(.GET, "/api/v1/me", headers: secondHeaders).status == .unauthorized, "other sessions end")
            #expect(try await signIn(app, world.operatorA.user.email, World.password).status == .unauthorized)
            #expect(try await signIn(app, world.operatorA.user.email, "a brand new passphrase").status == .created)

            let reset = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorA.user.id!)/password", as: world.admin, json: #"{"password": "set by the administrator"}"#)
            #expect(reset.status == .noContent)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorA).status == .unauthorized)
            #expect(try await signIn(app, world.operatorA.user.email, "set by the administrator").status == .created)
        }
    }

    @Test("tokens: listed without secrets, all revoked at once, and never longer-lived than the maximum")
    func tokens() async throws {
        try await withTestApp({ $0.maximumTokenLifetimeDays = 30 }) { app in
            let world = try await World.make(app)
            let tooLong = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorB.user.id!)/tokens", as: world.admin, json: #"{"name": "robot", "lifetimeDays": 31}"#)
            #expect(tooLong.status == .unprocessableEntity)
            let issued = try await app.send(.POST, "/api/v1/admin/users/\(world.operatorB.user.id!)/tokens", as: world.admin, json: #"{"name": "robot"}"#)
            #expect(issued.status == .created)
            let expires = try #require((issued.json["expiresAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(expires.timeIntervalSinceNow <= 30 * 86_400 && expires.timeIntervalSinceNow > 29 * 86_400)

            let listed = try await app.send(.GET, "/api/v1/admin/users/\(world.operatorB.user.id!)/tokens", as: world.admin)
            #expect(listed.status == .ok)
            #expect(!listed.text.contains("edc_") && !listed.text.lowercased().contains("hash"))
            #expect((listed.json(array: ()) ?? []).count == 2)
            let own = try await app.send(.GET, "/api/v1/me/tokens", as: world.operatorB)
            #expect((own.json(array: ()) ?? []).count == 2)

            #expect(try await app.send(.DELETE, "/api/v1/admin/users/\(world.operatorB.user.id!)/tokens", as: world.admin).status == .noContent)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorB).status == .unauthorized)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .tokenRevokeAll).count() == 1)
        }
    }

    @Test("password checks beyond the hasher's queue are shed with 503, not queued without bound")
    func hasherSheds() async throws {
        let hasher = PasswordHasher(threads: 1, maximumWaiting: 1)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task {
            try await hasher.run {
                startedContinuation.yield()
                gate.wait()
                return true
            }
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        await #expect(throws: PasswordHasherOverloaded.self) { _ = try await hasher.verify("x", created: "$2b$04$abcdefghijklmnopqrstuuOE9gWcFuhsY7Azu2xOXJ2LN6yfOL8ki") }
        gate.signal()
        #expect(try await blocker.value)
        #expect(PasswordHasherOverloaded().status == .serviceUnavailable)
        #expect(PasswordHasherOverloaded().headers.first(name: .retryAfter) == "1")
        await hasher.shutdown()
    }
}

extension TestingHTTPResponse {
    /// The JSON body as an array of objects.
    func json(array _: Void) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [[String: Any]]
    }
}
