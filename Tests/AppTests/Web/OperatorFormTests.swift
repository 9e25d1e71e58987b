@testable import App
import Documents
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// The request forms of `/espace`: each kind filed through the pages; refusals show the French
/// message by the field, keep what was typed and change nothing; drafts are edited and submitted
/// with optimistic locking.
@Suite("Operator portal: request forms")
struct OperatorFormTests {
    static func pdf(_ text: String = "CGI signées") -> (name: String, filename: String, type: String, bytes: [UInt8]) {
        (name: "cgiDocument", filename: "cgi-signees.pdf", type: "application/pdf", bytes: MinimalPDF.bytes(text: text))
    }

    /// The id in a `Location: /espace/demandes/{id}`.
    static func createdID(_ response: TestingHTTPResponse) throws -> String {
        let location = try #require(response.headers.first(name: .location), "no redirect: \(response.status) \(response.text.prefix(2000))")
        #expect(location.hasPrefix("/espace/demandes/"))
        return String(location.dropFirst("/espace/demandes/".count))
    }

    static func request(_ app: Application, _ id: String, as account: World.Account) async throws -> [String: Any] {
        let response = try await app.send(.GET, "/api/v1/requests/\(id)", as: account)
        #expect(response.status == .ok)
        return response.json
    }

    static let declaration = [
        "clients": "383474814\r\n443061841", "pacsCount": "2",
        "pacs-0-sourceHostname": "drimbox1.clinique.example.fr", "pacs-0-viewerHostname": "viewer1.clinique.example.fr",
        "pacs-1-sourceHostname": "drimbox2.clinique.example.fr", "pacs-1-viewerHostname": "viewer2.clinique.example.fr",
        "comment": "Deux PACS pour la clinique.",
    ]

    // MARK: Declaration

    @Test("choosing the kind: a declaration needs no DRIMbox; other kinds offer only the operator's DRIMboxes in a state that allows them")
    func choice() async throws {
        try await withJourney { app, world, api in
            let (declaredID, declared) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let (provisionalID, provisional) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let (_, foreign) = try await api.declaredDRIMbox(as: world.operatorB, pacs: 1)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let page = try await browser.get("/espace/demandes/nouvelle")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("href=\"/espace/demandes/nouvelle/declaration\""))
            func options(_ slug: String) -> String {
                guard let start = html.range(of: "id=\"drimbox-\(slug)\""), let end = html[start.upperBound...].range(of: "</select>") else { return "" }
                return String(html[start.upperBound..<end.lowerBound])
            }
            #expect(options("integration").contains(declaredID) && !options("integration").contains(provisionalID))
            #expect(options("document-va").contains(provisionalID) && !options("document-va").contains(declaredID))
            #expect(options("modification").contains("DRIMbox n° \(declared)") && options("modification").contains("DRIMbox n° \(provisional)"))
            #expect(options("reintegration").isEmpty)
            #expect(html.contains("Aucune de vos DRIMbox n’est dans un état qui permet cette demande."))
            #expect(!html.contains("DRIMbox n° \(foreign) —"))
            // A kind that needs a DRIMbox without one goes back to the choice; another operator's DRIMbox is 404.
            #expect(try await browser.get("/espace/demandes/nouvelle/integration").headers.first(name: .location) == "/espace/demandes/nouvelle")
            #expect(try await browser.get("/espace/demandes/nouvelle/inconnu").status == .notFound)
        }
    }

    @Test("a declaration with 2 PACS (added with the button) and 2 SIRENs, its CGI uploaded, is submitted through the form")
    func declarationSubmitted() async throws {
        try await withJourney { app, world, api in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let form = try await browser.get("/espace/demandes/nouvelle/declaration")
            #expect(form.status == .ok)
            #expect(form.text.contains("<title>Nouvelle demande — Déclaration — Espace de Confiance DRIM-M</title>"))
            #expect(form.text.contains("enctype=\"multipart/form-data\""))
            #expect(form.text.contains("name=\"pacs-0-sourceHostname\"") && !form.text.contains("name=\"pacs-1-sourceHostname\""))
            // Enter in a field saves a draft, never "Retirer": the first submit button of the form.
            let firstButton = try #require(form.text.range(of: "<button class=\"edc-default-submit\" type=\"submit\" tabindex=\"-1\" name=\"action\" value=\"brouillon\">"))
            #expect(form.text.range(of: "value=\"ajouter-pacs\"").map { $0.lowerBound > firstButton.lowerBound } == true)

            // "Ajouter un PACS" shows a second group, keeping what was typed; nothing is stored.
            let before = try await databaseFingerprint(app)
            let added = try await browser.post("/espace/demandes/nouvelle/declaration", [
                "action": "ajouter-pacs", "pacsCount": "1", "clients": "383474814",
                "pacs-0-sourceHostname": "drimbox1.clinique.example.fr", "pacs-0-viewerHostname": "viewer1.clinique.example.fr",
            ])
            #expect(added.status == .ok)
            #expect(WebClient.fieldValue("pacs-0-sourceHostname", in: added.text) == "drimbox1.clinique.example.fr")
            #expect(WebClient.fieldValue("pacs-1-sourceHostname", in: added.text) == "")
            #expect(WebClient.fieldValue("pacsCount", in: added.text) == "2")
            #expect(added.text.contains(">Retirer le PACS 1</button>") && added.text.contains(">Retirer le PACS 2</button>"))
            #expect(WebClient.fieldValue("clients", in: added.text) == "383474814")
            #expect(try await databaseFingerprint(app) == before)

            var fields = Self.declaration
            fields["action"] = "soumettre"
            let response = try await browser.postMultipart("/espace/demandes/nouvelle/declaration", fields, file: Self.pdf())
            #expect(response.status == .seeOther, "\(response.text.prefix(3000))")
            let id = try Self.createdID(response)
            let page = try await browser.get("/espace/demandes/\(id)")
            #expect(page.text.contains("La demande n° 1 est soumise à l’ANS."))
            #expect(page.text.contains("cgi-signees.pdf"))

            let stored = try await Self.request(app, id, as: world.operatorA)
            #expect(stored["state"] as? String == "submitted")
            let payload = try #require(stored["payload"] as? [String: Any])
            #expect(payload["clients"] as? [String] == ["383474814", "443061841"])
            let pacs = try #require(payload["pacs"] as? [[String: String]])
            #expect(pacs == [
                ["sourceHostname": "drimbox1.clinique.example.fr", "viewerHostname": "viewer1.clinique.example.fr"],
                ["sourceHostname": "drimbox2.clinique.example.fr", "viewerHostname": "viewer2.clinique.example.fr"],
            ])
            #expect(payload["comment"] as? String == "Deux PACS pour la clinique.")
            let documentID = try #require(payload["cgiDocumentID"] as? String)
            let document = try await app.send(.GET, "/api/v1/documents/\(documentID)", as: world.operatorA)
            #expect(Data(document.body.readableBytesView) == Data(Self.pdf().bytes))
        }
    }

    @Test("\"Retirer\" removes that PACS and moves the next ones up; the last one cannot be removed")
    func removePACS() async throws {
        try await withJourney { app, world, _ in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/nouvelle/declaration")
            var fields = Self.declaration
            fields["action"] = "retirer-pacs-0"
            let removed = try await browser.post("/espace/demandes/nouvelle/declaration", fields)
            #expect(removed.status == .ok)
            #expect(WebClient.fieldValue("pacs-0-sourceHostname", in: removed.text) == "drimbox2.clinique.example.fr")
            #expect(!removed.text.contains("name=\"pacs-1-sourceHostname\""))
            #expect(!removed.text.contains("Retirer le PACS"), "one PACS left: no button to remove it")
        }
    }

    @Test("a refused declaration shows each French message by its field, keeps every value typed, stores nothing (not even the file chosen)")
    func declarationRefused() async throws {
        try await withJourney { app, world, _ in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/nouvelle/declaration")
            let before = try await databaseFingerprint(app)
            var fields = Self.declaration
            fields["clients"] = "383474814\n383474815"
            fields["pacs-1-viewerHostname"] = "visionneuse 2!"
            fields["action"] = "soumettre"
            let refused = try await browser.postMultipart("/espace/demandes/nouvelle/declaration", fields, file: Self.pdf())
            #expect(refused.status == .unprocessableEntity)
            let html = refused.text
            #expect(html.contains("<title>Erreur — Nouvelle demande — Déclaration"))
            #expect(html.contains("Le formulaire contient des erreurs"))
            let clients = try #require(WebClient.fieldError("clients", in: html))
            #expect(clients.hasPrefix("Ligne 2 (« 383474815 ») :"), "\(clients)")
            #expect(WebClient.fieldError("pacs-1-viewerHostname", in: html) != nil)
            #expect(WebClient.fieldError("pacs-0-sourceHostname", in: html) == nil)
            #expect(WebClient.fieldError("cgiDocument", in: html)?.contains("choisissez-le de nouveau") == true)
            #expect(WebClient.fieldValue("clients", in: html) == "383474814\n383474815")
            #expect(WebClient.fieldValue("pacs-1-viewerHostname", in: html) == "visionneuse 2!")
            #expect(WebClient.fieldValue("pacs-0-sourceHostname", in: html) == "drimbox1.clinique.example.fr")
            #expect(WebClient.fieldValue("comment", in: html) == "Deux PACS pour la clinique.")
            #expect(try await databaseFingerprint(app) == before)

            // Submitting without the CGI: the workflow's message lands by the file field.
            var noCGI = Self.declaration
            noCGI["action"] = "soumettre"
            let missing = try await browser.post("/espace/demandes/nouvelle/declaration", noCGI)
            #expect(missing.status == .unprocessableEntity)
            #expect(WebClient.fieldError("cgiDocument", in: missing.text) == "Joignez les conditions générales d'intégration signées.")
            #expect(WebClient.fieldValue("pacs-1-sourceHostname", in: missing.text) == "drimbox2.clinique.example.fr")
            // No SIREN at all: the domain's rule.
            var empty = Self.declaration
            empty["clients"] = "  "
            empty["action"] = "brouillon"
            let none = try await browser.post("/espace/demandes/nouvelle/declaration", empty)
            #expect(WebClient.fieldError("clients", in: none.text) == "Indiquez au moins un SIREN client.")
            // A file that is not what its name says.
            var fake = Self.declaration
            fake["action"] = "brouillon"
            let bad = try await browser.postMultipart("/espace/demandes/nouvelle/declaration", fake, file: (name: "cgiDocument", filename: "cgi.pdf", type: "application/pdf", bytes: Array("%PDF-1.4 not really".utf8)))
            #expect(bad.status == .unprocessableEntity)
            #expect(WebClient.fieldError("cgiDocument", in: bad.text)?.hasPrefix("Le fichier n’est pas un PDF valide") == true)
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("through the real server, a large upload and a long form arrive streamed and still pass the anti-forgery check (and fail without it)")
    func streamedBodies() async throws {
        try await withJourney { app, world, _ in
            app.http.client.configuration.redirectConfiguration = .disallow
            try await app.withRunningServer { base in
                var cookies: [String: String] = [:]
                func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer? = nil, type: String? = nil) async throws -> (status: HTTPStatus, html: String) {
                    var headers = HTTPHeaders()
                    headers.add(name: .accept, value: "text/html")
                    if !cookies.isEmpty { headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
                    if let type { headers.add(name: .contentType, value: type) }
                    let response = try await app.client.send(method, headers: headers, to: URI(string: base + path)) { request in
                        if let body { request.body = body }
                    }
                    for header in response.headers[.setCookie] {
                        let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                        if pair.count == 2 { cookies[pair[0]] = pair[1] }
                    }
                    return (response.status, response.body.map { String(buffer: $0) } ?? "")
                }
                let login = try await send(.GET, "/connexion")
                let signIn = "_csrf=\(WebClient.field("_csrf", in: login.html) ?? "")&email=\(WebClient.encode(world.operatorA.user.email))&password=\(WebClient.encode(World.password))"
                #expect(try await send(.POST, "/connexion", body: ByteBuffer(string: signIn), type: "application/x-www-form-urlencoded").status == .seeOther)
                let token = try #require(WebClient.field("_csrf", in: try await send(.GET, "/espace/demandes/nouvelle/declaration").html))

                func multipart(csrf: String?) -> ByteBuffer {
                    var body = ByteBuffer()
                    var fields = ["clients": "383474814", "pacsCount": "1", "pacs-0-sourceHostname": "a.example.fr", "pacs-0-viewerHostname": "b.example.fr", "action": "soumettre"]
                    if let csrf { fields["_csrf"] = csrf }
                    for (name, value) in fields { body.writeString("--edc\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n") }
                    body.writeString("--edc\r\nContent-Disposition: form-data; name=\"cgiDocument\"; filename=\"cgi.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                    body.writeBytes(MinimalPDF.bytes(text: "CGI", padding: 400_000))
                    body.writeString("\r\n--edc--\r\n")
                    return body
                }
                let before = try await databaseFingerprint(app)
                #expect(try await send(.POST, "/espace/demandes/nouvelle/declaration", body: multipart(csrf: nil), type: "multipart/form-data; boundary=edc").status == .forbidden)
                #expect(try await databaseFingerprint(app) == before)
                #expect(try await send(.POST, "/espace/demandes/nouvelle/declaration", body: multipart(csrf: token), type: "multipart/form-data; boundary=edc").status == .seeOther)
                let long = "_csrf=\(token)&clients=383474814&pacsCount=1&pacs-0-sourceHostname=a.example.fr&pacs-0-viewerHostname=b.example.fr&action=brouillon&comment="
                    + String(repeating: "x", count: 3_990)
                #expect(try await send(.POST, "/espace/demandes/nouvelle/declaration", body: ByteBuffer(string: long), type: "application/x-www-form-urlencoded").status == .seeOther)
                let list = try await app.send(.GET, "/api/v1/requests", as: world.operatorA)
                let items = list.json["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["state"] as? String } == ["draft", "submitted"])
            }
        }
    }

    @Test("a form posted without the anti-forgery token is refused with 403 and stores nothing")
    func formWithoutCSRF() async throws {
        try await withJourney { app, world, _ in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/nouvelle/declaration")
            let before = try await databaseFingerprint(app)
            var fields = Self.declaration
            fields["action"] = "soumettre"
            #expect(try await browser.post("/espace/demandes/nouvelle/declaration", fields, csrf: "").status == .forbidden)
            browser.csrf = nil
            #expect(try await browser.postMultipart("/espace/demandes/nouvelle/declaration", fields, file: Self.pdf()).status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("a draft is saved, edited and submitted; the submit refused for a missing CGI saves nothing; a stale version is a conflict with a clear message")
    func draftEdited() async throws {
        try await withJourney { app, world, api in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/nouvelle/declaration")
            var fields = Self.declaration
            fields["action"] = "brouillon"
            let saved = try await browser.post("/espace/demandes/nouvelle/declaration", fields)
            let id = try Self.createdID(saved)
            #expect(try await browser.get("/espace/demandes/\(id)").text.contains("La demande n° 1 est enregistrée comme brouillon."))
            #expect(try await Self.request(app, id, as: world.operatorA)["state"] as? String == "draft")

            let edit = try await browser.get("/espace/demandes/\(id)/modifier")
            #expect(edit.status == .ok)
            #expect(edit.text.contains("<title>Demande n° 1 — modifier (déclaration) — Espace de Confiance DRIM-M</title>"))
            #expect(WebClient.fieldValue("clients", in: edit.text) == "383474814\n443061841")
            #expect(WebClient.fieldValue("pacs-1-viewerHostname", in: edit.text) == "viewer2.clinique.example.fr")
            #expect(WebClient.fieldValue("version", in: edit.text) == "1")

            // Submitting without the CGI is refused as a whole: the new content is not saved either.
            let before = try await databaseFingerprint(app)
            var changed = Self.declaration
            changed["clients"] = "383474814"
            changed["version"] = "1"
            changed["action"] = "soumettre"
            let refused = try await browser.post("/espace/demandes/\(id)/modifier", changed)
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("cgiDocument", in: refused.text) == "Joignez les conditions générales d'intégration signées.")
            #expect(WebClient.fieldValue("clients", in: refused.text) == "383474814")
            #expect(try await databaseFingerprint(app) == before)

            // Someone changes the request meanwhile (another window, through the API): a conflict.
            let patched = try await app.send(.PATCH, "/api/v1/requests/\(id)", as: world.operatorA, json: """
                {"version": 1, "payload": {"clients": ["383474814"], "pacs": [{"sourceHostname": "a.example.fr", "viewerHostname": "b.example.fr"}]}}
                """)
            #expect(patched.status == .ok)
            let afterPatch = try await databaseFingerprint(app)
            let conflict = try await browser.postMultipart("/espace/demandes/\(id)/modifier", changed, file: Self.pdf())
            #expect(conflict.status == .conflict)
            #expect(conflict.text.contains("Cette demande a été modifiée entre-temps"))
            #expect(WebClient.fieldValue("clients", in: conflict.text) == "383474814", "what was typed stays to be copied")
            // The file was stored (the form was otherwise acceptable) and is offered again.
            #expect(conflict.text.contains("Déjà joint : cgi-signees.pdf"))
            let keptID = try #require(WebClient.fieldValue("cgiDocumentID", in: conflict.text))
            #expect(try await databaseFingerprint(app)["requests"] == afterPatch["requests"])
            #expect(try await databaseFingerprint(app)["request_versions"] == afterPatch["request_versions"])

            // From the current version, with the document sent before: submitted.
            let current = try await browser.get("/espace/demandes/\(id)/modifier")
            #expect(WebClient.fieldValue("version", in: current.text) == "2")
            changed["version"] = "2"
            changed["cgiDocumentID"] = keptID
            let submitted = try await browser.post("/espace/demandes/\(id)/modifier", changed)
            #expect(submitted.status == .seeOther, "\(submitted.text.prefix(2000))")
            let stored = try await Self.request(app, id, as: world.operatorA)
            #expect(stored["state"] as? String == "submitted")
            #expect((stored["payload"] as? [String: Any])?["cgiDocumentID"] as? String == keptID)
            #expect((stored["payload"] as? [String: Any])?["clients"] as? [String] == ["383474814"])
            // A submitted request is no longer edited.
            #expect(try await browser.get("/espace/demandes/\(id)/modifier").status == .conflict)
        }
    }
}
