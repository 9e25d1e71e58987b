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

/// `/espace/utilisateurs` (an operator administrator's users) and `/compte/jetons` (one's own API tokens).
@Suite("Operator portal: users and API tokens")
struct OperatorAccountPageTests {
    /// Makes operator A's user an operator administrator (as an ANS administrator would).
    static func makeAdmin(_ app: Application, _ world: World) async throws {
        _ = try await app.edc.accounts.setOperatorAdmin(true, userID: try world.operatorA.user.requireID(), by: world.admin.principal)
    }

    /// The body texts of the .eml files written so far (base64 parts decoded).
    static func mails(_ app: Application) throws -> [String] {
        let directory = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".eml") }) ?? []
        return try files.map { file in
            let mail = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            var text = mail, run = ""
            for line in mail.components(separatedBy: "\r\n") + [""] {
                if line.count >= 4, line.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }) { run += line; continue }
                if let data = Data(base64Encoded: run) { text += String(decoding: data, as: UTF8.self) }
                run = ""
            }
            return text
        }
    }

    @Test("only an operator administrator has the users page (and its menu entry); it lists its operator's users only")
    func usersPageAccess() async throws {
        try await withJourney { app, world, _ in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            #expect(try await browser.get("/espace/utilisateurs").status == .notFound)
            #expect(!(try await browser.get("/espace").text.contains("href=\"/espace/utilisateurs\"")))
            try await Self.makeAdmin(app, world)
            let page = try await browser.get("/espace/utilisateurs")
            #expect(page.status == .ok)
            #expect(page.text.contains("<title>Utilisateurs — Espace de Confiance DRIM-M</title>"))
            #expect(page.text.contains("user@a.example.fr") && page.text.contains(">vous</span>") && !page.text.contains("user@b.example.fr"))
            #expect(page.text.contains("class=\"fr-nav__link\" href=\"/espace/utilisateurs\" aria-current=\"page\""))
        }
    }

    @Test("an invitation: refused in French by the field (address, address taken) with nothing stored; sent, its link opens the account, which the administrator disables and enables")
    func invite() async throws {
        try await withJourney { app, world, _ in
            try await Self.makeAdmin(app, world)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/utilisateurs")
            let before = try await databaseFingerprint(app)
            let invalid = try await browser.post("/espace/utilisateurs", ["displayName": "Claire Dupont", "email": "claire@", "operatorAdmin": "oui"])
            #expect(invalid.status == .unprocessableEntity)
            #expect(WebClient.fieldError("email", in: invalid.text) != nil)
            #expect(WebClient.fieldValue("displayName", in: invalid.text) == "Claire Dupont")
            #expect(invalid.text.contains("name=\"operatorAdmin\" value=\"oui\" checked"))
            let taken = try await browser.post("/espace/utilisateurs", ["displayName": "Claire Dupont", "email": "user@b.example.fr"])
            #expect(WebClient.fieldError("email", in: taken.text) == "Cette adresse est déjà utilisée.")
            #expect(try await browser.post("/espace/utilisateurs", ["displayName": "Claire Dupont", "email": "claire@a.example.fr"], csrf: "").status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)

            let invited = try await browser.post("/espace/utilisateurs", ["displayName": "Claire Dupont", "email": "claire@a.example.fr"])
            #expect(invited.status == .seeOther)
            var page = try await browser.get("/espace/utilisateurs").text
            #expect(page.contains("Invitation envoyée à claire@a.example.fr") && page.contains("Claire Dupont"))
            let mail = try #require(try Self.mails(app).first { $0.contains("claire@a.example.fr") })
            #expect(mail.contains("Opérateur A"))
            let token = try #require(mail.range(of: #"jeton=[A-Za-z0-9_-]+"#, options: .regularExpression).map { String(mail[$0].dropFirst("jeton=".count)) })
            var claire = WebClient(app: app)
            #expect(try await claire.get("/nouveau-mot-de-passe?jeton=\(token)").text.contains("Activation du compte"))
            #expect(try await claire.post("/nouveau-mot-de-passe", ["jeton": token, "password": "claire passphrase 2026", "confirmation": "claire passphrase 2026"]).status == .seeOther)
            var signedIn = try await WebClient.signedIn(app, email: "claire@a.example.fr", password: "claire passphrase 2026")
            #expect(try await signedIn.get("/espace").status == .ok)

            let claireID = try #require(try await app.edc.accounts.users().first { $0.user.email == "claire@a.example.fr" }).user.requireID()
            #expect(try await browser.post("/espace/utilisateurs/\(claireID)/desactivation", [:]).status == .seeOther)
            page = try await browser.get("/espace/utilisateurs").text
            #expect(page.contains("Le compte de claire@a.example.fr est désactivé") && page.contains(">Désactivé</p>"))
            var refused = WebClient(app: app)
            try await refused.get("/connexion")
            #expect(try await refused.post("/connexion", ["email": "claire@a.example.fr", "password": "claire passphrase 2026"]).status != .seeOther)
            #expect(try await browser.post("/espace/utilisateurs/\(claireID)/activation", [:]).status == .seeOther)
            #expect(try await browser.get("/espace/utilisateurs").text.contains("Réactiver") == false)
        }
    }

    @Test("an operator administrator gets 404 on another operator's user; no one disables themselves")
    func otherOperatorsUsers() async throws {
        try await withJourney { app, world, _ in
            try await Self.makeAdmin(app, world)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/utilisateurs")
            let before = try await databaseFingerprint(app)
            let foreign = try world.operatorB.user.requireID()
            for change in ["desactivation", "invitation", "administration"] {
                #expect(try await browser.post("/espace/utilisateurs/\(foreign)/\(change)", [:]).status == .notFound, "\(change)")
            }
            let own = try await browser.post("/espace/utilisateurs/\(try world.operatorA.user.requireID())/desactivation", [:])
            #expect(own.status == .unprocessableEntity)
            #expect(own.text.contains("Vous ne pouvez pas désactiver votre propre compte."))
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("API tokens: created with a name and a lifetime, shown once, usable on the API, revoked; refusals by field; another user's token is 404")
    func tokens() async throws {
        try await withJourney { app, world, _ in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let page = try await browser.get("/compte/jetons")
            #expect(page.status == .ok)
            #expect(page.text.contains("class=\"fr-nav__link\" href=\"/compte/jetons\" aria-current=\"page\""))
            #expect(!page.text.contains("href=\"/compte\" aria-current"), "only one current menu entry")
            #expect(page.text.contains(">test</td>"), "the World's token is listed")

            let before = try await databaseFingerprint(app)
            for days in ["0", "1000", "dix"] {
                let refused = try await browser.post("/compte/jetons", ["name": "script de dépôt", "lifetimeDays": days])
                #expect(refused.status == .unprocessableEntity)
                #expect(WebClient.fieldError("lifetimeDays", in: refused.text) != nil, "\(days)")
                #expect(WebClient.fieldValue("name", in: refused.text) == "script de dépôt")
            }
            let unnamed = try await browser.post("/compte/jetons", ["name": " ", "lifetimeDays": "10"])
            #expect(WebClient.fieldError("name", in: unnamed.text) != nil)
            #expect(WebClient.fieldValue("lifetimeDays", in: unnamed.text) == "10")
            #expect(try await browser.post("/compte/jetons", ["name": "x", "lifetimeDays": "10"], csrf: "").status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)

            let created = try await browser.post("/compte/jetons", ["name": "script de dépôt", "lifetimeDays": "10"])
            #expect(created.status == .created)
            let secret = try #require(created.text.range(of: #"id="valeur-jeton">[^<]+<"#, options: .regularExpression).map {
                String(created.text[$0].dropFirst("id=\"valeur-jeton\">".count).dropLast())
            })
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: secret)
            #expect(try await app.send(.GET, "/api/v1/me", headers: headers).status == .ok)
            let listed = try await browser.get("/compte/jetons").text
            #expect(listed.contains("script de dépôt") && !listed.contains(secret), "the secret is never shown again")

            let tokens = try await app.edc.accounts.tokens(of: try world.operatorA.user.requireID())
            let id = try #require(tokens.first { $0.name == "script de dépôt" }).requireID()
            #expect(try await browser.post("/compte/jetons/\(id)/revocation", [:]).status == .seeOther)
            #expect(try await app.send(.GET, "/api/v1/me", headers: headers).status == .unauthorized)
            #expect(try await browser.get("/compte/jetons").text.contains(">Révoqué</p>"))

            let foreign = try #require(try await app.edc.accounts.tokens(of: try world.operatorB.user.requireID()).first).requireID()
            #expect(try await browser.post("/compte/jetons/\(foreign)/revocation", [:]).status == .notFound)
            #expect(try await app.send(.GET, "/api/v1/me", as: world.operatorB).status == .ok)

            // ANS staff have the same page.
            var reviewer = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            #expect(try await reviewer.get("/compte/jetons").status == .ok)
        }
    }
}
