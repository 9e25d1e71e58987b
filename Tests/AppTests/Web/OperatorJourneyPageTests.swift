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

/// Situations 1 and 2 on the operator's side, driven through the pages (ANS acts through the API):
/// declaration → attestation → integration with a CSR made by openssl → VA document → definitive;
/// exclusion for a cyber incident → re-integration with new CGI.
@Suite("Operator portal: situations 1 and 2 through the pages")
struct OperatorJourneyPageTests {
    /// A PKCS#10 request made by `openssl req` for `cn`, as an operator would make it. Run on a
    /// dispatch thread: waiting for a process must not hold one of the few cooperative threads
    /// that every test shares.
    static func csr(cn: String, organisation: String = "Opérateur A", ou: String = "318751275100020") async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingCSR(cn: cn, organisation: organisation, ou: ou) })
            }
        }
    }

    static func blockingCSR(cn: String, organisation: String, ou: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-csr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ProcessRunner.runTool("openssl", [
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.appendingPathComponent("key.pem").path, "-out", directory.appendingPathComponent("req.pem").path, "-utf8",
            "-subj", "/C=FR/ST=Paris (75)/O=\(organisation)/OU=\(ou)/CN=\(cn)",
        ])
        #expect(result.status == 0, "openssl: \(result.output)")
        return try String(contentsOf: directory.appendingPathComponent("req.pem"), encoding: .utf8)
    }

    static func dn(_ cn: String) -> String { "CN=\(cn),OU=318751275100020,O=Opérateur A,ST=Paris (75),C=FR" }

    static func file(_ field: String, _ name: String) -> (name: String, filename: String, type: String, bytes: [UInt8]) {
        (name: field, filename: name, type: "application/pdf", bytes: MinimalPDF.bytes(text: "\(name) \(UUID())"))
    }

    static func state(_ app: Application, drimbox id: String, as account: World.Account) async throws -> String? {
        try await app.send(.GET, "/api/v1/drimboxes/\(id)", as: account).json["state"] as? String
    }

    @Test("situation 1: declare 2 PACS and 2 SIRENs, download the attestation, integrate pasting an openssl CSR, send the VA document: definitive")
    func situation1() async throws {
        try await withJourney { app, world, api in
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get("/espace/demandes/nouvelle/declaration")
            var declaration = OperatorFormTests.declaration
            declaration["action"] = "soumettre"
            let declared = try await browser.postMultipart("/espace/demandes/nouvelle/declaration", declaration, file: Self.file("cgiDocument", "cgi.pdf"))
            let declarationID = try OperatorFormTests.createdID(declared)

            // ANS approves: FQDN pairs and the attestation.
            let approved = try await api.act("approve", on: declarationID, as: world.reviewer)
            let drimboxID = try #require(approved["drimboxID"] as? String)
            let identifier = try #require(try await api.drimbox(drimboxID, as: world.operatorA)["identifier"] as? Int)
            let db1 = "db1.\(identifier).mesimagesmedicales.fr", db2 = "db2.\(identifier).mesimagesmedicales.fr"
            var html = try await browser.get("/espace/demandes/\(declarationID)").text
            #expect(html.contains(">Acceptée</p>") && html.contains("Télécharger l’attestation"))
            #expect(try await browser.get("/espace/demandes/\(declarationID)/attestation.pdf").status == .ok)
            html = try await browser.get("/espace").text
            #expect(html.contains("\(db1) / vi1.\(identifier).mesimagesmedicales.fr") && html.contains(">Déclarée</p>"))

            // Integration: the form names each assigned db FQDN and starts from the operator's data.
            let path = "/espace/demandes/nouvelle/integration?drimbox=\(drimboxID)"
            let form = try await browser.get(path)
            #expect(form.status == .ok)
            #expect(form.text.contains("PACS 1 — \(db1)") && form.text.contains("PACS 2 — \(db2)"))
            #expect(WebClient.fieldValue("operatorName", in: form.text) == "Opérateur A")
            #expect(WebClient.fieldValue("supportEmail", in: form.text) == "support@a.example.fr")
            #expect(WebClient.fieldValue("supportPhone", in: form.text) == "01 23 45 67 89")

            // "Lire les certificats collés": the CSR fills the DN, nothing is stored.
            let before = try await databaseFingerprint(app)
            var fields = ["operatorName": "Opérateur A", "supportPhone": "01 23 45 67 89", "supportEmail": "support@a.example.fr",
                          "certificates-0-dn": "", "certificates-0-pem": try await Self.csr(cn: db1), "certificates-1-dn": "", "certificates-1-pem": ""]
            fields["action"] = "lire-certificats"
            let read = try await browser.post(path, fields)
            #expect(read.status == .ok)
            #expect(WebClient.fieldValue("certificates-0-dn", in: read.text) == Self.dn(db1))
            #expect(WebClient.fieldValue("certificates-0-pem", in: read.text) == "")
            #expect(read.text.contains("DN lu dans la demande de certificat (CSR) collée."))
            #expect(try await databaseFingerprint(app) == before)

            // Submitted with that DN, and the second pair's CSR read at submission.
            fields["certificates-0-dn"] = Self.dn(db1)
            fields["certificates-0-pem"] = ""
            fields["certificates-1-pem"] = try await Self.csr(cn: db2)
            fields["action"] = "soumettre"
            let integrated = try await browser.post(path, fields)
            let integrationID = try OperatorFormTests.createdID(integrated)
            let request = try await OperatorFormTests.request(app, integrationID, as: world.operatorA)
            #expect(request["state"] as? String == "submitted")
            let certificates = (request["payload"] as? [String: Any])?["certificates"] as? [[String: String]]
            #expect(certificates == [["dbFQDN": db1, "dn": Self.dn(db1)], ["dbFQDN": db2, "dn": Self.dn(db2)]])

            _ = try await api.act("approve", on: integrationID, as: world.reviewer)
            #expect(try await Self.state(app, drimbox: drimboxID, as: world.operatorA) == "provisional")
            html = try await browser.get("/espace/drimbox/\(drimboxID)").text
            #expect(html.contains(">Intégrée (provisoire)</p>") && html.contains("(dans 90 jours)") && html.contains(Self.dn(db2)))
            #expect(html.contains("/espace/demandes/nouvelle/document-va?drimbox=\(drimboxID)"))

            // VA document.
            let vaPath = "/espace/demandes/nouvelle/document-va?drimbox=\(drimboxID)"
            let vaForm = try await browser.get(vaPath)
            #expect(vaForm.text.contains("Échéance du document de VA :"))
            let va = try await browser.postMultipart(vaPath, ["action": "soumettre", "comment": "VA réalisée le 2 mars."], file: Self.file("vaDocument", "va.pdf"))
            let vaID = try OperatorFormTests.createdID(va)
            _ = try await api.act("approve", on: vaID, as: world.reviewer)
            #expect(try await Self.state(app, drimbox: drimboxID, as: world.operatorA) == "integrated")
            html = try await browser.get("/espace/drimbox/\(drimboxID)").text
            #expect(html.contains(">Intégrée (définitive)</p>") && html.contains("Intégration définitive"))
            html = try await browser.get("/espace/demandes/\(vaID)").text
            #expect(html.contains("va.pdf") && html.contains("VA réalisée le 2 mars."))
        }
    }

    @Test("a refused integration shows the French message by the field (CSR of another FQDN, unreadable paste, CN mismatch, bad phone, missing DN), keeps the values and stores nothing")
    func integrationRefused() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 2)
            let db1 = "db1.\(identifier).mesimagesmedicales.fr", db2 = "db2.\(identifier).mesimagesmedicales.fr"
            let path = "/espace/demandes/nouvelle/integration?drimbox=\(drimboxID)"
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            try await browser.get(path)
            let before = try await databaseFingerprint(app)

            let wrongCSR = try await Self.csr(cn: "db9.\(identifier).mesimagesmedicales.fr")
            let local = try await browser.post(path, [
                "action": "soumettre", "operatorName": "Opérateur A (modifié)", "supportPhone": "12", "supportEmail": "support@a.example.fr",
                "certificates-0-dn": "", "certificates-0-pem": wrongCSR,
                "certificates-1-dn": "", "certificates-1-pem": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            ])
            #expect(local.status == .unprocessableEntity)
            #expect(WebClient.fieldError("certificates-0-pem", in: local.text)?.contains("db1.\(identifier).mesimagesmedicales.fr") == true,
                    "\(WebClient.fieldError("certificates-0-pem", in: local.text) ?? "-")")
            #expect(WebClient.fieldError("certificates-1-pem", in: local.text) != nil)
            #expect(WebClient.fieldError("supportPhone", in: local.text) != nil)
            #expect(WebClient.fieldValue("operatorName", in: local.text) == "Opérateur A (modifié)")
            #expect(WebClient.fieldValue("certificates-0-pem", in: local.text)?.contains("BEGIN CERTIFICATE REQUEST") == true, "the paste is kept")
            #expect(try await databaseFingerprint(app) == before)

            // Read by the workflow: a DN whose CN is not the assigned FQDN; the other pair's DN missing.
            let workflow = try await browser.post(path, [
                "action": "brouillon", "operatorName": "Opérateur A", "supportPhone": "01 23 45 67 89", "supportEmail": "support@a.example.fr",
                "certificates-0-dn": Self.dn(db2), "certificates-0-pem": "", "certificates-1-dn": "", "certificates-1-pem": "",
            ])
            #expect(workflow.status == .unprocessableEntity)
            #expect(WebClient.fieldError("certificates-0-dn", in: workflow.text) == "Le CN du certificat (« \(db2) ») doit être le FQDN attribué \(db1).")
            #expect(workflow.text.contains("Indiquez le DN du certificat pour \(db2)."))
            #expect(WebClient.fieldValue("certificates-0-dn", in: workflow.text) == Self.dn(db2))
            #expect(try await databaseFingerprint(app) == before)

            // Operator B cannot open the form for A's DRIMbox.
            var other = try await WebClient.signedIn(app, email: world.operatorB.user.email)
            let signedIn = try await databaseFingerprint(app)
            #expect(try await other.get(path).status == .notFound)
            #expect(try await other.post(path, ["action": "brouillon"]).status == .notFound)
            #expect(try await databaseFingerprint(app) == signedIn)
        }
    }

    @Test("situation 2: after an exclusion for a cyber incident the re-integration form requires new CGI (the workflow says so); with them it is submitted and approved")
    func situation2() async throws {
        try await withJourney { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let excluded = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cyberIncident", "detail": "Poste compromis."}"#)
            #expect(excluded.status == .ok)
            var browser = try await WebClient.signedIn(app, email: world.operatorA.user.email)
            var html = try await browser.get("/espace/drimbox/\(drimboxID)").text
            #expect(html.contains(">Exclue</p>") && html.contains("Incident de cybersécurité") && html.contains("Poste compromis."))
            #expect(html.contains("/espace/demandes/nouvelle/reintegration?drimbox=\(drimboxID)"))
            let choice = try await browser.get("/espace/demandes/nouvelle").text
            #expect(choice.contains("id=\"drimbox-reintegration\""))

            let path = "/espace/demandes/nouvelle/reintegration?drimbox=\(drimboxID)"
            let form = try await browser.get(path)
            #expect(form.text.contains("Obligatoires : la DRIMbox a été exclue pour un incident de cybersécurité"))
            let before = try await databaseFingerprint(app)
            let refused = try await browser.post(path, ["action": "soumettre", "statement": "Poste réinstallé, mots de passe changés."])
            #expect(refused.status == .unprocessableEntity)
            #expect(WebClient.fieldError("cgiDocument", in: refused.text) == "Après une exclusion pour incident de cybersécurité, de nouvelles conditions générales d'intégration signées sont requises.")
            #expect(WebClient.fieldValue("statement", in: refused.text) == "Poste réinstallé, mots de passe changés.")
            let empty = try await browser.post(path, ["action": "brouillon", "statement": " "])
            #expect(WebClient.fieldError("statement", in: empty.text) == "Décrivez le motif de l'exclusion et les mesures prises.")
            #expect(try await databaseFingerprint(app) == before)

            let submitted = try await browser.postMultipart(path, ["action": "soumettre", "statement": "Poste réinstallé, mots de passe changés."], file: Self.file("cgiDocument", "nouvelles-cgi.pdf"))
            let id = try OperatorFormTests.createdID(submitted)
            _ = try await api.act("approve", on: id, as: world.reviewer)
            #expect(try await Self.state(app, drimbox: drimboxID, as: world.operatorA) == "provisional")
            html = try await browser.get("/espace/demandes/\(id)").text
            #expect(html.contains("nouvelles-cgi.pdf") && html.contains("Acceptée : envoyez le document de VA avant l’échéance"))
        }
    }
}
