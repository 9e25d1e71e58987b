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

/// VA document, modification, withdrawal and operator change through the pages: each one filed,
/// each one refused with its French message by the field and nothing stored.
@Suite("Operator portal: VA document, modification, withdrawal, operator change")
struct OperatorOtherKindsTests {
    @Test("a VA document form without a file, or with a file that is not what it claims, is refused by the file field and stores nothing")
    func vaRefused() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let path = "/espace/demandes/nouvelle/document-va?drimbox=\(drimboxID)"
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get(path)
            let before = try await databaseFingerprint(app)
            let none = try await browser.post(path, ["action": "soumettre", "comment": "Rapport joint."])
            #expect(none.status == .unprocessableEntity)
            #expect(WebClient.fieldError("vaDocument", in: none.text) == "Joignez le document de VA rempli et signé (PDF, PNG ou JPEG).")
            #expect(WebClient.fieldValue("comment", in: none.text) == "Rapport joint.")
            let png = try await browser.postMultipart(path, ["action": "soumettre", "comment": "Rapport joint."],
                                                      file: (name: "vaDocument", filename: "va.png", type: "image/png", bytes: MinimalPDF.bytes(text: "va")))
            #expect(png.status == .unprocessableEntity)
            #expect(WebClient.fieldError("vaDocument", in: png.text)?.hasPrefix("Le fichier n’est pas un PNG valide") == true)
            let text = try await browser.postMultipart(path, ["action": "soumettre"], file: (name: "vaDocument", filename: "va.txt", type: "text/plain", bytes: Array("VA".utf8)))
            #expect(WebClient.fieldError("vaDocument", in: text.text) == "Seuls les fichiers PDF, PNG et JPEG sont acceptés.")
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("a modification changes the support phone, a viewer hostname and the certificate DN (a pasted CSR), and adds a PACS; approved, the DRIMbox has a new FQDN pair")
    func modification() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let db1 = "db1.\(identifier).mesimagesmedicales.fr"
            let path = "/espace/demandes/nouvelle/modification?drimbox=\(drimboxID)"
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let form = try await browser.get(path)
            #expect(form.status == .ok)
            // The integration's contacts became the operator's: the form starts from them.
            #expect(WebClient.fieldValue("supportEmail", in: form.text) == "support@op.example.fr")
            #expect(WebClient.fieldValue("supportPhone", in: form.text) == "01 23 45 67 89")
            #expect(WebClient.fieldValue("pairs-0-sourceHostname", in: form.text) == "src1.example.fr")
            #expect(WebClient.fieldValue("pairs-0-dn", in: form.text) == OperatorJourneyPageTests.dn(db1))
            #expect(WebClient.fieldValue("addPACSCount", in: form.text) == "0")

            var fields = ["supportPhone": "01 23 45 67 89", "supportEmail": "support@op.example.fr", "responsibleContact": "",
                          "pairs-0-sourceHostname": "src1.example.fr", "pairs-0-viewerHostname": "view1.example.fr",
                          "pairs-0-dn": OperatorJourneyPageTests.dn(db1), "pairs-0-pem": "", "addPACSCount": "0"]
            let before = try await databaseFingerprint(app)
            var unchanged = fields
            unchanged["action"] = "soumettre"
            let nothing = try await browser.post(path, unchanged)
            #expect(nothing.status == .unprocessableEntity)
            #expect(nothing.text.contains("La demande de modification ne modifie rien."))

            var add = fields
            add["action"] = "ajouter-pacs"
            let added = try await browser.post(path, add)
            #expect(added.status == .ok)
            #expect(WebClient.fieldValue("addPACSCount", in: added.text) == "1")
            #expect(added.text.contains("name=\"addPACS-0-sourceHostname\"") && added.text.contains(">Retirer le nouveau PACS 1</button>"))

            fields["addPACSCount"] = "1"
            fields["addPACS-0-sourceHostname"] = "src2.example.fr"
            fields["addPACS-0-viewerHostname"] = "visionneuse 2"
            fields["pairs-0-sourceHostname"] = ""
            fields["action"] = "soumettre"
            let refused = try await browser.post(path, fields)
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("pairs-0-sourceHostname", in: refused.text) == "Le nom d'hôte est obligatoire.")
            #expect(WebClient.fieldError("addPACS-0-viewerHostname", in: refused.text) != nil)
            #expect(WebClient.fieldValue("addPACS-0-sourceHostname", in: refused.text) == "src2.example.fr")
            #expect(try await databaseFingerprint(app) == before)

            fields["pairs-0-sourceHostname"] = "src1.example.fr"
            fields["pairs-0-viewerHostname"] = "visionneuse1.example.fr"
            fields["addPACS-0-viewerHostname"] = "view2.example.fr"
            fields["supportPhone"] = "01 99 88 77 66"
            fields["pairs-0-pem"] = try await OperatorJourneyPageTests.csr(cn: db1, organisation: "Opérateur A renouvelé")
            let submitted = try await browser.post(path, fields)
            let id = try OperatorFormTests.createdID(submitted)
            let payload = try #require(try await OperatorFormTests.request(app, id, as: world.operatorA)["payload"] as? [String: Any])
            #expect(payload["supportPhone"] != nil && payload["supportEmail"] == nil && payload["responsibleContact"] == nil)
            #expect(payload["hostnameChanges"] as? [[String: String]] == [["dbFQDN": db1, "viewerHostname": "visionneuse1.example.fr"]])
            #expect(payload["addPACS"] as? [[String: String]] == [["sourceHostname": "src2.example.fr", "viewerHostname": "view2.example.fr"]])
            #expect(payload["certificates"] as? [[String: String]] == [["dbFQDN": db1, "dn": "CN=\(db1),OU=318751275100020,O=Opérateur A renouvelé,ST=Paris (75),C=FR"]])
            let html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains("Nouveau téléphone du support") && html.contains("visionneuse1.example.fr") && html.contains("PACS 2"))

            _ = try await api.act("approve", on: id, as: world.reviewer)
            let drimbox = try await browser.get("/espace/drimbox/\(drimboxID)").text
            #expect(drimbox.contains("db2.\(identifier).mesimagesmedicales.fr") && drimbox.contains("visionneuse1.example.fr"))
        }
    }

    @Test("a withdrawal needs its reason; submitted and approved, the DRIMbox is withdrawn and leaves the white list")
    func withdrawal() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let path = "/espace/demandes/nouvelle/retrait?drimbox=\(drimboxID)"
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            let form = try await browser.get(path)
            #expect(form.text.contains("ses FQDN restent réservés"))
            let before = try await databaseFingerprint(app)
            let refused = try await browser.post(path, ["action": "soumettre", "reason": "   "])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("reason", in: refused.text) == "Indiquez le motif du retrait.")
            #expect(try await databaseFingerprint(app) == before)
            let submitted = try await browser.post(path, ["action": "soumettre", "reason": "Fin du contrat avec la clinique."])
            let id = try OperatorFormTests.createdID(submitted)
            _ = try await api.act("approve", on: id, as: world.reviewer)
            let html = try await browser.get("/espace/drimbox/\(drimboxID)").text
            #expect(html.contains(">Retirée</p>") && html.contains(">Non inscrite<"))
            #expect(!html.contains("Déposer une demande pour cette DRIMbox"), "nothing more can be filed for a withdrawn DRIMbox")
        }
    }

    @Test("an operator change: the target SIREN is checked; the other operator sees the consent on its dashboard and gives it there; approved, the DRIMbox is theirs")
    func operatorChange() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let path = "/espace/demandes/nouvelle/changement-operateur?drimbox=\(drimboxID)"
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get(path)
            let before = try await databaseFingerprint(app)
            let invalid = try await browser.post(path, ["action": "soumettre", "targetOperatorSIREN": "552100555"])
            #expect(invalid.status == .unprocessableEntity)
            #expect(WebClient.fieldError("targetOperatorSIREN", in: invalid.text) != nil)
            #expect(WebClient.fieldValue("targetOperatorSIREN", in: invalid.text) == "552100555")
            let own = try await browser.post(path, ["action": "soumettre", "targetOperatorSIREN": "732 829 320"])
            #expect(WebClient.fieldError("targetOperatorSIREN", in: own.text) == "Ce SIREN est celui de votre propre organisation.")
            #expect(try await databaseFingerprint(app) == before)

            let submitted = try await browser.post(path, ["action": "soumettre", "targetOperatorSIREN": "552100554"])
            let id = try OperatorFormTests.createdID(submitted)
            #expect(try await browser.get("/espace/demandes/\(id)").text.contains("En attente de l’accord de l’opérateur repreneur et de l’instruction par l’ANS"))

            var other = try await WebClient.signedIn(app, email: world.operatorB.user.email)
            let dashboard = try await other.get("/espace").text
            #expect(dashboard.contains("Accords attendus de votre part") && dashboard.contains("de la DRIMbox n° \(identifier)"))
            #expect(dashboard.contains(">Donner mon accord</button>") && dashboard.contains("Votre accord est attendu : à vous de répondre"))
            #expect(try await other.get("/espace/drimbox/\(drimboxID)").status == .notFound, "not theirs yet")
            let page = try await other.get("/espace/demandes/\(id)").text
            #expect(page.contains("552100554") && page.contains(">Donner mon accord</button>") && !page.contains("Modifier la demande") && !page.contains("Abandonner"))
            let consent = try await other.post("/espace/demandes/\(id)/actions/consent", ["version": "2"])
            #expect(consent.status == .seeOther)
            let after = try await other.get("/espace").text
            #expect(!after.contains("Accords attendus de votre part") && after.contains("Accord donné : en attente de l’ANS"))
            #expect(try await browser.get("/espace/demandes/\(id)").text.contains("Accord de l’opérateur repreneur"))

            _ = try await api.act("approve", on: id, as: world.reviewer)
            #expect(try await other.get("/espace/drimbox/\(drimboxID)").status == .ok)
            #expect(try await browser.get("/espace/drimbox/\(drimboxID)").status == .notFound)
        }
    }
}
