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

/// The operator portal `/espace`: dashboard, request and DRIMbox pages, actions, downloads, and
/// what another operator gets (404 everywhere).
@Suite("Operator portal: dashboard, request and DRIMbox pages")
struct OperatorPageTests {
    static func requestID(_ json: [String: Any]) throws -> String { try #require(json["id"] as? String) }

    /// A draft declaration of `account`'s operator, filed through the API; returns its id.
    static func draftDeclaration(_ api: JourneyAPI, as account: World.Account, clients: [String] = ["383474814"], cgi: Bool = true) async throws -> String {
        let cgiID = cgi ? try await api.upload(kind: "cgi", as: account) : nil
        let json = try await api.create(as: account, """
            {"kind": "declaration", "submit": false, "payload": {"clients": [\(clients.map { "\"\($0)\"" }.joined(separator: ","))],
             "pacs": [{"sourceHostname": "src.example.fr", "viewerHostname": "view.example.fr"}]\(cgiID.map { #", "cgiDocumentID": "\#($0)""# } ?? "")}}
            """)
        return try requestID(json)
    }

    @Test("the dashboard shows the operator's DRIMboxes (state, FQDN pairs, VA due date, white list) and requests with what comes next; nothing of another operator")
    func dashboard() async throws {
        try await withJourney { app, world, api in
            let (declaredID, declared) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 2)
            let (_, provisional) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            _ = try await Self.draftDeclaration(api, as: world.operatorA)
            let (_, foreign) = try await api.declaredDRIMbox(as: world.operatorB, pacs: 1)

            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let page = try await browser.get("/espace")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>Tableau de bord — Espace de Confiance DRIM-M</title>"))
            #expect(html.contains("Opérateur : Opérateur A"))
            #expect(html.contains("href=\"/espace/drimbox/\(declaredID)\">DRIMbox n° \(declared)</a>"))
            #expect(html.contains("db1.\(declared).mesimagesmedicales.fr / vi1.\(declared).mesimagesmedicales.fr"))
            #expect(html.contains("db2.\(declared).mesimagesmedicales.fr / vi2.\(declared).mesimagesmedicales.fr"))
            #expect(html.contains(">Déclarée</p>") && html.contains(">Intégrée (provisoire)</p>"))
            #expect(html.contains("DRIMbox n° \(provisional)"))
            #expect(html.contains("(dans 90 jours)"), "VA due date with the days left")
            #expect(html.contains(">Inscrite</td>") && html.contains(">Non inscrite</td>"))
            #expect(html.contains("Brouillon : à soumettre"))
            #expect(html.contains("Acceptée : téléchargez l’attestation, commandez les certificats puis déposez l’intégration"))
            #expect(html.contains("Acceptée : envoyez le document de VA avant l’échéance"))
            #expect(!html.contains("DRIMbox n° \(foreign)<"), "operator B's DRIMbox is not shown")
            #expect(!html.contains("fr-pagination"), "one page only")

            // Operator B's dashboard shows B's DRIMbox only.
            var other = try await WebClient.signedIn(app, email: world.operatorB.user.email)
            let theirs = try await other.get("/espace").text
            #expect(theirs.contains("DRIMbox n° \(foreign)<") && !theirs.contains("DRIMbox n° \(declared)<"))
        }
    }

    @Test("the dashboard pages its requests by 25, newest first, keeping the other list's cursor")
    func dashboardPagination() async throws {
        try await withJourney { app, world, api in
            for _ in 1...27 { _ = try await Self.draftDeclaration(api, as: world.operatorA, cgi: false) }
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let first = try await browser.get("/espace").text
            #expect(first.contains("Demande n° 27<") && first.contains("Demande n° 3<") && !first.contains("Demande n° 2<"))
            #expect(first.contains("aria-label=\"Pagination des demandes\""))
            #expect(first.contains("href=\"/espace?demandes=3\">Page suivante</a>"))
            let second = try await browser.get("/espace?demandes=3")
            #expect(second.status == .ok)
            #expect(second.text.contains("Demande n° 2<") && second.text.contains("Demande n° 1<") && !second.text.contains("Demande n° 3<"))
            #expect(second.text.contains("href=\"/espace\">Première page</a>"))
            #expect(!second.text.contains("Page suivante"))
        }
    }

    @Test("the request page shows everything sent, the documents, the timeline and the actions allowed now; submit and withdraw work from it")
    func requestPage() async throws {
        try await withJourney { app, world, api in
            let id = try await Self.draftDeclaration(api, as: world.operatorA, clients: ["383474814", "443061841"])
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let page = try await browser.get("/espace/demandes/\(id)")
            #expect(page.status == .ok)
            var html = page.text
            #expect(html.contains("<title>Demande n° 1 — Déclaration — Espace de Confiance DRIM-M</title>"))
            #expect(html.contains("383474814") && html.contains("443061841") && html.contains("src.example.fr") && html.contains("view.example.fr"))
            #expect(html.contains("href=\"/espace/documents/"), "a link to the CGI document")
            #expect(html.contains(">Brouillon</p>") && html.contains("Brouillon : à soumettre"))
            #expect(html.contains("Création") && html.contains("par user@a.example.fr"))
            #expect(html.contains(">Soumettre</button>") && html.contains(">Abandonner la demande</button>") && html.contains("Modifier la demande"))
            #expect(html.contains("aria-label=\"vous êtes ici :\""), "breadcrumbs")

            // The CGI link downloads the document.
            let documentPath = try #require(html.range(of: #"/espace/documents/[0-9A-F-]{36}"#, options: .regularExpression).map { String(html[$0]) })
            let document = try await browser.get(documentPath)
            #expect(document.status == .ok)
            #expect(document.headers.contentType?.description == "application/pdf")
            #expect(Data(document.body.readableBytesView).starts(with: Data("%PDF-".utf8)))

            // Submit from the page: post/redirect/get, the state and the timeline follow.
            let submitted = try await browser.post("/espace/demandes/\(id)/actions/submit", ["version": "1"])
            #expect(submitted.status == .seeOther)
            #expect(submitted.headers.first(name: .location) == "/espace/demandes/\(id)")
            html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains("La demande n° 1 est soumise à l’ANS."))
            #expect(html.contains(">Déposée</p>") && html.contains("En attente d’instruction par l’ANS"))
            #expect(html.contains("Soumission") && html.contains("Brouillon → Déposée"))
            #expect(!html.contains(">Soumettre</button>") && !html.contains("Modifier la demande") && html.contains(">Abandonner la demande</button>"))

            // A stale version is refused with a clear message and changes nothing.
            let before = try await databaseFingerprint(app)
            let stale = try await browser.post("/espace/demandes/\(id)/actions/withdraw", ["version": "1"])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("Cette demande a été modifiée entre-temps"))
            #expect(try await databaseFingerprint(app) == before)

            // The reviewer asks for a correction: the reason shows, with what is expected.
            _ = try await api.act("requestCorrection", on: id, as: world.reviewer, reason: "Le second SIREN est inconnu.")
            html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains("Correction demandée par l’ANS") && html.contains("Le second SIREN est inconnu."))
            #expect(html.contains("Correction demandée : à vous de corriger") && html.contains(">Renvoyer à l’ANS</button>"))
            #expect(html.contains("par ANS (instruction)"))

            let withdrawn = try await browser.post("/espace/demandes/\(id)/actions/withdraw", ["version": "3"])
            #expect(withdrawn.status == .seeOther)
            html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains(">Abandonnée</p>") && !html.contains("<h2>Actions</h2>"))
        }
    }

    @Test("a submit the workflow refuses shows its French reasons on the request page and changes nothing")
    func refusedSubmit() async throws {
        try await withJourney { app, world, api in
            let id = try await Self.draftDeclaration(api, as: world.operatorA, cgi: false)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/\(id)")
            let before = try await databaseFingerprint(app)
            let refused = try await browser.post("/espace/demandes/\(id)/actions/submit", ["version": "1"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("Joignez les conditions générales d&#39;intégration signées.") || refused.text.contains("Joignez les conditions générales d'intégration signées."))
            #expect(refused.text.contains("Modifier la demande"))
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("the DRIMbox page shows its FQDN pairs, PACS hostnames, DNs, VA due date, history, attestation and the requests that may be filed")
    func drimboxPage() async throws {
        try await withJourney { app, world, api in
            let (id, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 2)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let page = try await browser.get("/espace/drimbox/\(id)")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>DRIMbox n° \(identifier) — Espace de Confiance DRIM-M</title>"))
            for index in 1...2 {
                #expect(html.contains("db\(index).\(identifier).mesimagesmedicales.fr") && html.contains("vi\(index).\(identifier).mesimagesmedicales.fr"))
                #expect(html.contains("src\(index).example.fr") && html.contains("view\(index).example.fr"))
                #expect(html.contains("CN=db\(index).\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Opérateur A"))
            }
            #expect(html.contains(">Intégrée (provisoire)</p>") && html.contains("(dans 90 jours)") && html.contains(">Inscrite<"))
            #expect(html.contains("Déclaration acceptée") && html.contains("Intégration provisoire") && html.contains("Déclarée → Intégrée (provisoire)"))
            #expect(html.contains("/attestation.pdf\">Attestation n° "))
            // What the state machine allows from "provisional".
            #expect(html.contains("/espace/demandes/nouvelle/document-va?drimbox=\(id)"))
            #expect(html.contains("/espace/demandes/nouvelle/modification?drimbox=\(id)"))
            #expect(html.contains("/espace/demandes/nouvelle/retrait?drimbox=\(id)"))
            #expect(!html.contains("/espace/demandes/nouvelle/integration?drimbox=") && !html.contains("/espace/demandes/nouvelle/reintegration?drimbox="))
            #expect(html.contains("Demandes concernant cette DRIMbox"))
        }
    }

    @Test("the attestation of an approved declaration downloads from the request page")
    func attestationDownload() async throws {
        try await withJourney { app, world, api in
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let list = try await app.send(.GET, "/api/v1/requests", as: world.operatorA)
            let id = try #require((list.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains("Attestation de délégation") && html.contains("href=\"/espace/demandes/\(id)/attestation.pdf\""))
            let pdf = try await browser.get("/espace/demandes/\(id)/attestation.pdf")
            #expect(pdf.status == .ok)
            #expect(pdf.headers.contentType?.description == "application/pdf")
            #expect(Data(pdf.body.readableBytesView).starts(with: Data("%PDF-".utf8)))
            let api = try await app.send(.GET, "/api/v1/requests/\(id)/attestation.pdf", as: world.operatorA)
            #expect(Data(api.body.readableBytesView) == Data(pdf.body.readableBytesView), "the same document as the API's")
        }
    }

    @Test("operator A gets 404 on operator B's request, DRIMbox, document, attestation, edit form and actions, and nothing changes")
    func otherOperatorIsNotFound() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, _) = try await api.declaredDRIMbox(as: world.operatorB, pacs: 1)
            let list = try await app.send(.GET, "/api/v1/requests", as: world.operatorB)
            let declarationID = try #require((list.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let draftID = try await Self.draftDeclaration(api, as: world.operatorB)
            let documentID = try await api.upload(kind: "cgi", as: world.operatorB)

            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let before = try await databaseFingerprint(app)
            for path in ["/espace/demandes/\(declarationID)", "/espace/demandes/\(draftID)", "/espace/drimbox/\(drimboxID)",
                         "/espace/documents/\(documentID)", "/espace/demandes/\(declarationID)/attestation.pdf",
                         "/espace/demandes/\(UUID())", "/espace/drimbox/not-a-uuid"] {
                let response = try await browser.get(path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.text.contains("Page introuvable"), "\(path)")
            }
            try await browser.get("/espace")
            for action in ["submit", "withdraw"] {
                #expect(try await browser.post("/espace/demandes/\(draftID)/actions/\(action)", ["version": "1"]).status == .notFound)
            }
            #expect(try await databaseFingerprint(app) == before)

            // ANS staff do not use the operator portal.
            var reviewer = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            #expect(try await reviewer.get("/espace/demandes/\(declarationID)").status == .notFound)
        }
    }

    @Test("an action posted without the anti-forgery token is refused with 403 and changes nothing")
    func actionWithoutCSRF() async throws {
        try await withJourney { app, world, api in
            let id = try await Self.draftDeclaration(api, as: world.operatorA)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/\(id)")
            let before = try await databaseFingerprint(app)
            #expect(try await browser.post("/espace/demandes/\(id)/actions/submit", ["version": "1"], csrf: "").status == .forbidden)
            #expect(try await browser.post("/espace/demandes/\(id)/actions/submit", ["version": "1"], csrf: String(repeating: "x", count: 47)).status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)
        }
    }
    @Test("the demo: Alice administers Alpha's users and finds situation 1 at each step and situation 2 ready to walk (an excluded DRIMbox whose re-integration needs new CGI)")
    func demo() async throws {
        try await withTestApp { app in
            try await DemoData.seedIfEmpty(app)
            var alice = try await WebClient.signedIn(app, email: "alice@alpha-imagerie.demo.edc", password: DemoData.password)
            let dashboard = try await alice.get("/espace").text
            for state in ["Intégrée (définitive)", "Intégrée (provisoire)", "Déclarée", "Exclue"] { #expect(dashboard.contains(">\(state)</p>"), "\(state)") }
            #expect(dashboard.contains("Correction demandée : à vous de corriger") && dashboard.contains("En attente d’instruction par l’ANS"))
            #expect(dashboard.contains("Acceptée : téléchargez l’attestation, commandez les certificats puis déposez l’intégration"))
            #expect(dashboard.contains("href=\"/espace/utilisateurs\""))
            let users = try await alice.get("/espace/utilisateurs")
            #expect(users.status == .ok && users.text.contains("camille@alpha-imagerie.demo.edc") && !users.text.contains("bruno@"))

            let choice = try await alice.get("/espace/demandes/nouvelle").text
            let reintegration = try #require(choice.range(of: #"id="drimbox-reintegration" name="drimbox">\s*<option value="([0-9A-F-]{36})""#, options: .regularExpression))
            let excludedID = String(choice[reintegration].suffix(37).dropLast())
            let form = try await alice.get("/espace/demandes/nouvelle/reintegration?drimbox=\(excludedID)").text
            #expect(form.contains("Incident de cybersécurité") && form.contains("Obligatoires : la DRIMbox a été exclue pour un incident de cybersécurité"))
            #expect(choice.contains("id=\"drimbox-integration\"") && choice.contains("id=\"drimbox-document-va\""))

            var camille = try await WebClient.signedIn(app, email: "camille@alpha-imagerie.demo.edc", password: DemoData.password)
            #expect(try await camille.get("/espace/utilisateurs").status == .notFound)
            #expect(try await camille.get("/espace").text.contains(">Exclue</p>"), "Camille sees Alpha's DRIMboxes")
        }
    }
}
