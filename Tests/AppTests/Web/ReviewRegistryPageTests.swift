@testable import App
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// The registry browser `/ans/drimbox` and a DRIMbox's page: search, FQDN pairs, history,
/// requests, and ANS's exclusion, withdrawal and re-integration.
@Suite("ANS back office: registry browser and DRIMbox page")
struct ReviewRegistryPageTests {
    static func drimbox(_ app: Application, _ id: String) async throws -> DRIMboxModel {
        try #require(try await DRIMboxModel.find(UUID(uuidString: id), on: app.db))
    }

    static func listed(_ html: String) -> [Int] {
        html.components(separatedBy: "<tr id=\"drimbox-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test("the registry is searched by identifier, operator, part of an FQDN and state")
    func search() async throws {
        try await withJourney { app, world, api in
            let (_, declared) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 2)
            let (_, provisional) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let (_, foreign) = try await api.declaredDRIMbox(as: world.operatorB, pacs: 1)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans/drimbox")
            #expect(page.status == .ok)
            #expect(page.text.contains("<title>Registre des DRIMbox — Espace de Confiance DRIM-M</title>"))
            #expect(Self.listed(page.text) == [declared, provisional, foreign])
            #expect(page.text.contains("db2.\(declared).mesimagesmedicales.fr / vi2.\(declared).mesimagesmedicales.fr"))
            #expect(page.text.contains(">Intégrée (provisoire)</p>") && page.text.contains("(dans 90 jours)"))

            #expect(Self.listed(try await browser.get("/ans/drimbox?identifiant=\(provisional)").text) == [provisional])
            #expect(Self.listed(try await browser.get("/ans/drimbox?operateur=\(world.operatorBID)").text) == [foreign])
            #expect(Self.listed(try await browser.get("/ans/drimbox?fqdn=vi2.\(declared).").text) == [declared])
            #expect(Self.listed(try await browser.get("/ans/drimbox?etat=provisional").text) == [provisional])
            let none = try await browser.get("/ans/drimbox?etat=excluded").text
            #expect(Self.listed(none).isEmpty && none.contains("Aucune DRIMbox du registre ne correspond à cette recherche."))

            let wrong = try await browser.get("/ans/drimbox?identifiant=douze&fqdn=db1")
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("id=\"filtre-identifiant-message\" aria-live=\"polite\"><p class=\"fr-message fr-message--error\">L’identifiant est un nombre, par exemple 12.</p>"))
            #expect(wrong.text.contains("name=\"fqdn\" type=\"text\" value=\"db1\""), "the other values are kept")
        }
    }

    @Test("a DRIMbox's page shows its FQDN pairs with their DNs, state, history, requests and attestations")
    func drimboxPage() async throws {
        try await withJourney { app, world, api in
            let (id, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 2)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            let page = try await browser.get("/ans/drimbox/\(id)")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<title>DRIMbox n° \(identifier) — Espace de Confiance DRIM-M</title>"))
            #expect(html.contains("<td class=\"edc-mono\">db2.\(identifier).mesimagesmedicales.fr</td><td class=\"edc-mono\">vi2.\(identifier).mesimagesmedicales.fr</td>"))
            #expect(html.contains("CN=db1.\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Opérateur A,ST=Paris (75),C=FR"))
            #expect(html.contains("<dt>Inscrite sur la liste blanche</dt><dd>Oui</dd>"))
            #expect(html.contains("<span class=\"edc-line edc-mono\">383474814</span>"))
            #expect(html.contains("<strong>Déclaration acceptée (FQDN réservés)</strong>") && html.contains("<strong>Intégration provisoire (liste blanche)</strong> — Déclarée → Intégrée (provisoire)"))
            #expect(html.contains(">Demande n° 1</a>") && html.contains(">Demande n° 2</a>"))
            #expect(html.contains("Attestation n° ATT-"))
            #expect(html.contains("<button class=\"fr-btn\" type=\"submit\">Exclure la DRIMbox</button>"))
            #expect(html.contains("Retirer la DRIMbox</button>") && !html.contains("Réintégrer la DRIMbox</button>"))
            #expect(try await browser.get("/ans/drimbox/\(UUID())").status == .notFound)
        }
    }

    @Test("exclusion with a reason from the page: refused without a reason (message by the field, values kept, nothing changed), then excluded; re-integration waits for the operator after a cyber incident")
    func exclusion() async throws {
        try await withJourney { app, world, api in
            let (id, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            _ = try await browser.get("/ans/drimbox/\(id)")
            let version = String(try await Self.drimbox(app, id).version)

            let before = try await databaseFingerprint(app)
            let refused = try await browser.post("/ans/drimbox/\(id)/exclusion", ["motif": "", "detail": "Incident CERT-2026-12.", "version": version])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("motif", in: refused.text) == "Choisissez le motif de l’exclusion.")
            #expect(WebClient.fieldValue("detail", in: refused.text) == "Incident CERT-2026-12.")
            #expect(try await databaseFingerprint(app) == before)
            #expect(try await browser.post("/ans/drimbox/\(id)/exclusion", ["motif": "cyberIncident", "version": version], csrf: "").status == .forbidden)
            #expect(try await databaseFingerprint(app) == before)

            let excluded = try await browser.post("/ans/drimbox/\(id)/exclusion", ["motif": "cyberIncident", "detail": "Incident CERT-2026-12.", "version": version])
            #expect(excluded.status == .seeOther)
            let stored = try await Self.drimbox(app, id)
            #expect(stored.state == .excluded && stored.exclusionReason == .cyberIncident && stored.exclusionDetail == "Incident CERT-2026-12.")
            let page = try await browser.get("/ans/drimbox/\(id)").text
            #expect(page.contains("La DRIMbox n° \(identifier) est exclue : elle quitte la liste blanche."))
            #expect(page.contains("<dt>Motif d’exclusion</dt><dd>Incident de cybersécurité</dd>"))
            #expect(page.contains("<strong>Exclusion</strong> — Intégrée (provisoire) → Exclue") && page.contains("Motif : Incident de cybersécurité"))
            #expect(page.contains("<dt>Inscrite sur la liste blanche</dt><dd>Non</dd>"))
            #expect(page.contains("la réintégration passe par une demande de l’opérateur") && !page.contains("Réintégrer la DRIMbox</button>"))
            #expect(!page.contains("Exclure la DRIMbox</button>"), "no second exclusion")

            // A stale version is refused with 409.
            let stale = try await browser.post("/ans/drimbox/\(id)/retrait", ["motifRetrait": "Fin d’activité.", "version": version])
            #expect(stale.status == .conflict && stale.text.contains("Cette DRIMbox a été modifiée entre-temps"))
            #expect(WebClient.fieldValue("motifRetrait", in: stale.text) == "Fin d’activité.")
        }
    }

    @Test("ANS re-integrates an excluded DRIMbox and withdraws one, each with a reason (message by the field when missing)")
    func reintegrationAndWithdrawal() async throws {
        try await withJourney { app, world, api in
            let (id, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            _ = try await app.edc.workflow.exclude(world.reviewer.principal, drimboxID: UUID(uuidString: id)!, reason: .certificateExpiredOrRevoked, detail: nil)
            var browser = try await WebClient.signedIn(app, email: world.reviewer.user.email)
            var page = try await browser.get("/ans/drimbox/\(id)").text
            #expect(page.contains("Réintégrer la DRIMbox</button>"))
            var version = String(try await Self.drimbox(app, id).version)

            let before = try await databaseFingerprint(app)
            let refused = try await browser.post("/ans/drimbox/\(id)/reintegration", ["motifReintegration": " ", "version": version])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("motifReintegration", in: refused.text) == "Indiquez le motif de la réintégration.")
            #expect(try await databaseFingerprint(app) == before)

            let back = try await browser.post("/ans/drimbox/\(id)/reintegration", ["motifReintegration": "Certificat renouvelé le 2 décembre.", "version": version])
            #expect(back.status == .seeOther)
            #expect(try await Self.drimbox(app, id).state == .provisional)
            page = try await browser.get("/ans/drimbox/\(id)").text
            #expect(page.contains("La DRIMbox n° \(identifier) est réintégrée à titre provisoire"))
            #expect(page.contains("<strong>Réintégration</strong> — Exclue → Intégrée (provisoire)") && page.contains("Motif : Certificat renouvelé le 2 décembre."))

            version = String(try await Self.drimbox(app, id).version)
            let noReason = try await browser.post("/ans/drimbox/\(id)/retrait", ["motifRetrait": "", "version": version])
            #expect(noReason.status == .unprocessableEntity)
            #expect(WebClient.fieldError("motifRetrait", in: noReason.text) == "Indiquez le motif du retrait.")
            let withdrawn = try await browser.post("/ans/drimbox/\(id)/retrait", ["motifRetrait": "L’opérateur a cessé son activité.", "version": version])
            #expect(withdrawn.status == .seeOther)
            #expect(try await Self.drimbox(app, id).state == .withdrawn)
            page = try await browser.get("/ans/drimbox/\(id)").text
            #expect(page.contains(">Retirée</span>") && !page.contains("Actions de l’ANS"))
            #expect(page.contains("db1.\(identifier).mesimagesmedicales.fr"), "its FQDNs stay reserved")
        }
    }
}
