@testable import Accounts
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence
import Testing

@Suite("Operator administrators: invitations, accounts and tokens of their own operator only")
struct OperatorAdministrationTests {
    func withFixture(_ body: (AccountsFixture) async throws -> Void) async throws {
        try await withTestDatabase { database in try await body(try await AccountsFixture.make(database)) }
    }

    @Test("an operator administrator invites a user of its operator: random password, a seven-day link that sets the first one")
    func invite() async throws {
        try await withFixture { fixture in
            let invited = try await fixture.accounts.inviteOperatorUser(
                by: fixture.adminA.principal, email: try EmailAddress("Nouvelle@A.example.fr"), displayName: try Name("Nouvelle Recrue"), operatorAdmin: false)
            #expect(invited.user.email == "nouvelle@a.example.fr")
            #expect(invited.user.operatorID == fixture.operatorA.id && invited.user.role == .operatorUser && !invited.user.operatorAdmin)
            #expect(invited.expiresAt == fixture.clock.now.addingTimeInterval(7 * 86_400))
            #expect(invited.user.passwordHash.hasPrefix("plain:edc_"), "a random password no one knows")
            let link = try #require(try await PasswordResetModel.query(on: fixture.store.database).filter(\.$userID == invited.user.requireID()).first())
            #expect(link.purpose == .invitation && link.tokenHash == TokenHasher.hash(invited.resetToken))

            let resets = PasswordResets(accounts: fixture.accounts)
            fixture.clock.advance(days: 6.9)
            #expect(try await resets.pending(token: invited.resetToken).purpose == .invitation)
            try await resets.consume(token: invited.resetToken, newPassword: "mon premier mot de passe")
            _ = try await fixture.signIn().verify(email: "nouvelle@a.example.fr", password: "mon premier mot de passe", address: "192.0.2.1")

            let entry = try #require(try await AuditEntryModel.query(on: fixture.store.database).filter(\.$action == .userInvite).first())
            #expect(entry.actorID == fixture.adminA.id)
            #expect(entry.data.contains(#""operatorAdmin":"false""#))
        }
    }

    @Test("an invitation expires after seven days; the manager sends a new link, which voids the old one")
    func invitationExpiry() async throws {
        try await withFixture { fixture in
            let invited = try await fixture.accounts.inviteOperatorUser(
                by: fixture.administrator.principal, operatorID: fixture.operatorB.id, email: try EmailAddress("chef@b.example.fr"), displayName: try Name("Cheffe B"), operatorAdmin: true)
            #expect(invited.user.operatorAdmin && invited.user.operatorID == fixture.operatorB.id)
            let resets = PasswordResets(accounts: fixture.accounts)
            fixture.clock.advance(days: 7)
            await #expect(throws: ValidationErrors.self) { try await resets.consume(token: invited.resetToken, newPassword: "mon premier mot de passe") }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.resendInvitation(userID: invited.user.requireID(), by: fixture.adminA.principal) }
            let again = try await fixture.accounts.resendInvitation(userID: invited.user.requireID(), by: fixture.adminB.principal)
            #expect(again.expiresAt == fixture.clock.now.addingTimeInterval(7 * 86_400))
            try await resets.consume(token: again.resetToken, newPassword: "mon premier mot de passe")
            #expect(try await fixture.audited().suffix(2) == [.userInvitationResend, .userPasswordReset])
        }
    }

    @Test("who may invite: ANS administrators for any operator (which they name); operator administrators for their own only; no one else")
    func inviteRules() async throws {
        try await withFixture { fixture in
            let email = try EmailAddress("x@example.fr")
            let name = try Name("X")
            await #expect(throws: NotFoundError.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.adminA.principal, operatorID: fixture.operatorB.id, email: email, displayName: name, operatorAdmin: false)
            }
            for refused in [fixture.userA, fixture.reviewer] {
                let error = await #expect(throws: WorkflowError.self) {
                    _ = try await fixture.accounts.inviteOperatorUser(by: refused.principal, operatorID: fixture.operatorA.id, email: email, displayName: name, operatorAdmin: false)
                }
                #expect(error?.kind == .forbidden)
            }
            let missing = await #expect(throws: ValidationErrors.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.administrator.principal, email: email, displayName: name, operatorAdmin: false)
            }
            #expect(missing?.errors.map(\.code) == ["user.operator"])
            await #expect(throws: NotFoundError.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.administrator.principal, operatorID: UUID(), email: email, displayName: name, operatorAdmin: false)
            }
            let taken = await #expect(throws: ValidationErrors.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.adminA.principal, email: try EmailAddress("USER@b.example.fr"), displayName: name, operatorAdmin: false)
            }
            #expect(taken?.errors.map(\.code) == ["user.email_taken"])
            // A demoted or disabled administrator loses the right at once.
            _ = try await fixture.accounts.setOperatorAdmin(false, userID: fixture.adminA.requireID(), by: fixture.administrator.principal)
            await #expect(throws: WorkflowError.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.adminA.principal, email: email, displayName: name, operatorAdmin: false)
            }
            _ = try await fixture.accounts.setDisabled(true, userID: fixture.adminB.requireID(), by: fixture.administrator.principal)
            await #expect(throws: WorkflowError.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: fixture.adminB.principal, email: email, displayName: name, operatorAdmin: false)
            }
            #expect(try await UserModel.query(on: fixture.store.database).filter(\.$email == "x@example.fr").count() == 0)
            // A principal claiming another operator than its account's is not that operator's administrator.
            let forged = Principal(userID: fixture.adminA.id, role: .operatorUser, operatorID: fixture.operatorB.id)
            await #expect(throws: WorkflowError.self) {
                _ = try await fixture.accounts.inviteOperatorUser(by: forged, email: email, displayName: name, operatorAdmin: false)
            }
        }
    }

    @Test("an operator administrator disables and enables its operator's users only; others are not found")
    func disable() async throws {
        try await withFixture { fixture in
            let userA = try fixture.userA.requireID()
            let token = try await fixture.accounts.issueToken(by: AccountsFixture.system, for: fixture.userA, name: "machine", lifetime: nil)
            let disabled = try await fixture.accounts.setDisabled(true, userID: userA, by: fixture.adminA.principal)
            #expect(disabled.disabledAt == fixture.clock.now)
            #expect(try await fixture.accounts.tokens(of: userA).first { $0.id == token.id }?.revokedAt != nil)
            _ = try await fixture.accounts.setDisabled(false, userID: userA, by: fixture.adminA.principal)
            for target in [fixture.userB, fixture.adminB, fixture.reviewer, fixture.administrator] {
                await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.setDisabled(true, userID: target.requireID(), by: fixture.adminA.principal) }
            }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.setDisabled(true, userID: fixture.adminA.requireID(), by: fixture.userA.principal) }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.setDisabled(true, userID: userA, by: fixture.reviewer.principal) }
            let own = await #expect(throws: ValidationErrors.self) { _ = try await fixture.accounts.setDisabled(true, userID: fixture.adminA.requireID(), by: fixture.adminA.principal) }
            #expect(own?.errors.map(\.code) == ["user.disable_self"])
            // ANS administrators manage everyone.
            _ = try await fixture.accounts.setDisabled(true, userID: fixture.userB.requireID(), by: fixture.administrator.principal)
            let entries = try await AuditEntryModel.query(on: fixture.store.database).filter(\.$action ~~ [.userDisable, .userEnable]).sort(\.$seq).all()
            #expect(entries.map(\.action) == [.userDisable, .userEnable, .userDisable])
            #expect(entries.map(\.actorID) == [fixture.adminA.id, fixture.adminA.id, fixture.administrator.id])
        }
    }

    @Test("the operator administrator flag: given and taken by a manager, never by oneself; only to operator users")
    func operatorAdminFlag() async throws {
        try await withFixture { fixture in
            let promoted = try await fixture.accounts.setOperatorAdmin(true, userID: fixture.userA.requireID(), by: fixture.adminA.principal)
            #expect(promoted.operatorAdmin)
            #expect(try await fixture.accounts.managesAccounts(fixture.userA.principal))
            let own = await #expect(throws: ValidationErrors.self) { _ = try await fixture.accounts.setOperatorAdmin(false, userID: fixture.adminA.requireID(), by: fixture.adminA.principal) }
            #expect(own?.errors.map(\.code) == ["user.operator_admin_self"])
            _ = try await fixture.accounts.setOperatorAdmin(false, userID: fixture.adminA.requireID(), by: fixture.userA.principal)
            #expect(!(try await fixture.accounts.managesAccounts(fixture.adminA.principal)))
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.setOperatorAdmin(true, userID: fixture.userB.requireID(), by: fixture.userA.principal) }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.setOperatorAdmin(true, userID: fixture.reviewer.requireID(), by: fixture.administrator.principal) }
            let refused = await #expect(throws: ValidationErrors.self) {
                _ = try await fixture.accounts.createUser(by: AccountsFixture.system, email: try EmailAddress("r2@ans.example.fr"), displayName: try Name("R2"), role: .reviewer, operatorID: nil, password: AccountsFixture.password, operatorAdmin: true)
            }
            #expect(refused?.errors.map(\.code) == ["user.operator_admin"])
            #expect(try await fixture.audited().filter { $0 == .userOperatorAdminSet }.count == 2)
            #expect(!(try await fixture.accounts.managesAccounts(fixture.reviewer.principal)))
            #expect(try await fixture.accounts.managesAccounts(fixture.administrator.principal))
        }
    }

    @Test("listing users: an operator's administrator sees its own operator's users; ANS administrators any operator's")
    func listing() async throws {
        try await withFixture { fixture in
            let mine = try await fixture.accounts.operatorUsers(fixture.operatorA.requireID(), by: fixture.adminA.principal)
            #expect(mine.map(\.email) == ["admin@a.example.fr", "user@a.example.fr"])
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.operatorUsers(fixture.operatorB.requireID(), by: fixture.adminA.principal) }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.operatorUsers(fixture.operatorA.requireID(), by: fixture.userA.principal) }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.operatorUsers(fixture.operatorA.requireID(), by: fixture.reviewer.principal) }
            #expect(try await fixture.accounts.operatorUsers(fixture.operatorB.requireID(), by: fixture.administrator.principal).map(\.email) == ["admin@b.example.fr", "user@b.example.fr"])
        }
    }

    @Test("tokens: everyone lists and revokes their own; an operator administrator those of its operator's users; no one else")
    func tokens() async throws {
        try await withFixture { fixture in
            let tokenA = try await fixture.accounts.issueToken(by: AccountsFixture.system, for: fixture.userA, name: "a", lifetime: nil)
            let tokenB = try await fixture.accounts.issueToken(by: AccountsFixture.system, for: fixture.userB, name: "b", lifetime: nil)
            let ownB = try await fixture.accounts.issueToken(by: AccountsFixture.system, for: fixture.userB, name: "b2", lifetime: nil)

            #expect(try await fixture.accounts.tokens(of: fixture.userA.requireID(), by: fixture.adminA.principal).map(\.id) == [tokenA.id])
            #expect(try await fixture.accounts.tokens(of: fixture.userB.requireID(), by: fixture.userB.principal).count == 2)
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.tokens(of: fixture.userB.requireID(), by: fixture.adminA.principal) }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.accounts.tokens(of: fixture.userB.requireID(), by: fixture.userA.principal) }

            await #expect(throws: NotFoundError.self) { try await fixture.accounts.revokeToken(by: fixture.adminA.principal, id: tokenB.id) }
            await #expect(throws: NotFoundError.self) { try await fixture.accounts.revokeToken(by: fixture.userA.principal, id: tokenB.id) }
            await #expect(throws: NotFoundError.self) { try await fixture.accounts.revokeToken(by: fixture.adminA.principal, id: UUID()) }
            try await fixture.accounts.revokeToken(by: fixture.adminA.principal, id: tokenA.id)
            try await fixture.accounts.revokeToken(by: fixture.userB.principal, id: ownB.id)
            try await fixture.accounts.revokeToken(by: fixture.administrator.principal, id: tokenB.id)
            let revoked = try await APITokenModel.query(on: fixture.store.database).filter(\.$revokedAt != nil).count()
            #expect(revoked == 3)
            let entries = try await AuditEntryModel.query(on: fixture.store.database).filter(\.$action == .tokenRevoke).sort(\.$seq).all()
            #expect(entries.map(\.actorID) == [fixture.adminA.id, fixture.userB.id, fixture.administrator.id])
        }
    }
}
