import Foundation
import Testing
import X509
@testable import Whitelist

@Suite("The verifier accepts what it must")
struct VerifierAcceptanceTests {
    @Test("an RSA list signed by EDC verifies pinned and anchored, with the expected subject")
    func rsaListVerifies() async throws {
        let document = Fixtures.document(count: 5)
        let bytes = try Fixtures.signed(document)
        let pki = Fixtures.rsaPKI
        let pinned = try WhitelistVerifier(trust: .pinnedSigner(pki.signer), expectedSubject: TestPKI.defaultSignerSubject)
        let verified = try await pinned.verify(bytes, at: Fixtures.now)
        #expect(verified.document.entries.count == 5)
        #expect(verified.document.generatedAt == Fixtures.now)
        #expect(verified.signingTime == Fixtures.now)
        #expect(verified.signerSubject == TestPKI.defaultSignerSubject)
        #expect(verified.document.entries == document.sortedEntries)

        let anchored = try WhitelistVerifier(trust: .anchors([pki.root], intermediates: []), expectedSubject: TestPKI.defaultSignerSubject)
        _ = try await anchored.verify(bytes, at: Fixtures.now)
    }

    @Test("entries with an empty <vi/>, in a file with CRLF line ends (as in ANS's saved TEST lists of 2025-2026), are read, not refused; the writer still refuses them")
    func emptyViewerAndCRLF() async throws {
        let genuine = Tamper.text(try Fixtures.signed(Fixtures.document(count: 3)))
        var text = try Tamper.replacing(genuine, "<vi>vi2.test.mesimagesmedicales.fr</vi>", with: "<vi/>")
        text = try Tamper.replacing(text, "<vi>vi3.test.mesimagesmedicales.fr</vi>", with: "<vi></vi>")
        text = text.replacingOccurrences(of: "\n", with: "\r\n")
        let signed = try Tamper.redigestAndResign(text)
        #expect(signed.contains("\r\n"))

        let verifier = try WhitelistVerifier(trust: .anchors([Fixtures.rsaPKI.root], intermediates: []), expectedSubject: TestPKI.defaultSignerSubject)
        let verified = try await verifier.verify(Tamper.bytes(signed), at: Fixtures.now)
        #expect(verified.document.entries.map(\.vi) == ["vi1.test.mesimagesmedicales.fr", nil, nil])
        #expect(verified.document.entries.map(\.db) == (1...3).map { "db\($0).test.mesimagesmedicales.fr" })

        // Refused on write: EDC never publishes an entry without its viewer FQDN.
        #expect {
            _ = try WhitelistXML.render(verified.document)
        } throws: { error in
            (error as? WhitelistFormatError)?.code == "entry.vi_missing"
        }
        #expect(WhitelistEntryValidator.partition(verified.document.entries).refused.map(\.error.code) == ["entry.vi_missing", "entry.vi_missing"])
    }

    @Test("an ECDSA P-256 list signed by EDC verifies")
    func ecdsaListVerifies() async throws {
        let bytes = try Fixtures.signed(pki: Fixtures.ecPKI)
        #expect(String(decoding: bytes, as: UTF8.self).contains("ecdsa-sha256"))
        let verifier = try WhitelistVerifier(trust: .anchors([Fixtures.ecPKI.root], intermediates: []))
        _ = try await verifier.verify(bytes, at: Fixtures.now)
    }

    @Test("a list signed without intermediates in KeyInfo verifies when the intermediate is configured")
    func configuredIntermediate() async throws {
        let pki = Fixtures.rsaPKI
        let signer = WhitelistSigner(identity: pki.signingIdentity, includesIntermediates: false)
        let bytes = try signer.sign(Fixtures.document(), signingTime: Fixtures.now)
        let verifier = try WhitelistVerifier(trust: .anchors([pki.root], intermediates: [pki.intermediate]))
        _ = try await verifier.verify(bytes, at: Fixtures.now)
        let withoutIntermediate = try WhitelistVerifier(trust: .anchors([pki.root], intermediates: []))
        await #expect(throws: WhitelistVerificationError.self) { try await withoutIntermediate.verify(bytes, at: Fixtures.now) }
    }

    @Test("the 2026 ANS sample verifies pinned to its signer, with the ANS subject")
    func ansSample2026() async throws {
        let signer = try PEMFiles.certificates(in: String(decoding: Fixtures.sample(Fixtures.sampleSigner2026), as: UTF8.self))[0]
        let verifier = try WhitelistVerifier(trust: .pinnedSigner(signer), expectedSubject: Fixtures.ansSubject)
        let verified = try await verifier.verify(Fixtures.sample(Fixtures.sample2026), at: UTCTimestamp.parse("2026-11-29T12:00:00Z")!)
        #expect(verified.namespace == .ansforge)
        #expect(verified.document.entries.count == 17)
        #expect(verified.document.entries.first?.db == "db3.test.mesimagesmedicales.fr")
        #expect(verified.signerSubject == Fixtures.ansSubject)
        #expect(verified.signingTime == UTCTimestamp.parse("2026-09-14T13:40:59Z"))
    }

    @Test("the 2024 ANS sample (XPath-filter2, SigningCertificateV2 SHA-512) verifies at its signing time only")
    func ansSample2024() async throws {
        let signer = try PEMFiles.certificates(in: String(decoding: Fixtures.sample(Fixtures.sampleSigner2024), as: UTF8.self))[0]
        let verifier = try WhitelistVerifier(trust: .pinnedSigner(signer), expectedSubject: Fixtures.ansSubject)
        let bytes = try Fixtures.sample(Fixtures.sample2024)
        let verified = try await verifier.verify(bytes, at: UTCTimestamp.parse("2024-07-12T12:00:00Z")!)
        #expect(verified.namespace == .mesImagesMedicales)
        #expect(verified.document.entries.count == 6)
        // The quirks of the real file are kept as read.
        #expect(verified.document.entries.filter { $0.identifiant == "1" }.count == 2)
        #expect(verified.document.entries.contains { $0.vi == $0.db })
        #expect(verified.document.entries.contains { $0.certificateDN.contains("ST=Lyon(69)") })

        await #expect {
            try await verifier.verify(bytes, at: UTCTimestamp.parse("2026-11-29T12:00:00Z")!)
        } throws: { error in
            (error as? WhitelistVerificationError)?.code == .signerNotValidAtTime
        }
    }

    @Test("the ANS samples are refused when pinned to the other signer")
    func ansSamplesCrossPinned() async throws {
        let signer2024 = try PEMFiles.certificates(in: String(decoding: Fixtures.sample(Fixtures.sampleSigner2024), as: UTF8.self))[0]
        let verifier = try WhitelistVerifier(trust: .pinnedSigner(signer2024))
        await #expect {
            try await verifier.verify(Fixtures.sample(Fixtures.sample2026), at: UTCTimestamp.parse("2024-07-12T12:00:00Z")!)
        } throws: { error in
            (error as? WhitelistVerificationError)?.code == .signerNotPinned
        }
    }
}
