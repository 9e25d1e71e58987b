import Foundation
import Testing
@testable import Whitelist
import Crypto
import _CryptoExtras

@Suite("Reading and writing ListeBlancheDRIM-M")
struct WhitelistXMLTests {
    @Test("render then parse gives back the same entries, sorted by Identifiant then db")
    func roundTrip() throws {
        var document = Fixtures.document(count: 12)
        document.entries.shuffle()
        document.entries[3].responsableContact = nil
        document.entries[4].updatedAt = nil
        let parsed = try WhitelistXML.parseWithNamespace(WhitelistXML.render(document, namespace: .mesImagesMedicales))
        #expect(parsed.namespace == .mesImagesMedicales)
        #expect(parsed.document.generatedAt == document.generatedAt)
        #expect(parsed.document.entries == document.sortedEntries)
        #expect(parsed.document.entries.map(\.identifiant) == (1...12).map(String.init))
    }

    @Test("text is escaped and the default namespace is the 2026 one")
    func escaping() throws {
        let xml = String(decoding: try WhitelistXML.render(Fixtures.document(count: 1)), as: UTF8.self)
        #expect(xml.contains("<Denomination>Opérateur &lt;1&gt; &amp; fils</Denomination>"))
        #expect(xml.contains("xmlns=\"https://github.com/ansforge/DRIM-M_DATA\" versionFormat=\"1.0.0\""))
        #expect(xml.contains("<DateDeGeneration>2026-09-21T14:13:20Z</DateDeGeneration>"))
    }

    @Test("both ANS samples parse, quirks included")
    func samplesParse() throws {
        let recent = try WhitelistXML.parseWithNamespace(Fixtures.sample(Fixtures.sample2026))
        #expect(recent.namespace == .ansforge)
        #expect(recent.document.entries.count == 17)
        let old = try WhitelistXML.parse(Fixtures.sample(Fixtures.sample2024))
        #expect(old.entries.count == 6)
        #expect(old.entries[1].vi == old.entries[1].db)
        #expect(old.entries[0].responsableContact == "antoine.tapis@op01.fr, 07 33 65 18 37")
    }

    @Test("the writer refuses the quirks found in real lists", arguments: [
        "entry.identifiant_duplicate", "entry.vi_equals_db", "entry.fqdn_duplicate", "entry.dn_structure_id",
        "entry.dn_state", "entry.db_invalid", "entry.identifiant_invalid", "entry.text_invalid", "entry.denomination_empty",
    ])
    func writerRefusesQuirks(code: String) throws {
        var document = Fixtures.document(count: 2)
        switch code {
        case "entry.identifiant_duplicate":
            document.entries[1].identifiant = document.entries[0].identifiant
            document.entries[1].denomination = document.entries[0].denomination + " bis"
        case "entry.vi_equals_db": document.entries[0].vi = document.entries[0].db
        case "entry.fqdn_duplicate": document.entries[1].vi = document.entries[0].db
        case "entry.dn_structure_id":
            document.entries[0].certificateDN = "CN=db1.test.mesimagesmedicales.fr,OU=31598513500187,O=editeur,ST=Paris (75),C=FR"
        case "entry.dn_state":
            document.entries[0].certificateDN = "CN=db1.test.mesimagesmedicales.fr,OU=318751275100020,O=editeur,ST=Lyon(69),C=FR"
        case "entry.db_invalid": document.entries[0].db = "not a host"
        case "entry.identifiant_invalid": document.entries[0].identifiant = "A-1"
        case "entry.text_invalid": document.entries[0].denomination = "line\u{7}bell"
        case "entry.denomination_empty": document.entries[0].denomination = "  "
        default: Issue.record("unknown case \(code)")
        }
        #expect { try WhitelistXML.render(document) } throws: { error in
            (error as? WhitelistFormatError)?.code == code
        }
    }

    @Test("the reader refuses DOCTYPE, comments and unknown elements")
    func readerIsStrictOnStructure() throws {
        let xml = String(decoding: try WhitelistXML.render(Fixtures.document(count: 1)), as: UTF8.self)
        let cases: [(String, String)] = [
            (xml.replacingOccurrences(of: "<ListeBlancheDRIM-M ", with: "<!DOCTYPE x>\n<ListeBlancheDRIM-M "), "xml.doctype"),
            (xml.replacingOccurrences(of: "<ListeDomaines>", with: "<ListeDomaines><!-- c -->"), "xml.forbidden_node"),
            (xml.replacingOccurrences(of: "<Denomination>", with: "<Autre>x</Autre><Denomination>"), "xml.unexpected_element"),
            (xml.replacingOccurrences(of: "versionFormat=\"1.0.0\"", with: "versionFormat=\"2.0.0\""), "xml.unsupported_version"),
            (xml.replacingOccurrences(of: "2026-09-21T14:13:20Z", with: "2026-09-21 14:13:20"), "xml.invalid_timestamp"),
            ("<ListeBlancheDRIM-M", "xml.malformed"),
        ]
        for (text, code) in cases {
            #expect { try WhitelistXML.parse(Array(text.utf8)) } throws: { error in
                (error as? WhitelistFormatError)?.code == code
            }
        }
    }

    @Test("timestamps format and parse in UTC whole seconds")
    func timestamps() {
        let date = Date(timeIntervalSince1970: 951_782_400) // 2000-02-29T00:00:00Z
        #expect(UTCTimestamp.format(date) == "2000-02-29T00:00:00Z")
        #expect(UTCTimestamp.parse("2000-02-29T00:00:00Z") == date)
        #expect(UTCTimestamp.parse("2024-07-12T05:37:19.250Z") == Date(timeIntervalSince1970: 1_720_762_639.25))
        #expect(UTCTimestamp.parse("2023-02-29T00:00:00Z") == nil)
        #expect(UTCTimestamp.parse("2024-07-12T05:37:19+02:00") == nil)
    }
}

@Suite("Differences between two versions")
struct WhitelistDiffTests {
    @Test("added, removed and changed entries are keyed by db")
    func diff() {
        let old = Fixtures.document(count: 3)
        var new = old
        new.entries.remove(at: 0)
        new.entries[0].denomination = "Renamed"
        new.entries.append(Fixtures.entry(4))
        let diff = WhitelistDiff.between(old, new)
        #expect(diff.added.map(\.db) == ["db4.test.mesimagesmedicales.fr"])
        #expect(diff.removed.map(\.db) == ["db1.test.mesimagesmedicales.fr"])
        #expect(diff.changed.map(\.new.denomination) == ["Renamed"])
        #expect(WhitelistDiff.between(old, old).isEmpty)
    }
}

@Suite("Test PKI and signing identities")
struct SigningIdentityTests {
    @Test("a test PKI written to a directory loads back and signs a list that verifies")
    func writeAndLoad() async throws {
        let directory = try TemporaryDirectory()
        try Fixtures.ecPKI.write(to: directory.url)
        let loaded = try TestPKI.load(from: directory.url)
        #expect(loaded.signer == Fixtures.ecPKI.signer)
        let readme = try String(contentsOf: directory.url.appendingPathComponent(TestPKI.FileName.readme), encoding: .utf8)
        #expect(readme.contains("NOT FOR PRODUCTION"))
        let identity = try SigningIdentity.load(
            certificateFile: directory.url.appendingPathComponent(TestPKI.FileName.signer),
            privateKeyFile: directory.url.appendingPathComponent(TestPKI.FileName.signerKey),
            intermediatesFile: directory.url.appendingPathComponent(TestPKI.FileName.intermediate)
        )
        let bytes = try WhitelistSigner(identity: identity).sign(Fixtures.document(), signingTime: Fixtures.now)
        let verifier = try WhitelistVerifier(trust: .anchors([loaded.root], intermediates: []))
        _ = try await verifier.verify(bytes, at: Fixtures.now)
    }

    @Test("every subject of the test PKI says TEST and not for production")
    func subjectsAreMarked() {
        for certificate in [Fixtures.rsaPKI.root, Fixtures.rsaPKI.intermediate, Fixtures.rsaPKI.signer] {
            let subject = X509NameBridge.text(certificate.subject)
            #expect(subject.contains("TEST"))
            #expect(subject.contains("NE PAS UTILISER EN PRODUCTION"))
        }
    }

    @Test("a key that does not match the certificate is refused")
    func mismatchedKey() {
        #expect { try SigningIdentity(certificate: Fixtures.rsaPKI.signer, key: Fixtures.foreignPKI.signerKey) } throws: { error in
            (error as? WhitelistSigningError)?.code == "key.certificate_mismatch"
        }
    }

    @Test("PKCS#1 RSA and SEC1 EC private keys in PEM load")
    func keyFormats() throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        _ = try SigningKey(pemEncoded: rsa.pemRepresentation)   // RSA PRIVATE KEY (PKCS#1)
        _ = try SigningKey(pemEncoded: rsa.pkcs8PEMRepresentation)
        // A SEC1 key as `openssl ecparam -name prime256v1 -genkey -noout` writes it (test vector).
        let sec1 = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIIaywUF5C6DWiJ1Z1DBphaLwQLXR8oufxPe0/1jWyJu8oAoGCCqGSM49
            AwEHoUQDQgAE0/9rcrCDs9RQYUbn660pzB0bA0oxn75WTd7KxrEigH2GEYJGiW8n
            XGaFjcv2FeDvjP55Ykxv/b/SzdQYI4UV8g==
            -----END EC PRIVATE KEY-----
            """
        _ = try SigningKey(pemEncoded: sec1)
        let ec = P256.Signing.PrivateKey()
        _ = try SigningKey(pemEncoded: ec.pemRepresentation)
    }

    @Test("the signer output is deterministic for the same input and time (RSA)")
    func deterministic() throws {
        #expect(try Fixtures.signed() == Fixtures.signed())
    }

    @Test("tampering helpers keep a genuine list valid (control for the attack suite)")
    func tamperControl() async throws {
        let resigned = try Tamper.redigestAndResign(Tamper.text(Fixtures.signed()))
        let verifier = try WhitelistVerifier(trust: .anchors([Fixtures.rsaPKI.root], intermediates: []))
        _ = try await verifier.verify(Tamper.bytes(resigned), at: Fixtures.now)
    }
}
