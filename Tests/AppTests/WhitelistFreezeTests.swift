@testable import App
@testable import Publication
import EDCDomain
import Fluent
import FluentSQL
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting
import Whitelist

/// Security audit, finding 1: one request must never be able to freeze the signed white list.
@Suite("No single entry can freeze the white list")
struct WhitelistFreezeTests {
    func verifier(_ app: Application) throws -> WhitelistVerifier {
        try WhitelistVerifier(trust: .anchors([try #require(app.edc.signing.testRoot)], intermediates: []), expectedSubject: TestPKI.defaultSignerSubject)
    }

    func servedEntries(_ app: Application) async throws -> [WhitelistEntry] {
        let response = try await app.send(.GET, "/liste-blanche.xml")
        #expect(response.status == .ok)
        return try await verifier(app).verify(Array(response.body.readableBytesView)).document.entries
    }

    static let unwritableNames: [(String, String)] = [
        ("C0 control (the audit's reproduction)", "Alpha\u{0001}"),
        ("C1 control NEL", "Alpha\u{0085}Beta"),
        ("tab", "Alpha\tBeta"),
        ("line feed", "Alpha\nBeta"),
        ("right-to-left override", "Alpha\u{202E}ateB"),
        ("bidi isolate", "Alpha\u{2067}Beta"),
    ]

    @Test("an integration whose operator name the writer would refuse gets 422 on that field and changes nothing", arguments: unwritableNames)
    func integrationNameRefused(_ label: String, _ name: String) async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let json = try api.integrationJSON(drimboxID: drimboxID, identifier: identifier, operatorName: name) { "CN=db\($0).\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Op,C=FR" }
            try await api.expectRefused(json, as: world.operatorA, field: "payload.operatorName", "\(label)")
        }
    }

    @Test("a modification whose responsible contact holds a control character gets 422 on that field")
    func modificationContactRefused() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            try await api.expectRefused("""
                {"kind": "modification", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"responsibleContact": "Alice\\u0001 Martin"}}
                """, as: world.operatorA, field: "payload.responsibleContact", code: "text.forbidden_character")
        }
    }

    @Test("a certificate DN holding U+0085 is refused at integration")
    func dnWithC1ControlRefused() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let json = try api.integrationJSON(drimboxID: drimboxID, identifier: identifier) { "CN=db\($0).\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Op\u{0085},C=FR" }
            try await api.expectRefused(json, as: world.operatorA, field: "payload.certificates[0].dn", code: "dn.control_character")
        }
    }

    @Test("an unwritable entry put straight into the database is left out, audited and shown to ANS; an exclusion after it is published; readiness follows the lag")
    func unwritableEntryIsLeftOut() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false; $0.whitelist.maximumPublicationLag = 0 }) { app, world, api in
            let (drimboxA, identifierA) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let (_, identifierB) = try await api.integratedProvisionally(as: world.operatorB, pacs: 2)
            try await app.edc.publisher.publishPending()
            #expect(Set(try await servedEntries(app).map(\.identifiant)) == [String(identifierA), String(identifierB)])

            // What the audit did through the API, done behind the service's back: B's name is unwritable.
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.update(OperatorModel.schema).set("legal_name", to: "Bêta\u{0001}").where("id", .equal, world.operatorBID).run()
            try await app.edc.store.write { context in
                try await context.enqueue(.registryChanged(.init(drimboxID: try #require(UUID(uuidString: drimboxA)), cause: .operatorCorrection)))
            }

            // Readiness: a registry change is pending beyond the bound (0 s here).
            let stale = try await app.send(.GET, "/q/health/ready")
            #expect(stale.status == .serviceUnavailable, "\(stale.text)")
            let staleCheck = (stale.json["checks"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "whitelist" }
            #expect(staleCheck?["status"] as? String == "DOWN")
            #expect((staleCheck?["data"] as? [String: Any])?["servedVersion"] as? String == "1")
            #expect((staleCheck?["data"] as? [String: Any])?["servedAgeSeconds"] != nil)

            let outcome = try await app.edc.publisher.publishPending()
            #expect(outcome.publishedSeq == 2)
            #expect(outcome.omitted.map(\.entry.identifiant) == [String(identifierB), String(identifierB)])
            #expect(try await servedEntries(app).map(\.identifiant) == [String(identifierA)])
            let audited = try await AuditEntryModel.query(on: app.db).filter(\.$action == .whitelistEntryOmitted).all()
            #expect(audited.count == 2)
            #expect(audited.allSatisfy { $0.entityID == String(identifierB) })

            let ready = try await app.send(.GET, "/q/health/ready")
            #expect(ready.status == .ok, "\(ready.text)")

            // ANS sees the omission, with its reason.
            let status = try await app.send(.GET, "/api/v1/admin/liste-blanche/publication", as: world.reviewer)
            #expect(status.status == .ok, "\(status.text)")
            let omitted = status.json["omitted"] as? [[String: Any]] ?? []
            #expect(omitted.count == 2)
            #expect(omitted.allSatisfy { $0["identifiant"] as? String == String(identifierB) && $0["code"] as? String == "entry.text_invalid" })
            let forbidden = try await app.send(.GET, "/api/v1/admin/liste-blanche/publication", as: world.operatorA)
            #expect(forbidden.status == .notFound)

            // A removal is never blocked by another entry: A is excluded and leaves the list.
            let exclusion = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxA)/exclusion", as: world.reviewer, json: #"{"reason": "cyberIncident", "detail": "Compromission"}"#)
            #expect(exclusion.status == .ok, "\(exclusion.text)")
            try await app.edc.publisher.publishPending()
            #expect(try await servedEntries(app).isEmpty)

            // ANS corrects the name; B comes back on the list, and the correction is audited with old and new values.
            let correction = try await app.send(.PATCH, "/api/v1/admin/operators/\(world.operatorBID)", as: world.reviewer, json: #"{"legalName": "Bêta Imagerie", "reason": "Nom corrompu"}"#)
            #expect(correction.status == .ok, "\(correction.text)")
            #expect(correction.json["legalName"] as? String == "Bêta Imagerie")
            try await app.edc.publisher.publishPending()
            let served = try await servedEntries(app)
            #expect(served.map(\.identifiant) == [String(identifierB), String(identifierB)])
            #expect(served.allSatisfy { $0.denomination == "Bêta Imagerie" })
            let update = try #require(try await AuditEntryModel.query(on: app.db).filter(\.$action == .operatorUpdate).sort(\.$seq, .descending).first())
            let data = try JSONSerialization.jsonObject(with: Data(update.data.utf8)) as? [String: String] ?? [:]
            #expect(data["legalName.old"] == "Bêta\u{0001}")
            #expect(data["legalName.new"] == "Bêta Imagerie")
            #expect(data["reason"] == "Nom corrompu")
            #expect(try await AuditLog.verify(on: app.db).isIntact)
        }
    }

    @Test("an ANS correction is validated like any input, and operators cannot make one")
    func correctionRules() async throws {
        try await withTestApp({ $0.whitelist.publishInBackground = false }) { app in
            let world = try await World.make(app)
            let path = "/api/v1/admin/operators/\(world.operatorBID)"
            let bad = try await app.send(.PATCH, path, as: world.reviewer, json: #"{"legalName": "Bêta\u0001", "reason": "x"}"#)
            #expect(bad.status == .unprocessableEntity)
            #expect((bad.json["errors"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == "legalName" })
            let noReason = try await app.send(.PATCH, path, as: world.reviewer, json: #"{"legalName": "Bêta", "reason": "  "}"#)
            #expect(noReason.status == .unprocessableEntity)
            let nothing = try await app.send(.PATCH, path, as: world.reviewer, json: #"{"reason": "rien"}"#)
            #expect(nothing.status == .unprocessableEntity)
            let byOperator = try await app.send(.PATCH, path, as: world.operatorB, json: #"{"legalName": "Bêta", "reason": "x"}"#)
            #expect(byOperator.status == .notFound)
        }
    }

    @Test("/metrics exposes the publication lag, the omitted entries and the failures")
    func metricsExposeLag() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            _ = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let metrics = try await app.send(.GET, "/metrics", headers: app.metricsHeaders)
            #expect(metrics.text.contains("edc_whitelist_publication_lag_seconds "))
            #expect(metrics.text.contains("edc_whitelist_omitted_entries "))
            #expect(metrics.text.contains("edc_whitelist_publication_failures_total "))
        }
    }
}
