import EDCTestSupport
import Foundation
import Testing
@testable import Whitelist

/// Test data shared by the suites: lists, PKIs, temporary directories, the ANS samples.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_790_000_000) // 2026-09-21T14:13:20Z

    static func entry(_ number: Int, identifiant: String? = nil) -> WhitelistEntry {
        WhitelistEntry(
            identifiant: identifiant ?? String(number),
            db: "db\(number).test.mesimagesmedicales.fr",
            vi: "vi\(number).test.mesimagesmedicales.fr",
            denomination: "Opérateur <\(number)> & fils",
            certificateDN: "CN=db\(number).test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
            responsableContact: "responsable\(number)@example.fr, 01 23 45 67 89",
            supportContact: "support\(number)@example.fr",
            updatedAt: Date(timeIntervalSince1970: 1_780_000_000 + Double(number))
        )
    }

    static func document(count: Int = 3, generatedAt: Date = now) -> WhitelistDocument {
        WhitelistDocument(generatedAt: generatedAt, entries: (1...count).map { entry($0) })
    }

    /// Generated once per test process: RSA key generation is the slow part of these tests.
    static let rsaPKI: TestPKI = try! TestPKI.generate(keyKind: .rsa2048, notValidBefore: now.addingTimeInterval(-86_400))
    static let ecPKI: TestPKI = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))
    /// An unrelated PKI with the same subjects: what an attacker could mint.
    static let foreignPKI: TestPKI = try! TestPKI.generate(keyKind: .rsa2048, notValidBefore: now.addingTimeInterval(-86_400))

    static func signed(_ document: WhitelistDocument = document(), pki: TestPKI = rsaPKI, namespace: WhitelistNamespace = .default) throws -> [UInt8] {
        try WhitelistSigner(identity: pki.signingIdentity, namespace: namespace).sign(document, signingTime: now)
    }

    static var samplesDirectory: URL { SharedSamples.whiteLists }

    static func sample(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: samplesDirectory.appendingPathComponent(name)))
    }

    static let sample2026 = "LISTEBLANCHE_DRIM-M_SIGNEE_TEST_2026.09.14.xml"
    static let sample2024 = "LISTEBLANCHE_DRIM-M_TEST_SIGNEE_2024.xml"
    static let sampleSigner2026 = "signer-liste-blanche-2026-2029.pem"
    static let sampleSigner2024 = "signer-liste-blanche-2023-2026.pem"
    static let ansSubject = "CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR"
}

/// A fresh directory under the system temporary directory, removed when the value is dropped.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("edc-whitelist-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }

    func write(_ text: String, _ name: String) throws -> URL {
        try write(Array(text.utf8), name)
    }
}
