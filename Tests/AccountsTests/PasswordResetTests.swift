@testable import Accounts
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence
import Testing

@Suite("Password reset links")
struct PasswordResetTests {
    static let newPassword = "un nouveau mot de passe"

    func withSetup(_ body: (AccountsFixture, PasswordResets) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let fixture = try await AccountsFixture.make(database)
            try await body(fixture, PasswordResets(accounts: fixture.accounts))
        }
    }

    @Test("a link sets the password once, clears the lock-out, keeps API tokens, and is audited; only its hash is stored")
    func consume() async throws {
        try await withSetup { fixture, resets in
            let token = try await fixture.accounts.issueToken(by: AccountsFixture.system, for: fixture.userA, name: "machine", lifetime: nil)
            let signIn = fixture.signIn()
            for _ in 1...5 {
                _ = try? await signIn.verify(email: "user@a.example.fr", password: "mauvais", address: "192.0.2.1")
            }
            #expect(try await fixture.accounts.signInFailures(of: fixture.userA)?.lockedUntil != nil)

            let issued = try #require(try await resets.request(email: " User@A.example.fr "))
            #expect(issued.user.id == fixture.userA.id)
            #expect(issued.expiresAt == fixture.clock.now.addingTimeInterval(3600))
            let rows = try await PasswordResetModel.query(on: fixture.store.database).all()
            #expect(rows.count == 1)
            #expect(rows[0].tokenHash == TokenHasher.hash(issued.token))
            #expect(rows[0].tokenHash != issued.token && rows[0].purpose == .reset)
            let pending = try await resets.pending(token: issued.token)
            #expect(pending.user.id == fixture.userA.id && pending.purpose == .reset)

            // A password that breaks the rules is refused, and the link still works after.
            let weak = await #expect(throws: ValidationErrors.self) { try await resets.consume(token: issued.token, newPassword: "court") }
            #expect(weak?.errors.map(\.code) == ["user.password_length"])
            try await resets.consume(token: issued.token, newPassword: Self.newPassword)

            #expect(try await fixture.accounts.signInFailures(of: fixture.userA) == nil)
            let user = try await signIn.verify(email: "user@a.example.fr", password: Self.newPassword, address: "192.0.2.1")
            #expect(user.id == fixture.userA.id)
            #expect(try await fixture.accounts.tokens(of: fixture.userA.requireID()).first { $0.id == token.id }?.revokedAt == nil)

            let again = await #expect(throws: ValidationErrors.self) { try await resets.consume(token: issued.token, newPassword: "encore un autre mot de passe") }
            #expect(again?.errors.first?.code == "password_reset.invalid")
            await #expect(throws: ValidationErrors.self) { _ = try await resets.pending(token: issued.token) }
            let actions = try await fixture.audited()
            #expect(actions.filter { $0.rawValue.hasPrefix("user.password") } == [.userPasswordResetRequest, .userPasswordReset])
            let entry = try #require(try await AuditEntryModel.query(on: fixture.store.database).filter(\.$action == .userPasswordReset).first())
            #expect(entry.actorID == fixture.userA.id)
            #expect(!entry.data.contains(issued.token))
        }
    }

    @Test("unknown, disabled and internal addresses get no link; nothing is written")
    func noLink() async throws {
        try await withSetup { fixture, resets in
            _ = try await fixture.accounts.setDisabled(true, userID: fixture.userB.requireID(), by: AccountsFixture.system)
            let before = try await fixture.audited()
            #expect(try await resets.request(email: "personne@a.example.fr") == nil)
            #expect(try await resets.request(email: "user@b.example.fr") == nil)
            #expect(try await resets.request(email: String(repeating: "a", count: 300) + "@a.example.fr") == nil)
            #expect(try await PasswordResetModel.query(on: fixture.store.database).count() == 0)
            #expect(try await fixture.audited() == before)
        }
    }

    @Test("a link expires after an hour; a newer link voids the older one")
    func expiry() async throws {
        try await withSetup { fixture, resets in
            let first = try #require(try await resets.request(email: "user@a.example.fr"))
            fixture.clock.advance(by: 3599)
            _ = try await resets.pending(token: first.token)
            fixture.clock.advance(by: 1)
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: first.token, newPassword: Self.newPassword) }

            let second = try #require(try await resets.request(email: "user@a.example.fr"))
            let third = try #require(try await resets.request(email: "user@a.example.fr"))
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: second.token, newPassword: Self.newPassword) }
            try await resets.consume(token: third.token, newPassword: Self.newPassword)
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: "edc_inconnu", newPassword: Self.newPassword) }
        }
    }

    @Test("at most three links per user per hour; the count is per user and slides")
    func rateLimit() async throws {
        try await withSetup { fixture, resets in
            for _ in 1...3 { #expect(try await resets.request(email: "user@a.example.fr") != nil) }
            #expect(try await resets.request(email: "user@a.example.fr") == nil)
            #expect(try await resets.request(email: "admin@a.example.fr") != nil)
            fixture.clock.advance(by: 3600)
            let fresh = try #require(try await resets.request(email: "user@a.example.fr"))
            try await resets.consume(token: fresh.token, newPassword: Self.newPassword)
            #expect(try await fixture.audited().filter { $0 == .userPasswordResetRequest }.count == 5)
        }
    }

    @Test("disabling an account voids its links: enabling it again does not bring them back")
    func disabledAccount() async throws {
        try await withSetup { fixture, resets in
            let link = try #require(try await resets.request(email: "user@a.example.fr"))
            let userID = try fixture.userA.requireID()
            _ = try await fixture.accounts.setDisabled(true, userID: userID, by: AccountsFixture.system)
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: link.token, newPassword: Self.newPassword) }
            _ = try await fixture.accounts.setDisabled(false, userID: userID, by: AccountsFixture.system)
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: link.token, newPassword: Self.newPassword) }
        }
    }
}
