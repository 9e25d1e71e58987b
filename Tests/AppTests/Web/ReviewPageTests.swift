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

/// ANS's back office `/ans`: the review queue and its filters, assignment, the request page and
/// its actions, and who gets 404.
@Suite("ANS back office: review queue, request page and actions")
struct ReviewPageTests {
    /// A declaration of `account`'s operator, filed through the API and submitted; returns its id and number.
    static func submittedDeclaration(_ api: JourneyAPI, as account: World.Account, comment: String? = nil) async throws -> (id: String, number: Int) {
        let cgi = try await api.upload(kind: "cgi", as: account)
        let json = try await api.create(as: account, """
            {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814", "552100554"],
             "pacs": [{"sourceHostname": "src1.example.fr", "viewerHostname": "view1.example.fr"}, {"sourceHostname": "src2.example.fr", "viewerHostname": "view2.example.fr"}],
             "cgiDocumentID": "\(cgi)"\(comment.map { #", "comment": "\#($0)""# } ?? "")}}
            """)
        return (try #require(json["id"] as? String), try #require(json["number"] as? Int))
    }

    static func request(_ app: Application, _ id: String) async throws -> RequestModel {
        try #require(try await RequestModel.find(UUID(uuidString: id), on: app.db))
    }

    /// The numbers of the requests the queue page lists, in order.
    static func listed(_ html: String) -> [Int] {
        html.components(separatedBy: "<tr id=\"demande-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test("the queue lists requests awaiting review oldest first, with operator, DRIMbox, dates, age, agent and state; its GET filters narrow it")
    func queueFilters() async throws {
        try await withJourney { app, world, api in
            let a1 = try await Self.submittedDeclaration(api, as: world.operatorA)
            let b1 = try await Self.submittedDeclaration(api, as: world.operatorB)
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let integration = try await api.create(as: world.operatorA, try api.integrationJSON(drimboxID: drimboxID, identifier: identifier))
            let integrationNumber = try #require(integration["number"] as? Int)
            let rejected = try await Self.submittedDeclaration(api, as: world.operatorB)
            _ = try await api.act("reject", on: rejected.id, as: world.reviewer, reason: "Doublon.")
            _ = try await app.edc.workflow.assign(world.reviewer.principal, requestID: UUID(uuidString: b1.id)!, to: world.reviewer.user.id)
            _ = try await app.edc.workflow.assign(world.reviewer.principal, requestID: UUID(uuidString: a1.id)!, to: world.secondReviewer.user.id)

            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>File d’instruction — Espace de Confiance DRIM-M</title>"))
            #expect(Self.listed(html) == [a1.number, b1.number, integrationNumber])
            #expect(html.contains("<caption>Demandes en attente d’instruction, les plus anciennes d’abord</caption>"))
            #expect(html.contains("href=\"/ans/demandes/\(a1.id)\">Demande n° \(a1.number)</a>"))
            #expect(html.contains("href=\"/ans/drimbox/\(drimboxID)\">DRIMbox n° \(identifier)</a>"))
            #expect(html.contains("<td>Opérateur B</td>"))
            #expect(html.contains(">Déposée</p>"), "state badge with its text")
            #expect(html.contains("<td>reviewer2@ans.example.fr</td>") && html.contains("<td>Non attribuée</td>"))
            #expect(html.contains("<th scope=\"col\">Âge (jours)</th>") && html.contains("<td>0</td>"))
            #expect(html.contains("name=\"agent\"") && html.contains("action=\"/ans/demandes/\(a1.id)/attribution\""))
            #expect(!html.contains("fr-pagination"))

            #expect(Self.listed(try await browser.get("/ans?operateur=\(world.operatorBID)").text) == [b1.number])
            #expect(Self.listed(try await browser.get("/ans?type=integration").text) == [integrationNumber])
            #expect(Self.listed(try await browser.get("/ans?attribution=moi").text) == [b1.number])
            #expect(Self.listed(try await browser.get("/ans?attribution=aucun").text) == [integrationNumber])
            #expect(Self.listed(try await browser.get("/ans?attribution=\(world.secondReviewer.user.id!)").text) == [a1.number])
            #expect(Self.listed(try await browser.get("/ans?anciennete=7").text).isEmpty)
            let closed = try await browser.get("/ans?etat=rejected").text
            #expect(Self.listed(closed) == [rejected.number])
            #expect(closed.contains("<caption>Demandes à l’état « Refusée », les plus récentes d’abord</caption>"))
            #expect(closed.contains("<option value=\"rejected\" selected>Refusée</option>"), "the filter keeps its value")
            // The approved declaration is listed under its state, with no assignment form (closed).
            let approved = try await browser.get("/ans?etat=approved&operateur=\(world.operatorAID)").text
            #expect(Self.listed(approved).count == 1 && !approved.contains("/attribution\""))

            // An unknown filter value is said next to its field.
            let wrong = try await browser.get("/ans?etat=nimporte")
            #expect(wrong.status == .unprocessableEntity)
            #expect(WebClient.fieldError("etat", in: wrong.text) == nil, "filters use their own ids")
            #expect(wrong.text.contains("id=\"filtre-etat-message\" aria-live=\"polite\"><p class=\"fr-message fr-message--error\">État inconnu.</p>"))
        }
    }

    @Test("the queue pages by 50 with a next-page link keeping the filters")
    func queuePagination() async throws {
        try await withJourney { app, world, api in
            var numbers: [Int] = []
            let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
            for _ in 1...52 {
                let json = try await api.create(as: world.operatorA, """
                    {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}], "cgiDocumentID": "\(cgi)"}}
                    """)
                numbers.append(try #require(json["number"] as? Int))
            }
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let first = try await browser.get("/ans?type=declaration").text
            #expect(Self.listed(first) == Array(numbers.prefix(50)))
            #expect(first.contains("href=\"/ans?type=declaration&amp;apres=\(numbers[49])\">Page suivante</a>"))
            let second = try await browser.get("/ans?type=declaration&apres=\(numbers[49])").text
            #expect(Self.listed(second) == Array(numbers.suffix(2)))
            #expect(second.contains("href=\"/ans?type=declaration\">Première page</a>") && !second.contains("Page suivante"))
        }
    }

    @Test("a request is assigned from the queue and from its page; a refused assignment says why and changes nothing")
    func assignment() async throws {
        try await withJourney { app, world, api in
            let request = try await Self.submittedDeclaration(api, as: world.operatorA)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            _ = try await browser.get("/ans?type=declaration")
            let assigned = try await browser.post("/ans/demandes/\(request.id)/attribution", ["agent": world.secondReviewer.user.id!.uuidString, "retour": "/ans?type=declaration"])
            #expect(assigned.status == .seeOther)
            #expect(assigned.headers.first(name: .location) == "/ans?type=declaration")
            #expect(try await Self.request(app, request.id).assignedReviewerID == world.secondReviewer.user.id)
            let after = try await browser.get("/ans?type=declaration").text
            #expect(after.contains("La demande n° \(request.number) est attribuée à reviewer2@ans.example.fr."))
            #expect(after.contains("<td>reviewer2@ans.example.fr</td>"))

            // From the request page, back to no one; a return address elsewhere is ignored.
            _ = try await browser.get("/ans/demandes/\(request.id)")
            let cleared = try await browser.post("/ans/demandes/\(request.id)/attribution", ["agent": "", "retour": "https://ailleurs.example/"])
            #expect(cleared.headers.first(name: .location) == "/ans/demandes/\(request.id)")
            #expect(try await Self.request(app, request.id).assignedReviewerID == nil)
            let page = try await browser.get("/ans/demandes/\(request.id)").text
            #expect(page.contains("Attribution retirée") && page.contains("Attribuée à reviewer2@ans.example.fr (Instructeur ANS)"), "assignments are in the timeline")

            // An operator user cannot be assigned: the page says so next to the agent field, nothing changes.
            let before = try await databaseFingerprint(app)
            let refused = try await browser.post("/ans/demandes/\(request.id)/attribution", ["agent": world.operatorA.user.id!.uuidString])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("agent", in: refused.text) == "La demande ne peut être attribuée qu'à un agent de l'ANS dont le compte est actif.")
            #expect(try await databaseFingerprint(app) == before)
            #expect(try await Self.request(app, request.id).assignedReviewerID == nil)
        }
    }

    @Test("the request page shows what the operator sent field by field, its documents, the timeline and the actions allowed now")
    func requestPage() async throws {
        try await withJourney { app, world, api in
            let request = try await Self.submittedDeclaration(api, as: world.operatorA, comment: "Deux PACS pour le centre de Lyon.")
            let stored = try await Self.request(app, request.id)
            let payload = try RequestPayload.decode(kind: .declaration, from: Data(stored.payload.utf8), using: JSONText.decoder)
            let cgi = try #require(payload.documentReferences.first?.id)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans/demandes/\(request.id)")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>Demande n° \(request.number) — Déclaration — Espace de Confiance DRIM-M</title>"))
            #expect(html.contains("Opérateur A (SIREN 732829320)"))
            #expect(html.contains("<dt>SIREN des clients (2)</dt><dd><span class=\"edc-line edc-mono\">383474814</span><span class=\"edc-line edc-mono\">552100554</span></dd>"))
            #expect(html.contains("<td class=\"edc-mono\">src2.example.fr</td><td class=\"edc-mono\">view2.example.fr</td>"))
            #expect(html.contains("Deux PACS pour le centre de Lyon."))
            #expect(html.contains("href=\"/ans/demandes/\(request.id)/documents/\(cgi)\">Télécharger « cgi.pdf »"))
            #expect(html.contains("<strong>Soumission à l’ANS</strong> — Brouillon → Déposée"))
            #expect(html.contains("par user@a.example.fr (Opérateur)"))
            // Actions: take for review, and the decision form with its reason and three buttons.
            #expect(html.contains("value=\"startReview\">Prendre en instruction</button>"))
            #expect(html.contains("name=\"reason\""))
            #expect(html.contains("value=\"approve\">Accepter la demande</button>"))
            #expect(html.contains("value=\"requestCorrection\">Demander une correction</button>"))
            #expect(html.contains("value=\"reject\">Refuser la demande</button>"))
            #expect(html.contains("name=\"version\" value=\"\(stored.version)\""))

            let download = try await browser.get("/ans/demandes/\(request.id)/documents/\(cgi)")
            #expect(download.status == .ok && download.headers.contentType?.subType == "pdf")
            #expect(download.headers.first(name: .contentDisposition)?.contains("cgi.pdf") == true)
            // A document the request does not name is not served from it.
            let other = try await api.upload(kind: "cgi", as: world.operatorA)
            #expect(try await browser.get("/ans/demandes/\(request.id)/documents/\(other)").status == .notFound)
        }
    }

    @Test("start review, request a correction, approve and reject through the page; a reject without reason shows the message by the field and changes nothing")
    func actions() async throws {
        try await withJourney { app, world, api in
            let first = try await Self.submittedDeclaration(api, as: world.operatorA)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)

            _ = try await browser.get("/ans/demandes/\(first.id)")
            var version = String(try await Self.request(app, first.id).version)
            let started = try await browser.post("/ans/demandes/\(first.id)/decision", ["action": "startReview", "version": version])
            #expect(started.status == .seeOther)
            #expect(try await Self.request(app, first.id).state == .inReview)

            // Reject without a reason: the workflow's message next to the field, nothing written.
            var page = try await browser.get("/ans/demandes/\(first.id)").text
            #expect(page.contains("La demande n° \(first.number) est prise en instruction."))
            #expect(!page.contains("value=\"startReview\""), "no longer offered")
            version = String(try await Self.request(app, first.id).version)
            let before = try await databaseFingerprint(app)
            let refused = try await browser.post("/ans/demandes/\(first.id)/decision", ["action": "reject", "reason": "  ", "version": version])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("reason", in: refused.text) == "Un motif est obligatoire pour « refuser ».")
            #expect(refused.text.contains("<title>Erreur — Demande n° \(first.number)"))
            #expect(try await databaseFingerprint(app) == before)
            #expect(try await Self.request(app, first.id).state == .inReview)

            // A decision on a version that changed since is refused (409), the reason as typed kept.
            let stale = try await browser.post("/ans/demandes/\(first.id)/decision", ["action": "approve", "reason": "Dossier complet.", "version": "1"])
            #expect(stale.status == .conflict)
            #expect(WebClient.fieldValue("reason", in: stale.text) == "Dossier complet.")
            #expect(stale.text.contains("Cette demande a été modifiée entre-temps"))
            #expect(try await databaseFingerprint(app) == before)

            // Request a correction with a reason.
            let corrected = try await browser.post("/ans/demandes/\(first.id)/decision", ["action": "requestCorrection", "reason": "Le CGI n’est pas signé.", "version": version])
            #expect(corrected.status == .seeOther)
            var stored = try await Self.request(app, first.id)
            #expect(stored.state == .correctionRequested && stored.lastReason == "Le CGI n’est pas signé.")
            page = try await browser.get("/ans/demandes/\(first.id)").text
            #expect(page.contains("Correction demandée à l’opérateur") && page.contains("Motif : Le CGI n’est pas signé."))
            #expect(page.contains("Aucune action d’instruction n’est possible sur une demande à l’état « Correction demandée »."))

            // The operator resubmits; the reviewer approves: the DRIMbox exists.
            _ = try await api.act("resubmit", on: first.id, as: world.operatorA)
            _ = try await browser.get("/ans/demandes/\(first.id)")
            version = String(try await Self.request(app, first.id).version)
            let approved = try await browser.post("/ans/demandes/\(first.id)/decision", ["action": "approve", "reason": "", "version": version])
            #expect(approved.status == .seeOther)
            stored = try await Self.request(app, first.id)
            #expect(stored.state == .approved && stored.drimboxID != nil)
            page = try await browser.get("/ans/demandes/\(first.id)").text
            #expect(page.contains("La demande n° \(first.number) est acceptée.") && page.contains("<strong>Acceptation</strong>"))
            #expect(page.contains("href=\"/ans/drimbox/\(stored.drimboxID!)\""))

            // Reject another one with a reason.
            let second = try await Self.submittedDeclaration(api, as: world.operatorB)
            _ = try await browser.get("/ans/demandes/\(second.id)")
            let rejected = try await browser.post("/ans/demandes/\(second.id)/decision", ["action": "reject", "reason": "Opérateur non habilité.", "version": String(try await Self.request(app, second.id).version)])
            #expect(rejected.status == .seeOther)
            #expect(try await Self.request(app, second.id).state == .rejected)
            #expect(try await browser.get("/ans/demandes/\(second.id)").text.contains("Motif du refus"))
        }
    }

    @Test("a post without the anti-forgery token is refused (403) and changes nothing")
    func csrf() async throws {
        try await withJourney { app, world, api in
            let request = try await Self.submittedDeclaration(api, as: world.operatorA)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            _ = try await browser.get("/ans/demandes/\(request.id)")
            let version = String(try await Self.request(app, request.id).version)
            let before = try await databaseFingerprint(app)
            for (path, fields) in [
                ("/ans/demandes/\(request.id)/decision", ["action": "approve", "version": version]),
                ("/ans/demandes/\(request.id)/attribution", ["agent": world.reviewer.user.id!.uuidString]),
            ] {
                #expect(try await browser.post(path, fields, csrf: "").status == .forbidden)
                #expect(try await browser.post(path, fields, csrf: String(repeating: "x", count: 47)).status == .forbidden)
            }
            #expect(try await databaseFingerprint(app) == before)
            #expect(try await Self.request(app, request.id).assignedReviewerID == nil)
        }
    }

    @Test("an operator gets 404 on every /ans page and form; a reviewer gets 404 on /ans/utilisateurs")
    func access() async throws {
        try await withJourney { app, world, api in
            let request = try await Self.submittedDeclaration(api, as: world.operatorA)
            let (drimboxID, _) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let pages = ["/ans", "/ans?etat=approved", "/ans/demandes/\(request.id)", "/ans/drimbox", "/ans/drimbox/\(drimboxID)", "/ans/liste-blanche",
                         "/ans/liste-blanche/1", "/ans/echeances", "/ans/audit", "/ans/utilisateurs"]
            var operatorBrowser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            for path in pages {
                let response = try await operatorBrowser.get(path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.text.contains("<title>Page introuvable — Espace de Confiance DRIM-M</title>"), "\(path)")
            }
            _ = try await operatorBrowser.get("/espace")
            let before = try await databaseFingerprint(app)
            for path in ["/ans/demandes/\(request.id)/decision", "/ans/demandes/\(request.id)/attribution", "/ans/drimbox/\(drimboxID)/exclusion",
                         "/ans/drimbox/\(drimboxID)/retrait", "/ans/utilisateurs"] {
                #expect(try await operatorBrowser.post(path, ["action": "approve", "motif": "cyberIncident"]).status == .notFound, "\(path)")
            }
            #expect(try await databaseFingerprint(app) == before)

            var reviewer = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            #expect(try await reviewer.get("/ans/utilisateurs").status == .notFound)
            #expect(!(try await reviewer.get("/ans").text.contains("href=\"/ans/utilisateurs\"")), "not in the reviewer's menu")
            var admin = try await WebClient.signedIn(app, email: world.admin.user.email)
            #expect(try await admin.get("/ans/utilisateurs").status == .ok)
        }
    }
}
