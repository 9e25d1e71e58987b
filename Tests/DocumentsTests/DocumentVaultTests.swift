@testable import Documents
import EDCDomain
import EDCTestSupport
import FluentKit
import Crypto
import Foundation
import Persistence
import Testing

@Suite("Documents sealed at rest: envelopes, tamper detection, key rotation")
struct DocumentVaultTests {
    static let keyA = Data(repeating: 9, count: 32)
    static let keyB = Data(repeating: 8, count: 32)

    static func vault(_ current: Data, previous: [Data] = []) throws -> DocumentVault {
        DocumentVault(keyring: DocumentKeyring(current: try .init(current), previous: try previous.map(DocumentKeyring.MasterKey.init)))
    }

    /// An operator and a store on the real database.
    static func operatorStore(_ db: any Database) async throws -> (Store, Principal) {
        let company = OperatorModel(legalName: "Opérateur A", siren: "732829320", supportPhone: "0123456789", supportEmail: "support@a.example.fr")
        try await company.create(on: db)
        return (Store(database: db), Principal(userID: nil, role: .operatorUser, operatorID: try company.requireID()))
    }

    static let content = Data("%PDF-1.7\nCGI signées par la Clinique Saint-Éloi — marqueur-en-clair-7f3a\n".utf8)

    @Test("each document has its own data key, wrapped under the current master key; the plaintext appears nowhere in the row")
    func envelope() async throws {
        try await withTestDatabase { db in
            let (store, principal) = try await Self.operatorStore(db)
            let vault = try Self.vault(Self.keyA)
            let first = try await vault.store(Self.content, kind: .cgi, filename: try Filename("cgi.pdf"), mediaType: "application/pdf", by: principal, quota: 1 << 20, in: store)
            let second = try await vault.store(Self.content, kind: .cgi, filename: try Filename("cgi.pdf"), mediaType: "application/pdf", by: principal, quota: 1 << 20, in: store)
            #expect(first.keyID == vault.keyring.current.id && first.keyID?.count == 16)
            #expect(first.wrappedKey != second.wrappedKey && first.sealedContent != second.sealedContent, "one data key per document")
            for row in [first.sealedContent, first.wrappedKey ?? Data()] {
                #expect(row.range(of: Data("marqueur-en-clair".utf8)) == nil)
            }
            #expect(try vault.open(first) == Self.content)
        }
    }

    @Test("a changed ciphertext, wrapped key, key id, operator or document id is detected", arguments: ["content", "wrapped key", "key id", "operator", "document id"])
    func tamperDetected(_ what: String) async throws {
        try await withTestDatabase { db in
            let (store, principal) = try await Self.operatorStore(db)
            let vault = try Self.vault(Self.keyA, previous: [Self.keyB])
            let document = try await vault.store(Self.content, kind: .cgi, filename: try Filename("cgi.pdf"), mediaType: "application/pdf", by: principal, quota: 1 << 20, in: store)
            switch what {
            case "content": document.sealedContent[document.sealedContent.count - 20] ^= 1
            case "wrapped key": document.wrappedKey![5] ^= 1
            case "key id": document.keyID = try DocumentKeyring.MasterKey(Self.keyB).id  // a key the keyring has
            case "operator": document.operatorID = UUID()
            default: document.id = UUID()
            }
            #expect(throws: DocumentVault.VaultError.self) { try vault.open(document) }
        }
    }

    @Test("rotation re-wraps every data key without re-encrypting the documents; the old key is then no longer needed; documents from before envelopes are converted")
    func rotation() async throws {
        try await withTestDatabase { db in
            let (store, principal) = try await Self.operatorStore(db)
            let old = try Self.vault(Self.keyA)
            var documents: [DocumentModel] = []
            for _ in 0..<3 {
                documents.append(try await old.store(Self.content, kind: .cgi, filename: try Filename("cgi.pdf"), mediaType: "application/pdf", by: principal, quota: 1 << 20, in: store))
            }
            // One document as sealed before envelopes: the master key itself, bound to the id only.
            let legacy = documents[2]
            legacy.sealedContent = try AES.GCM.seal(Self.content, using: SymmetricKey(data: Self.keyA), authenticating: Data(legacy.id!.uuidString.utf8)).combined!
            legacy.wrappedKey = nil
            legacy.keyID = nil
            try await legacy.save(on: db)
            let ciphertexts = documents.prefix(2).map(\.sealedContent)

            let rotating = try Self.vault(Self.keyB, previous: [Self.keyA])
            let report = try await rotating.rotate(in: store)
            #expect(report.rewrapped == 2 && report.converted == 1 && report.failed.isEmpty)
            #expect(report.keysInUse == [rotating.keyring.current.id])
            let after = try await DocumentModel.query(on: db).sort(\.$createdAt).all()
            #expect(Array(after.filter { $0.id != legacy.id }.map(\.sealedContent)) == ciphertexts, "ciphertext untouched")

            // Key A retired: every document opens with key B alone.
            let onlyB = try Self.vault(Self.keyB)
            for document in after { #expect(try onlyB.open(document) == Self.content) }
            #expect(throws: DocumentVault.VaultError.self) { try Self.vault(Self.keyA).open(after[0]) }
            let audit = try await AuditEntryModel.query(on: db).filter(\.$action == .documentKeyRotation).first()
            #expect(audit?.entityID == rotating.keyring.current.id)
            #expect(try await rotating.rotate(in: store).rewrapped == 0, "a second run has nothing to do")
        }
    }

    @Test("without a configured key, the keys live under the data directory (0600); --generate makes a new current key and keeps the old one until retired")
    func dataDirectoryKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try DocumentKeyring.load(configured: nil, dataDirectory: directory)
        #expect(try DocumentKeyring.load(configured: nil, dataDirectory: directory).current == first.current)
        let permissions = try FileManager.default.attributesOfItem(atPath: directory + "/document.key")[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let second = try DocumentKeyring.generate(dataDirectory: directory)
        #expect(second.current != first.current && second.previous == [first.current])
        #expect(try DocumentKeyring.retireUnused(dataDirectory: directory, stillUsed: [first.current.id]).isEmpty)
        #expect(try DocumentKeyring.retireUnused(dataDirectory: directory, stillUsed: [second.current.id]) == [first.current.id])
        #expect(try DocumentKeyring.load(configured: nil, dataDirectory: directory).previous.isEmpty)
        let configured = try DocumentKeyring.load(configured: Self.keyB, previous: [Self.keyA], dataDirectory: directory)
        #expect(configured.current.id == (try DocumentKeyring.MasterKey(Self.keyB)).id && configured.previous.count == 1)
    }
}

@Suite("Uploads are judged by their content")
struct DocumentContentTests {
    @Test("a real PDF is accepted, also padded to any size; pdftotext reads the generated one")
    func realPDF() throws {
        #expect(DocumentContent.problem(MinimalPDF.bytes(text: "CGI signées"), mediaType: "application/pdf") == nil)
        #expect(DocumentContent.problem(MinimalPDF.bytes(text: "x", size: 70_000), mediaType: "application/pdf") == nil)
        #expect(MinimalPDF.bytes(text: "x", size: 70_000).count == 70_000)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edc-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(MinimalPDF.bytes(text: "Conditions generales integration")).write(to: file)
        let text = try ProcessRunner.runTool("pdftotext", [file.path, "-"])
        #expect(text.status == 0 && text.standardOutput.contains("Conditions generales integration"), "\(text.output)")
    }

    @Test("a %PDF prefix is not a PDF; nor a truncated, renamed or mislabelled file", arguments: [
        ("%PDF-1.7\nnothing else\n", "application/pdf"),
        ("%PDF-1.7\n%%EOF\n", "application/pdf"),
        ("%PDF-1.7\nstartxref\n999999\n%%EOF\n", "application/pdf"),
        ("%PDF-1.7\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n", "application/pdf"),
        ("MZ\u{90}\u{00} an executable renamed cgi.pdf", "application/pdf"),
        ("%PDF-1.7 truncated", "application/pdf"),
        ("\u{89}PNG\r\n\u{1A}\n and nothing of a PNG after it", "image/png"),
        ("not a jpeg", "image/jpeg"),
    ])
    func refused(_ content: String, _ mediaType: String) {
        #expect(DocumentContent.problem(Array(content.utf8), mediaType: mediaType) != nil)
    }

    @Test("a PDF cut short (an interrupted upload) is refused")
    func truncated() {
        let pdf = MinimalPDF.bytes(text: "CGI")
        for length in [20, pdf.count / 2, pdf.count - 8] {
            #expect(DocumentContent.problem(pdf.prefix(length), mediaType: "application/pdf") != nil, "\(length)")
        }
    }
}
