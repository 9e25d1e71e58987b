@testable import Accounts
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence
import Testing

@Suite("Account directory of the ANS back office: ANS agents, names by id, ANS invitations")
struct AccountDirectoryTests {
    @Test("ANS users, users by id and by e-mail, an operator by id")
    func lookups() async throws {
        try await withTestDatabase { database in
            let fixture = try await AccountsFixture.make(database)
            let accounts = fixture.accounts
            #expect(try await accounts.ansUsers().map(\.email).sorted() == ["admin@ans.example.fr", "instructeur@ans.example.fr"])
            let byID = try await accounts.users([fixture.reviewer.id!, fixture.userA.id!, UUID()])
            #expect(byID.count == 2 && byID[fixture.userA.id!]?.email == "user@a.example.fr")
            #expect(try await accounts.users([UUID]()).isEmpty)
            #expect(try await accounts.user(email: " Instructeur@ANS.example.fr ")?.id == fixture.reviewer.id)
            #expect(try await accounts.user(email: "personne@ans.example.fr") == nil)
            #expect(try await accounts.operatorRecord(fixture.operatorA.id!).legalName == "Opérateur A")
            await #expect(throws: NotFoundError.self) { _ = try await accounts.operatorRecord(UUID()) }
        }
    }

    @Test("an ANS administrator invites an ANS agent, who sets a first password through the link; no one else may")
    func invite() async throws {
        try await withTestDatabase { database in
            let fixture = try await AccountsFixture.make(database)
            let accounts = fixture.accounts
            let admin = fixture.administrator.principal
            let invited = try await accounts.inviteANSUser(by: admin, email: try EmailAddress("Agent@ANS.example.fr"), displayName: try Name("Nouvel Agent"), role: .reviewer)
            #expect(invited.user.email == "agent@ans.example.fr" && invited.user.role == .reviewer && invited.user.operatorID == nil)
            #expect(invited.expiresAt == fixture.clock.now.addingTimeInterval(PasswordResets.invitationLifetime))
            try await PasswordResets(accounts: accounts).consume(token: invited.resetToken, newPassword: "un mot de passe d'agent")
            _ = try await fixture.signIn().verify(email: "agent@ans.example.fr", password: "un mot de passe d'agent", address: "192.0.2.1")
            let entry = try #require(try await AuditEntryModel.query(on: database).filter(\.$action == .userInvite).first())
            #expect(entry.actorID == fixture.administrator.id && entry.data.contains(#""role":"reviewer""#))

            let count = try await UserModel.query(on: database).count()
            for actor in [fixture.reviewer.principal, fixture.adminA.principal] {
                await #expect(throws: NotFoundError.self) { _ = try await accounts.inviteANSUser(by: actor, email: try EmailAddress("x@ans.example.fr"), displayName: try Name("X"), role: .reviewer) }
            }
            let wrongRole = await #expect(throws: ValidationErrors.self) { _ = try await accounts.inviteANSUser(by: admin, email: try EmailAddress("y@ans.example.fr"), displayName: try Name("Y"), role: .operatorUser) }
            #expect(wrongRole?.errors.map(\.field) == ["role"])
            let taken = await #expect(throws: ValidationErrors.self) { _ = try await accounts.inviteANSUser(by: admin, email: try EmailAddress("agent@ans.example.fr"), displayName: try Name("Z"), role: .administrator) }
            #expect(taken?.errors.map(\.field) == ["email"])
            #expect(try await UserModel.query(on: database).count() == count)
        }
    }
}
