import Documents
import Foundation
import Testing

@Suite("Documents sealed at rest")
struct DocumentVaultTests {
    let vault = DocumentVault(keyData: Data(repeating: 9, count: 32))

    @Test("a sealed document opens to its content, and only under its own id")
    func boundToItsID() throws {
        let id = UUID()
        let content = Data("%PDF-1.7\nCGI signées\n".utf8)
        let sealed = try vault.seal(content, documentID: id)
        #expect(sealed.range(of: Data("CGI".utf8)) == nil, "the plaintext does not appear in the sealed blob")
        #expect(try vault.open(sealed, documentID: id) == content)
        #expect(throws: (any Error).self) { try vault.open(sealed, documentID: UUID()) }
        let otherKey = DocumentVault(keyData: Data(repeating: 8, count: 32))
        #expect(throws: (any Error).self) { try otherKey.open(sealed, documentID: id) }
    }

    @Test("without a configured key, one is generated once under the data directory (0600) and read back")
    func generatedKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-vault-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try DocumentVault.loadKey(configured: nil, dataDirectory: directory)
        #expect(first.count == 32)
        #expect(try DocumentVault.loadKey(configured: nil, dataDirectory: directory) == first)
        let permissions = try FileManager.default.attributesOfItem(atPath: directory + "/document.key")[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let configured = Data(repeating: 1, count: 32)
        #expect(try DocumentVault.loadKey(configured: configured, dataDirectory: directory) == configured)
    }
}
