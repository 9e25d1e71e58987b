@testable import App
import EDCDomain
import EDCTestSupport
import Fluent
import FluentSQL
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// `/ans/audit`: the audit log searched, paged, with the chain's verification.
@Suite("ANS back office: audit log")
struct ReviewAuditPageTests {
    static func listed(_ html: String) -> [Int] {
        html.components(separatedBy: "<tr id=\"audit-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test("the audit log is searched by action, family, object, actor, role and dates, newest first, with the chain verified")
    func search() async throws {
        try await withJourney { app, world, api in
            let request = try await ReviewPageTests.submittedDeclaration(api, as: world.operatorA)
            _ = try await api.act("reject", on: request.id, as: world.reviewer, reason: "Incomplet.")
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans/audit")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>Journal d’audit — Espace de Confiance DRIM-M</title>"))
            // The whole chain is read only when asked for.
            #expect(!html.contains("Journal intègre") && html.contains("Vérifier la chaîne d’empreintes"))
            #expect(try await browser.get("/ans/audit?verifier=oui").text.contains("<h2 class=\"fr-alert__title\">Journal intègre</h2>"))
            let all = Self.listed(html)
            #expect(all == all.sorted(by: >) && all.count <= 50)

            let rejected = try await browser.get("/ans/audit?action=request.reject").text
            #expect(Self.listed(rejected).count == 1)
            #expect(rejected.contains("<span class=\"edc-line\">Refus</span><span class=\"edc-line edc-mono\">request.reject</span>"))
            #expect(rejected.contains("reviewer@ans.example.fr (Instructeur ANS)") && rejected.contains("<td>Demande \(request.number)</td>"))
            #expect(rejected.contains("<span class=\"edc-line edc-mono\">reason : Incomplet.</span>"))

            let family = try await browser.get("/ans/audit?action=request.&objet=request&identifiant=\(request.number)").text
            #expect(Self.listed(family).count == 3, "create, submit, reject")
            #expect(Self.listed(try await browser.get("/ans/audit?acteur=REVIEWER@ans.example.fr&action=request.").text).count == 1)
            #expect(try await browser.get("/ans/audit?acteur=reviewer@ans.example.fr&action=auth.sign_in").text.contains("Connexion</span>"), "the web sign-in")
            #expect(Self.listed(try await browser.get("/ans/audit?role=operator&action=request.").text).count == 2)
            let today = DateText.paris(Date(), "yyyy-MM-dd")
            #expect(Self.listed(try await browser.get("/ans/audit?action=request.reject&du=\(today)&au=\(today)").text).count == 1)
            #expect(Self.listed(try await browser.get("/ans/audit?action=request.reject&du=2020-01-01&au=2020-12-31").text).isEmpty)

            for day in ["2026-13-01", "2026-02-30", "2026-1-01", "hier"] {
                let refused = try await browser.get("/ans/audit?du=\(day)")
                #expect(refused.status == .unprocessableEntity, "\(day)")
                #expect(refused.text.contains("name=\"du\" type=\"text\" value=\"\(day)\""), "kept in a text field: \(day)")
            }
            let wrong = try await browser.get("/ans/audit?acteur=personne@ans.example.fr&du=2026-02-30&action=request.reject")
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("id=\"filtre-acteur-message\" aria-live=\"polite\"><p class=\"fr-message fr-message--error\">Aucun compte ne porte cette adresse.</p>"))
            #expect(wrong.text.contains("id=\"filtre-du-message\" aria-live=\"polite\"><p class=\"fr-message fr-message--error\">Indiquez une date au format AAAA-MM-JJ.</p>"))
            #expect(wrong.text.contains("name=\"action\" type=\"text\" value=\"request.reject\""), "values kept")
        }
    }

    @Test("the log pages by 50, and a tampered entry shows the chain broken")
    func pagingAndTampering() async throws {
        try await withJourney { app, world, api in
            let request = try await ReviewPageTests.submittedDeclaration(api, as: world.operatorA)
            for index in 0..<40 {
                _ = try await app.edc.workflow.assign(world.reviewer.principal, requestID: UUID(uuidString: request.id)!, to: index.isMultiple(of: 2) ? world.reviewer.user.id : nil)
            }
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let first = try await browser.get("/ans/audit?action=request.").text
            let firstRows = Self.listed(first)
            #expect(firstRows.count == 42, "create, submit and 40 assignments")
            let assignments = try await browser.get("/ans/audit?action=request.assigned").text
            #expect(Self.listed(assignments).count == 40 && !assignments.contains("fr-pagination"))
            let everything = try await browser.get("/ans/audit").text
            let rows = Self.listed(everything)
            #expect(rows.count == 50)
            let last = try #require(rows.last)
            #expect(everything.contains("href=\"/ans/audit?avant=\(last)\">Page suivante</a>"))
            let next = Self.listed(try await browser.get("/ans/audit?avant=\(last)").text)
            #expect(!next.isEmpty && next.allSatisfy { $0 < last })

            let sql = app.db as! any SQLDatabase
            try await sql.raw("UPDATE audit_entries SET data = '{\"tampered\":\"yes\"}' WHERE seq = 3").run()
            let broken = try await browser.get("/ans/audit?verifier=oui").text
            #expect(broken.contains("<h2 class=\"fr-alert__title\">Journal altéré</h2>"))
            #expect(broken.contains("La vérification de la chaîne d’empreintes échoue : l’entrée n° 3 a été modifiée."))
        }
    }
}
