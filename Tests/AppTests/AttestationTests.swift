@testable import App
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// The attestation of an approved declaration, end to end: rendered by the outbox consumer,
/// stored once, served to its operator and ANS, confirmed by its public page.
@Suite("Attestation of delegation: PDF and public verification")
struct AttestationTests {
    @Test("an approved declaration's attestation PDF names the facts and its verification URL; it is stored once; operator B gets 404; the public page confirms it and refuses unknown or altered codes")
    func attestation() async throws {
        try await withJourney({
            $0.outbox.runInBackground = false
            $0.publicBaseURL = "https://edc.example.fr"
        }) { app, world, api in
            let (_, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 2)
            let requests = try await app.send(.GET, "/api/v1/requests", as: world.operatorA)
            let declarationID = try #require((requests.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            _ = try await #require(app.edc.outbox).drain()
            let attestation = try #require(try await AttestationModel.query(on: app.db).first())
            #expect(attestation.pdfSealed != nil, "rendered by the attestation.issued consumer")
            let code = try #require(attestation.verificationCode)
            #expect(code.count == 24 && code.range(of: #"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}$"#, options: .regularExpression) != nil)

            let response = try await app.send(.GET, "/api/v1/requests/\(declarationID)/attestation.pdf", as: world.operatorA)
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description == "application/pdf")
            let bytes = Data(response.body.readableBytesView)
            let again = try await app.send(.GET, "/api/v1/requests/\(declarationID)/attestation.pdf", as: world.reviewer)
            #expect(Data(again.body.readableBytesView) == bytes, "stored once, served as issued")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("edc-att-\(UUID().uuidString).pdf")
            defer { try? FileManager.default.removeItem(at: file) }
            try bytes.write(to: file)
            let text = try ProcessRunner.runTool("pdftotext", [file.path, "-"]).standardOutput
            for expected in ["Opérateur A", "732829320", "383474814", "Demande n° 1", "DRIMbox n° \(identifier)",
                             "db1.\(identifier).mesimagesmedicales.fr", "db2.\(identifier).mesimagesmedicales.fr",
                             "https://edc.example.fr/attestations/\(code)"] {
                #expect(text.contains(expected), "missing \(expected)")
            }
            #expect(try await app.send(.GET, "/api/v1/requests/\(declarationID)/attestation.pdf", as: world.operatorB).status == .notFound)

            let page = try await app.send(.GET, "/attestations/\(code)")
            #expect(page.status == .ok)
            #expect(page.headers.contentType?.description == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("<html lang=\"fr\">") && html.contains("Attestation de délégation authentique"))
            #expect(html.contains("Opérateur A (SIREN 732829320)") && html.contains("db2.\(identifier).mesimagesmedicales.fr"))
            // Typed in lower case with O for 0: still found.
            #expect(try await app.send(.GET, "/attestations/\(code.lowercased().replacingOccurrences(of: "0", with: "o"))").status == .ok)
            // One character changed, or nonsense: a 404 page that says so.
            let last = code.last!
            let altered = String(code.dropLast()) + (last == "Z" ? "Y" : "Z")
            for wrong in [altered, "AAAA-AAAA-AAAA-AAAA-AAAA", "pas-un-code", String(repeating: "9", count: 500)] {
                let refused = try await app.send(.GET, "/attestations/\(wrong)")
                #expect(refused.status == .notFound, "\(wrong)")
                #expect(String(buffer: refused.body).contains("Aucune attestation de délégation ne porte ce code"))
            }
        }
    }

    @Test("a modification adding a PACS issues a new attestation naming every pair; the request archive holds the attestation PDF")
    func reissueAndExport() async throws {
        try await withJourney({ $0.outbox.runInBackground = false }) { app, world, api in
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let modification = try await api.create(as: world.operatorA, """
                {"kind": "modification", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"addPACS": [{"sourceHostname": "src9.example.fr", "viewerHostname": "view9.example.fr"}]}}
                """)
            let modificationID = try #require(modification["id"] as? String)
            _ = try await api.act("approve", on: modificationID, as: world.reviewer)
            _ = try await #require(app.edc.outbox).drain()
            let attestations = try await AttestationModel.query(on: app.db).sort(\.$issuedAt).all()
            #expect(attestations.map(\.number) == [String(format: "ATT-%06d", identifier), String(format: "ATT-%06d-2", identifier)])
            #expect(attestations.allSatisfy { $0.pdfSealed != nil })
            let latest = try await app.send(.GET, "/api/v1/requests/\(modificationID)/attestation.pdf", as: world.operatorA)
            #expect(latest.status == .ok)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("edc-att-\(UUID().uuidString).pdf")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(latest.body.readableBytesView).write(to: file)
            let text = try ProcessRunner.runTool("pdftotext", [file.path, "-"]).standardOutput
            #expect(text.contains("db1.\(identifier).mesimagesmedicales.fr") && text.contains("db2.\(identifier).mesimagesmedicales.fr"), "\(text)")

            let archive = try await app.send(.GET, "/api/v1/requests/\(modificationID)/export.zip", as: world.operatorA)
            let zip = FileManager.default.temporaryDirectory.appendingPathComponent("edc-export-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: zip) }
            try Data(archive.body.readableBytesView).write(to: zip)
            let names = try ProcessRunner.runTool("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", zip.path])
            #expect(names.standardOutput.contains(String(format: "attestation-ATT-%06d-2.pdf", identifier)), "\(names.output)")
        }
    }
}
