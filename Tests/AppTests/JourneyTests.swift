@testable import App
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

@Suite("The whole operator journey, through the JSON API only")
struct JourneyTests {
    @Test("declaration → correction → approval → integration → VA → exclusion → re-integration")
    func fullJourney() async throws {
        try await withJourney { app, world, api in

            // Declaration: 2 PACS, 2 client SIRENs, signed CGI attached.
            let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
            let declaration = try await api.create(as: world.operatorA, """
                {"kind": "declaration", "submit": true, "payload": {
                  "clients": ["383474814", "443061841"],
                  "pacs": [{"sourceHostname": "dbx-src.clinique.example", "viewerHostname": "dbx-view.clinique.example"},
                           {"sourceHostname": "dbx-src2.clinique.example", "viewerHostname": "dbx-view2.clinique.example"}],
                  "cgiDocumentID": "\(cgi)", "comment": "Centre d'imagerie du Parc"}}
                """)
            #expect(declaration["state"] as? String == "submitted")
            let declarationID = try #require(declaration["id"] as? String)

            // The reviewer asks for a correction; the operator corrects and sends it back.
            var state = try await api.act("requestCorrection", on: declarationID, as: world.reviewer, reason: "Précisez le nom du centre.")
            #expect(state["state"] as? String == "correctionRequested")
            let patched = try await app.send(.PATCH, "/api/v1/requests/\(declarationID)", as: world.operatorA, json: """
                {"payload": {"clients": ["383474814", "443061841"],
                  "pacs": [{"sourceHostname": "dbx-src.clinique.example", "viewerHostname": "dbx-view.clinique.example"},
                           {"sourceHostname": "dbx-src2.clinique.example", "viewerHostname": "dbx-view2.clinique.example"}],
                  "cgiDocumentID": "\(cgi)", "comment": "Centre d'imagerie du Parc, Lyon"}}
                """)
            #expect(patched.status == .ok, "\(patched.text)")
            state = try await api.act("resubmit", on: declarationID, as: world.operatorA)
            #expect(state["state"] as? String == "submitted")
            _ = try await api.act("startReview", on: declarationID, as: world.reviewer)
            state = try await api.act("approve", on: declarationID, as: world.reviewer)
            #expect(state["state"] as? String == "approved")
            let drimboxID = try #require(state["drimboxID"] as? String)
            let approvedDeclaration = try await app.send(.GET, "/api/v1/requests/\(declarationID)", as: world.operatorA)
            #expect(approvedDeclaration.json["drimboxID"] as? String == drimboxID)

            // Identifier and 2 FQDN pairs assigned; the attestation is issued.
            var drimbox = try await api.drimbox(drimboxID, as: world.operatorA)
            #expect(drimbox["state"] as? String == "declared")
            let identifier = try #require(drimbox["identifier"] as? Int)
            let pairs = try #require(drimbox["fqdnPairs"] as? [[String: Any]])
            #expect(pairs.map { $0["db"] as? String } == ["db1.\(identifier).mesimagesmedicales.fr", "db2.\(identifier).mesimagesmedicales.fr"])
            #expect(pairs.map { $0["viewer"] as? String } == ["vi1.\(identifier).mesimagesmedicales.fr", "vi2.\(identifier).mesimagesmedicales.fr"])
            let attestations = try #require(drimbox["attestations"] as? [[String: Any]])
            #expect(attestations.count == 1)

            // Integration with one DN per pair: provisional, VA due in 90 days.
            let integration = try await api.create(as: world.operatorA, """
                {"kind": "integration", "drimboxID": "\(drimboxID)", "submit": true, "payload": {
                  "operatorName": "Opérateur A", "supportPhone": "01 23 45 67 89", "supportEmail": "support@a.example.fr",
                  "certificates": [
                    {"dbFQDN": "db1.\(identifier).mesimagesmedicales.fr", "dn": "CN=db1.\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Opérateur A,ST=Paris (75),C=FR"},
                    {"dbFQDN": "db2.\(identifier).mesimagesmedicales.fr", "dn": "CN=db2.\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Opérateur A,ST=Rhône (69),C=FR"}]}}
                """)
            let integrationID = try #require(integration["id"] as? String)
            _ = try await api.act("approve", on: integrationID, as: world.reviewer)
            drimbox = try await api.drimbox(drimboxID, as: world.operatorA)
            #expect(drimbox["state"] as? String == "provisional")
            let due = try #require((drimbox["vaDueAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(due.timeIntervalSinceNow - 90 * 86_400) < 3_600)

            // VA document approved: definitive.
            let va = try await api.upload(kind: "vaReport", as: world.operatorA)
            let vaRequest = try await api.create(as: world.operatorA, """
                {"kind": "vaDocument", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"vaDocumentID": "\(va)"}}
                """)
            _ = try await api.act("approve", on: try #require(vaRequest["id"] as? String), as: world.reviewer)
            drimbox = try await api.drimbox(drimboxID, as: world.operatorA)
            #expect(drimbox["state"] as? String == "integrated")
            #expect(drimbox["vaDueAt"] == nil)

            // ANS excludes it for a cyber-security incident.
            let exclusion = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cyberIncident", "detail": "Clé privée exposée."}"#)
            #expect(exclusion.status == .ok, "\(exclusion.text)")
            #expect(exclusion.json["state"] as? String == "excluded")

            // Re-integration without a new CGI is refused, with one accepted.
            let refused = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: """
                {"kind": "reintegration", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"statement": "Clés révoquées et régénérées."}}
                """)
            #expect(refused.status == .unprocessableEntity)
            let errors = refused.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.contains { $0["field"] as? String == "payload.cgiDocumentID" && $0["code"] as? String == "reintegration.cgi_required" })
            let newCGI = try await api.upload(kind: "cgi", as: world.operatorA)
            let reintegration = try await api.create(as: world.operatorA, """
                {"kind": "reintegration", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"statement": "Clés révoquées et régénérées.", "cgiDocumentID": "\(newCGI)"}}
                """)
            _ = try await api.act("approve", on: try #require(reintegration["id"] as? String), as: world.reviewer)
            drimbox = try await api.drimbox(drimboxID, as: world.operatorA)
            #expect(drimbox["state"] as? String == "provisional")
            #expect(drimbox["exclusionReason"] == nil)

            // Every step is in the DRIMbox history and in an intact audit chain.
            let history = (drimbox["history"] as? [[String: Any]] ?? []).compactMap { $0["to"] as? String }
            #expect(history == ["declared", "provisional", "integrated", "excluded", "provisional"])
            let audit = try await app.send(.GET, "/api/v1/admin/audit/verification", as: world.admin)
            #expect(audit.json["intact"] as? Bool == true)
        }
    }
}
