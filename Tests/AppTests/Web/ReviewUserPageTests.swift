@testable import App
import Accounts
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// `/ans/utilisateurs`: accounts and roles, for ANS administrators only.
@Suite("ANS back office: users and roles")
struct ReviewUserPageTests {
    static func user(_ app: Application, _ email: String) async throws -> UserModel {
        try #require(try await UserModel.query(on: app.db).filter(\.$email == email).first())
    }

    /// The .eml files written for want of an SMTP server.
    static func mails(_ app: Application) -> [String] {
        let directory = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    @Test("the list shows every account with its role, operator and state; an administrator creates ANS agents and operator users, who are invited by e-mail")
    func listAndCreate() async throws {
        try await withJourney { app, world, _ in
            var admin = try await WebClient.signedIn(app, email: world.admin.user.email)
            let page = try await admin.get("/ans/utilisateurs")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>Utilisateurs et rôles — Espace de Confiance DRIM-M</title>"))
            for email in ["admin@ans.example.fr", "reviewer@ans.example.fr", "user@a.example.fr", "user@b.example.fr"] { #expect(html.contains("<td>\(email)</td>")) }
            #expect(html.contains("<td>Instructeur ANS</td>") && html.contains("<td>Opérateur A</td>"))
            #expect(html.contains(">Actif</p>") && html.contains(">Deux étapes non activées</p>"))
            #expect(!html.contains("Désactiver le compte de admin@ans.example.fr"), "not oneself")
            #expect(html.contains("Désactiver le compte de reviewer@ans.example.fr</button>"))

            let created = try await admin.post("/ans/utilisateurs", ["email": "Nouvel.Agent@ans.example.fr", "displayName": "Nouvel Agent", "role": "reviewer", "operatorID": ""])
            #expect(created.status == .seeOther)
            let agent = try await Self.user(app, "nouvel.agent@ans.example.fr")
            #expect(agent.role == .reviewer && agent.operatorID == nil && agent.disabledAt == nil)
            let after = try await admin.get("/ans/utilisateurs").text
            #expect(after.contains("Le compte de Nouvel Agent (nouvel.agent@ans.example.fr) est créé. Son invitation lui est envoyée par courriel."))
            #expect(Self.mails(app).contains { $0.contains("nouvel.agent@ans.example.fr>") }, "the invitation e-mail")
            let link = try #require(try await PasswordResetModel.query(on: app.db).filter(\.$userID == agent.requireID()).first())
            #expect(link.purpose == .invitation && link.usedAt == nil)

            let operatorUser = try await admin.post("/ans/utilisateurs", ["email": "gestion@a.example.fr", "displayName": "Gestion A", "role": "operator",
                                                                           "operatorID": world.operatorAID.uuidString, "operatorAdmin": "oui"])
            #expect(operatorUser.status == .seeOther)
            let manager = try await Self.user(app, "gestion@a.example.fr")
            #expect(manager.role == .operatorUser && manager.operatorID == world.operatorAID && manager.operatorAdmin)
        }
    }

    @Test("a refused creation says why next to each field, keeps the values and changes nothing; no anti-forgery token, 403")
    func refusedCreation() async throws {
        try await withJourney { app, world, _ in
            var admin = try await WebClient.signedIn(app, email: world.admin.user.email)
            _ = try await admin.get("/ans/utilisateurs")
            let before = try await databaseFingerprint(app)
            let refused = try await admin.post("/ans/utilisateurs", ["email": "pas-une-adresse", "displayName": "Sans Opérateur", "role": "operator", "operatorID": ""])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("email", in: refused.text) != nil)
            #expect(WebClient.fieldError("operatorID", in: refused.text) == "Choisissez l’opérateur pour lequel l’utilisateur agira.")
            #expect(WebClient.fieldValue("displayName", in: refused.text) == "Sans Opérateur")
            #expect(refused.text.contains("<option value=\"operator\" selected>Opérateur</option>"))
            let taken = try await admin.post("/ans/utilisateurs", ["email": "reviewer@ans.example.fr", "displayName": "Doublon", "role": "administrator"])
            #expect(taken.status == .unprocessableEntity)
            #expect(WebClient.fieldError("email", in: taken.text) == "Cette adresse est déjà utilisée.")
            #expect(try await admin.post("/ans/utilisateurs", ["email": "x@ans.example.fr", "displayName": "X", "role": "reviewer"], csrf: "").status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("disable and enable, unlock a locked sign-in, remove a second factor; not on oneself; reviewers get 404")
    func accountOperations() async throws {
        try await withJourney { app, world, _ in
            let reviewerID = try #require(world.secondReviewer.user.id)
            var admin = try await WebClient.signedIn(app, email: world.admin.user.email)
            _ = try await admin.get("/ans/utilisateurs")
            #expect(try await admin.post("/ans/utilisateurs/\(reviewerID)/desactivation", [:]).status == .seeOther)
            #expect(try await Self.user(app, "reviewer2@ans.example.fr").disabledAt != nil)
            var page = try await admin.get("/ans/utilisateurs").text
            #expect(page.contains("Le compte de reviewer2@ans.example.fr est désactivé") && page.contains(">Désactivé</p>"))
            #expect(try await admin.post("/ans/utilisateurs/\(reviewerID)/activation", [:]).status == .seeOther)
            #expect(try await Self.user(app, "reviewer2@ans.example.fr").disabledAt == nil)

            // A wrong password leaves a failure on record: the row offers to unlock it.
            var stranger = WebClient(app: app)
            _ = try await stranger.get("/connexion")
            _ = try await stranger.post("/connexion", ["email": "user@b.example.fr", "password": "mauvais mot de passe"])
            page = try await admin.get("/ans/utilisateurs").text
            #expect(page.contains("Débloquer la connexion de user@b.example.fr</button>"))
            #expect(try await admin.post("/ans/utilisateurs/\(world.operatorB.user.id!)/deverrouillage", [:]).status == .seeOther)
            #expect(try await app.edc.accounts.signInFailures(of: world.operatorB.user) == nil)

            // A second factor in use is removed by the administrator, without a code.
            let enrolled = try await Self.user(app, "user@a.example.fr")
            let enrolment = try await app.edc.secondFactor.beginEnrolment(userID: enrolled.requireID())
            let secret = try #require(Base32.decode(enrolment.secretBase32))
            try await app.edc.secondFactor.confirmEnrolment(userID: enrolled.requireID(), code: TOTP.code(secret: secret, at: app.edc.settings.clock()))
            page = try await admin.get("/ans/utilisateurs").text
            #expect(page.contains(">Deux étapes activées</p>") && page.contains("Retirer la vérification en deux étapes de user@a.example.fr</button>"))
            #expect(try await admin.post("/ans/utilisateurs/\(enrolled.id!)/second-facteur", [:]).status == .seeOther)
            #expect(!app.edc.secondFactor.isEnabled(try await Self.user(app, "user@a.example.fr")))

            // Not on oneself: refused with the reason, nothing changes.
            let before = try await databaseFingerprint(app)
            let selfDisable = try await admin.post("/ans/utilisateurs/\(world.admin.user.id!)/desactivation", [:])
            #expect(selfDisable.status == .unprocessableEntity && selfDisable.text.contains("Vous ne pouvez pas désactiver votre propre compte."))
            #expect(try await databaseFingerprint(app) == before)

            var reviewer = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            _ = try await reviewer.get("/ans")
            let beforeReviewer = try await databaseFingerprint(app)
            #expect(try await reviewer.get("/ans/utilisateurs").status == .notFound)
            #expect(try await reviewer.post("/ans/utilisateurs/\(reviewerID)/desactivation", [:]).status == .notFound)
            #expect(try await reviewer.post("/ans/utilisateurs", ["email": "x@ans.example.fr", "displayName": "X", "role": "reviewer"]).status == .notFound)
            #expect(try await databaseFingerprint(app) == beforeReviewer)
        }
    }
}
