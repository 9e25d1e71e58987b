@testable import App
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// `/ans/echeances`: VA documents overdue or due soon.
@Suite("ANS back office: VA deadlines")
struct ReviewDeadlinePageTests {
    @Test("overdue and soon-due VA documents, soonest first, with the last reminder and the VA document awaiting review")
    func deadlines() async throws {
        let clock = TestClock(start: Date(timeIntervalSince1970: 1_796_000_000))
        try await withJourney({ $0.clock = { clock.now }; $0.workflow = WorkflowConfiguration(vaDeadlineDays: 30) }) { app, world, api in
            let (_, early) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            clock.advance(days: 20)
            let (lateID, late) = try await api.integratedProvisionally(as: world.operatorB, pacs: 1)
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            // 31 days after the first integration: the first is overdue, the second due in 19 days.
            clock.advance(days: 11)
            _ = try await app.edc.workflow.remindVADeadlines()
            let document = try await api.upload(kind: "vaReport", as: world.operatorB)
            let va = try await api.create(as: world.operatorB, #"{"kind": "vaDocument", "drimboxID": "\#(lateID)", "submit": true, "payload": {"vaDocumentID": "\#(document)"}}"#)
            let vaNumber = try #require(va["number"] as? Int)

            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans/echeances")
            #expect(page.status == .ok)
            // The rows' cells, one line each in the template, as one string.
            let html = page.text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            #expect(html.contains("<title>Échéances des documents de VA — Espace de Confiance DRIM-M</title>"))
            let rows = html.components(separatedBy: "<tr id=\"echeance-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
            #expect(rows == [early, late])
            #expect(html.contains("<td>dépassée d’un jour</td><td><p class=\"fr-badge fr-badge--sm fr-badge--error\">En retard</p></td>"))
            #expect(html.contains("<td>dans 19 jours</td><td><p class=\"fr-badge fr-badge--sm fr-badge--info\">À venir</p></td><td>J-30</td>"))
            #expect(html.contains(">Demande n° \(vaNumber) (Déposée)</a>") && html.contains("<td>Non déposé</td>"))

            let week = try await browser.get("/ans/echeances?horizon=7").text
            #expect(week.components(separatedBy: "<tr id=\"echeance-").count - 1 == 1, "only the overdue one within 7 days")
            let wrong = try await browser.get("/ans/echeances?horizon=365")
            #expect(wrong.status == .unprocessableEntity && wrong.text.contains("Période inconnue."))
        }
    }
}
