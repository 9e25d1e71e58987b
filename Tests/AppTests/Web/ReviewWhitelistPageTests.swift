@testable import App
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Publication
import Testing
import Vapor
import VaporTesting

/// The white list's versions `/ans/liste-blanche` and one version's diff against the previous one.
@Suite("ANS back office: white list versions and diffs")
struct ReviewWhitelistPageTests {
    @Test("the versions list (number, date, entries, signer) and each version's entries added, removed and changed since the previous one")
    func versionsAndDiffs() async throws {
        try await withJourney { app, world, api in
            let (idA, a) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let first = try #require(try await app.edc.publisher.publishPending().publishedSeq)
            let (_, b) = try await api.integratedProvisionally(as: world.operatorB, pacs: 2)
            let added = try #require(try await app.edc.publisher.publishPending().publishedSeq)
            _ = try await app.edc.workflow.exclude(world.reviewer.principal, drimboxID: UUID(uuidString: idA)!, reason: .cgiBreach, detail: nil)
            let removed = try #require(try await app.edc.publisher.publishPending().publishedSeq)
            _ = try await app.edc.workflow.correctOperator(world.reviewer.principal, operatorID: world.operatorBID,
                                                           change: OperatorDataChange(legalName: try Name("Opérateur B Santé")), reason: try FreeText("Nouvelle raison sociale."))
            let changed = try #require(try await app.edc.publisher.publishPending().publishedSeq)

            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let list = try await browser.get("/ans/liste-blanche")
            #expect(list.status == .ok)
            #expect(list.text.contains("<title>Liste blanche — versions publiées — Espace de Confiance DRIM-M</title>"))
            for seq in [first, added, removed, changed] { #expect(list.text.contains("href=\"/ans/liste-blanche/\(seq)\">Version n° \(seq)</a>")) }
            #expect(list.text.range(of: "Version n° \(changed)<")!.lowerBound < list.text.range(of: "Version n° \(first)<")!.lowerBound, "newest first")
            #expect(list.text.contains("<tr id=\"version-\(added)\">") && list.text.contains("<td>3</td>"), "entry count")
            #expect(list.text.contains("Liste Blanche DRIM-M,OU=318751275100020"), "signer")
            #expect(list.text.contains("href=\"/api/v1/liste-blanche/versions/\(added)/xml\""))

            let addedPage = try await browser.get("/ans/liste-blanche/\(added)").text
            #expect(addedPage.contains("<title>Liste blanche — version n° \(added) — Espace de Confiance DRIM-M</title>"))
            #expect(addedPage.contains("Changements par rapport à la version n° \(first)."))
            #expect(addedPage.contains("Entrées ajoutées (2)") && addedPage.contains("Entrées retirées (0)"))
            #expect(addedPage.contains("<td class=\"edc-mono\">db2.\(b).mesimagesmedicales.fr</td><td class=\"edc-mono\">vi2.\(b).mesimagesmedicales.fr</td><td>Opérateur B</td>"))
            #expect(addedPage.contains("href=\"/ans/liste-blanche/\(first)\">Version précédente</a>") && addedPage.contains("Version suivante</a>"))

            let removedPage = try await browser.get("/ans/liste-blanche/\(removed)").text
            #expect(removedPage.contains("Entrées ajoutées (0)") && removedPage.contains("Entrées retirées (1)"))
            #expect(removedPage.contains("href=\"/ans/drimbox?identifiant=\(a)\">DRIMbox n° \(a)</a></td><td class=\"edc-mono\">db1.\(a).mesimagesmedicales.fr</td>"))

            let changedPage = try await browser.get("/ans/liste-blanche/\(changed)").text
            #expect(changedPage.contains("Entrées modifiées (2)"))
            #expect(changedPage.contains("<td>Dénomination</td><td class=\"edc-dn\">Opérateur B</td><td class=\"edc-dn\">Opérateur B Santé</td>"))
            #expect(!changedPage.contains("Version suivante</a>"))

            let firstPage = try await browser.get("/ans/liste-blanche/\(first)").text
            #expect(firstPage.contains("Première version publiée : toutes ses entrées sont nouvelles."))
            #expect(try await browser.get("/ans/liste-blanche/\(changed + 1)").status == .notFound)
            #expect(try await browser.get("/ans/liste-blanche/abc").status == .notFound)
        }
    }

    @Test("a large diff is paged by 50 rows")
    func pagedDiff() async throws {
        try await withJourney { app, world, api in
            _ = try await api.integratedProvisionally(as: world.operatorA, pacs: 30)
            _ = try await api.integratedProvisionally(as: world.operatorB, pacs: 30)
            let seq = try #require(try await app.edc.publisher.publishPending().publishedSeq)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page1 = try await browser.get("/ans/liste-blanche/\(seq)").text
            #expect(page1.contains("Entrées ajoutées (60)") && page1.contains("Changements, page 1 sur 2 (60 lignes)."))
            #expect(page1.components(separatedBy: "<td class=\"edc-mono\">db").count - 1 == 50)
            #expect(page1.contains("href=\"/ans/liste-blanche/\(seq)?page=2\">Page suivante</a>"))
            let page2 = try await browser.get("/ans/liste-blanche/\(seq)?page=2").text
            #expect(page2.components(separatedBy: "<td class=\"edc-mono\">db").count - 1 == 10)
            #expect(page2.contains("href=\"/ans/liste-blanche/\(seq)\">Première page</a>"))
        }
    }
}
