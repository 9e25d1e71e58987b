@testable import App
import Documents
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// The document vault as a security auditor checks it: no plaintext at rest, downloads audited,
/// and `edc rotate-document-key` run by the real executable while the service keeps serving.
@Suite("Documents at rest and the master key rotation")
struct DocumentRotationTests {
    static let marker = "marqueur-en-clair-\(UUID().uuidString.prefix(8))"

    @Test("no plaintext byte under the data directory or in the database; rotation by the edc command while the service runs; the old key retired, every document still downloads")
    func rotateWhileServing() async throws {
        try await withTestApp({ settings in
            settings.documentKey = nil  // keys under the data directory, as the embedded default
            if case .sqliteMemory = settings.database { settings.database = .sqliteFile(settings.dataDirectory + "/edc.sqlite") }
        }) { app in
            let world = try await World.make(app)
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
            var ids: [String] = []
            for index in 0..<3 {
                let body = ByteBuffer(bytes: MinimalPDF.bytes(text: "\(Self.marker) document \(index)"))
                let response = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.operatorA, headers: headers, body: body)
                #expect(response.status == .created)
                ids.append(try #require(response.json["id"] as? String))
            }
            let dataDirectory = app.edc.settings.dataDirectory
            func plaintextAtRest() throws -> [String] {
                var found: [String] = []
                let enumerator = FileManager.default.enumerator(atPath: dataDirectory)
                while let path = enumerator?.nextObject() as? String {
                    let data = (try? Data(contentsOf: URL(fileURLWithPath: dataDirectory).appendingPathComponent(path))) ?? Data()
                    if data.range(of: Data(Self.marker.utf8)) != nil { found.append(path) }
                }
                if case .postgres(let url) = app.edc.settings.database {
                    let dump = try ProcessRunner.runTool("pg_dump", ["--data-only", url])
                    guard dump.status == 0, dump.standardOutput.contains("COPY public.documents") else { throw TestFailure("pg_dump: \(dump.standardError)") }
                    if dump.standardOutput.contains(Self.marker) { found.append("pg_dump") }
                }
                return found
            }
            #expect(try plaintextAtRest().isEmpty)

            let oldKey = app.edc.vault.keyring.current.id
            let edc = try EDCProcess(app: app)
            let rotation = try await edc.run(["rotate-document-key", "--generate"], killAt: nil)
            #expect(rotation.status == 0, "\(rotation.output)")
            #expect(rotation.standardOutput.contains("3 data keys re-wrapped"), "\(rotation.output)")
            #expect(rotation.standardOutput.contains("no document needs \(oldKey) any more: it can be retired"), "\(rotation.output)")

            // The running service reads the new key when it first meets it: no restart.
            for (index, id) in ids.enumerated() {
                let download = try await app.send(.GET, "/api/v1/documents/\(id)", as: world.operatorA)
                #expect(download.status == .ok)
                #expect(String(buffer: download.body).contains("\(Self.marker) document \(index)"))
            }
            let retire = try await edc.run(["rotate-document-key", "--retire-unused"], killAt: nil)
            #expect(retire.status == 0 && retire.standardOutput.contains("retired (deleted): \(oldKey)"), "\(retire.output)")
            let keyring = try DocumentKeyring.load(configured: nil, dataDirectory: dataDirectory)
            #expect(keyring.previous.isEmpty && keyring.current.id != oldKey)
            let rows = try await DocumentModel.query(on: app.db).all()
            let vault = DocumentVault(keyring: keyring)
            #expect(try rows.map { String(decoding: try vault.open($0), as: UTF8.self) }.allSatisfy { $0.contains(Self.marker) })
            #expect(try plaintextAtRest().isEmpty)

            // Every download is audited; the rotation too.
            let downloads = try await AuditEntryModel.query(on: app.db).filter(\.$action == .documentDownload).count()
            #expect(downloads == 3)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .documentKeyRotation).count() == 2)
            // Operator B gets 404 on A's document.
            #expect(try await app.send(.GET, "/api/v1/documents/\(ids[0])", as: world.operatorB).status == .notFound)
        }
    }

    @Test("an upload that only starts like a PDF, or is cut short, is refused in French and stores nothing")
    func contentChecked() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let real = MinimalPDF.bytes(text: "CGI")
            for body in [Array("%PDF-1.7\nje ne suis pas un PDF\n".utf8), Array(real.prefix(real.count / 2))] {
                let response = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.operatorA,
                                                  headers: ["Content-Type": "application/pdf"], body: ByteBuffer(bytes: body))
                #expect(response.status == .unprocessableEntity)
                let error = (response.json["errors"] as? [[String: Any]])?.first
                #expect(error?["code"] as? String == "document.content" && error?["field"] as? String == "body")
                #expect(error?["detail"] as? String == "Le fichier n'est pas un PDF valide : il est incomplet, endommagé ou d'un autre type que celui annoncé.", "\(response.text)")
            }
            #expect(try await DocumentModel.query(on: app.db).count() == 0)
        }
    }

    @Test("a request's archive (ZIP) holds the form, its history, its audit entries and its documents decrypted; operator B gets 404; the export is audited")
    func export() async throws {
        try await withJourney { app, world, api in
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let requests = try await app.send(.GET, "/api/v1/requests", as: world.operatorA)
            let declarationID = try #require((requests.json["items"] as? [[String: Any]])?.first?["id"] as? String)
            let response = try await app.send(.GET, "/api/v1/requests/\(declarationID)/export.zip", as: world.operatorA)
            #expect(response.status == .ok)
            #expect(response.headers.contentType?.description == "application/zip")
            #expect(response.headers.first(name: .contentDisposition) == "attachment; filename=\"demande-1.zip\"")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("edc-export-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(response.body.readableBytesView).write(to: file)
            // Read by python's zipfile (CRC checked by testzip).
            let script = #"""
                import json, sys, zipfile
                z = zipfile.ZipFile(sys.argv[1])
                assert z.testzip() is None
                out = {"names": sorted(z.namelist())}
                out["form"] = json.loads(z.read("demande.json"))
                out["history"] = json.loads(z.read("historique.json"))
                out["audit"] = [e["action"] for e in json.loads(z.read("journal-audit.json"))]
                out["pdf"] = [z.read(n)[:8].decode("latin-1") for n in z.namelist() if n.startswith("documents/")]
                print(json.dumps(out))
                """#
            let read = try ProcessRunner.runTool("python3", ["-c", script, file.path])
            #expect(read.status == 0, "\(read.output)")
            let archive = try #require(try JSONSerialization.jsonObject(with: Data(read.standardOutput.utf8)) as? [String: Any])
            let names = try #require(archive["names"] as? [String])
            #expect(names.filter { !$0.hasPrefix("documents/") } == ["demande.json", "historique.json", "journal-audit.json"])
            #expect(names.filter { $0.hasPrefix("documents/cgi-") && $0.hasSuffix("-cgi.pdf") }.count == 1, "\(names)")
            #expect(archive["pdf"] as? [String] == ["%PDF-1.7"])
            let form = try #require(archive["form"] as? [String: Any])
            #expect(form["numero"] as? Int == 1 && form["type"] as? String == "declaration" && form["etat"] as? String == "approved")
            #expect((form["formulaire"] as? [String: Any])?["clients"] as? [String] == ["383474814"])
            #expect((archive["history"] as? [[String: Any]])?.map { $0["vers"] as? String } == ["submitted", "approved"])
            let audit = try #require(archive["audit"] as? [String])
            #expect(audit.contains("request.create") && audit.contains("request.approve") && audit.contains("document.upload"), "\(audit)")

            #expect(try await app.send(.GET, "/api/v1/requests/\(declarationID)/export.zip", as: world.operatorB).status == .notFound)
            #expect(try await app.send(.GET, "/api/v1/requests/\(declarationID)/export.zip", as: world.reviewer).status == .ok)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .requestExport).count() == 2)
        }
    }
}
