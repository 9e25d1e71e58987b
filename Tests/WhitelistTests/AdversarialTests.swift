import Foundation
import Testing
import X509
@testable import Whitelist

/// Each test crafts one attack on a genuine EDC-signed list and checks the refusal reason.
@Suite("Crafted lists are refused with the expected reason")
struct AdversarialTests {
    typealias Code = WhitelistVerificationError.Code

    let pki = Fixtures.rsaPKI
    var genuine: String { get throws { Tamper.text(try Fixtures.signed()) } }

    func expectRefused(
        _ text: String,
        _ code: Code,
        trust: WhitelistTrust? = nil,
        expectedSubject: String? = TestPKI.defaultSignerSubject,
        maxSize: Int = WhitelistVerifier.defaultMaxSize,
        at time: Date = Fixtures.now,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let verifier = try WhitelistVerifier(
            trust: trust ?? .anchors([pki.root], intermediates: []),
            expectedSubject: expectedSubject,
            maxSize: maxSize
        )
        do {
            _ = try await verifier.verify(Tamper.bytes(text), at: time)
            Issue.record("the crafted list was accepted; expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "refused with \(error)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Signed content and signature value

    @Test func contentModifiedAfterSigning() async throws {
        let text = try Tamper.replacing(genuine, "<db>db2.test", with: "<db>db2.evil")
        try await expectRefused(text, .digestMismatch)
    }

    @Test func entryAddedAfterSigning() async throws {
        let extra = "<Domaine><Identifiant>99</Identifiant><db>db99.evil.fr</db><vi>vi99.evil.fr</vi><Denomination>X</Denomination><DNCertificatOperateur>CN=db99.evil.fr</DNCertificatOperateur></Domaine>"
        let text = try Tamper.replacing(genuine, "</ListeDomaines>", with: extra + "</ListeDomaines>")
        try await expectRefused(text, .digestMismatch)
    }

    @Test func signingTimeModifiedAfterSigning() async throws {
        let text = try Tamper.replacing(genuine, "<xades:SigningTime>2026", with: "<xades:SigningTime>2027")
        try await expectRefused(text, .digestMismatch)
    }

    @Test func signatureValueTampered() async throws {
        let original = try genuine
        let match = try #require(original.firstMatch(of: try Regex(#"<ds:SignatureValue[^>]*>(.)"#)))
        let first = try #require(match.output[1].substring)
        let text = original.replacingCharacters(in: match.output[1].range!, with: first == "A" ? "B" : "A")
        try await expectRefused(text, .invalidSignatureValue)
    }

    @Test func unsignedList() async throws {
        let text = Tamper.text(try WhitelistXML.render(Fixtures.document()))
        try await expectRefused(text, .unsigned)
    }

    // MARK: Signature placement and references

    @Test func secondSignature() async throws {
        let original = try genuine
        let start = try #require(original.range(of: "<ds:Signature "))
        let end = try #require(original.range(of: "</ds:Signature>"))
        let signature = String(original[start.lowerBound..<end.upperBound])
        let text = try Tamper.replacing(original, "</ListeBlancheDRIM-M>", with: signature + "</ListeBlancheDRIM-M>")
        try await expectRefused(text, .multipleSignatures)
    }

    @Test func signatureNotADirectChildOfTheRoot() async throws {
        let original = try genuine
        let start = try #require(original.range(of: "<ds:Signature "))
        let end = try #require(original.range(of: "</ds:Signature>"))
        let signature = String(original[start.lowerBound..<end.upperBound])
        var text = original.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "")
        text = try Tamper.replacing(text, "</ListeDomaines>", with: signature + "</ListeDomaines>")
        try await expectRefused(try Tamper.redigestAndResign(text), .misplacedSignature)
    }

    @Test func referenceToPartOfTheDocumentOnly() async throws {
        var text = try Tamper.replacing(genuine, "<ListeDomaines>", with: "<ListeDomaines Id=\"domains\">")
        text = try Tamper.replacing(text, "URI=\"\"", with: "URI=\"#domains\"")
        try await expectRefused(try Tamper.resign(text), .unexpectedReference)
    }

    @Test func thirdReference() async throws {
        let original = try genuine
        let reference = "<ds:Reference URI=\"#edc-extra\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference>"
        let text = try Tamper.replacing(original, "</ds:SignedInfo>", with: reference + "</ds:SignedInfo>")
        try await expectRefused(try Tamper.resign(text), .unexpectedReference)
    }

    @Test func missingSignedPropertiesReference() async throws {
        let original = try genuine
        let start = try #require(original.range(of: "<ds:Reference Type="))
        let end = try #require(original.range(of: "</ds:Reference>", range: start.upperBound..<original.endIndex))
        let text = original.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "")
        try await expectRefused(try Tamper.resign(text), .missingReference)
    }

    @Test func duplicateIdAttribute() async throws {
        let original = try genuine
        let id = try #require(original.firstMatch(of: try Regex(#"SignedProperties Id="([^"]+)""#))?.output[1].substring)
        let text = try Tamper.replacing(original, "<ListeDomaines>", with: "<ListeDomaines Id=\"\(id)\">")
        try await expectRefused(try Tamper.redigestAndResign(text), .duplicateID)
    }

    @Test func signedPropertiesReferenceWrappedOutsideTheSignature() async throws {
        // The reference is pointed at a copy of genuine SignedProperties placed in the content.
        let original = try genuine
        let start = try #require(original.range(of: "<xades:SignedProperties "))
        let end = try #require(original.range(of: "</xades:SignedProperties>"))
        var copy = String(original[start.lowerBound..<end.upperBound])
        copy = copy.replacingOccurrences(of: "<xades:SignedProperties Id=\"", with: "<xades:SignedProperties xmlns:xades=\"\(XMLDSig.xadesNamespace)\" xmlns:ds=\"\(XMLDSig.namespace)\" Id=\"wrapped-")
        var text = try Tamper.replacing(original, "<ListeDomaines>", with: copy + "<ListeDomaines>")
        text = try Tamper.replacing(text, "URI=\"#edc-signed-properties-", with: "URI=\"#wrapped-edc-signed-properties-")
        try await expectRefused(try Tamper.redigestAndResign(text), .unresolvedReference)
    }

    // MARK: Algorithms and transforms

    @Test func sha1Digest() async throws {
        let text = try Tamper.replacing(genuine, "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>", with: "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>")
        try await expectRefused(try Tamper.resign(text), .forbiddenAlgorithm)
    }

    @Test func rsaSHA1SignatureMethod() async throws {
        let text = try Tamper.replacing(genuine, "xmldsig-more#rsa-sha256", with: "xmldsig#rsa-sha1")
        try await expectRefused(try Tamper.resign(text), .forbiddenAlgorithm)
    }

    @Test func hmacSignatureMethod() async throws {
        let text = try Tamper.replacing(genuine, "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>", with: "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\"><ds:HMACOutputLength>0</ds:HMACOutputLength></ds:SignatureMethod>")
        try await expectRefused(text, .forbiddenAlgorithm)
    }

    @Test func ecdsaMethodWithAnRSAKey() async throws {
        let text = try Tamper.replacing(genuine, "xmldsig-more#rsa-sha256", with: "xmldsig-more#ecdsa-sha256")
        try await expectRefused(try Tamper.resign(text), .forbiddenAlgorithm)
    }

    @Test func canonicalizationWithComments() async throws {
        let text = try Tamper.replacing(genuine, "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>", with: "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>")
        try await expectRefused(try Tamper.resign(text), .forbiddenAlgorithm)
    }

    @Test func xsltTransform() async throws {
        let xslt = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"><xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"/></ds:Transform>"
        let text = try Tamper.replacing(genuine, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", with: xslt)
        try await expectRefused(try Tamper.resign(text), .forbiddenTransform)
    }

    @Test func xpathTransform() async throws {
        let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>"
        let text = try Tamper.replacing(genuine, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", with: xpath)
        try await expectRefused(try Tamper.resign(text), .forbiddenTransform)
    }

    @Test func xpathFilter2OtherThanSubtractSignature() async throws {
        let filter = "<ds:Transform Algorithm=\"http://www.w3.org/2002/06/xmldsig-filter2\"><dsig-filter2:XPath xmlns:dsig-filter2=\"http://www.w3.org/2002/06/xmldsig-filter2\" Filter=\"subtract\">/descendant::ds:Domaine</dsig-filter2:XPath></ds:Transform>"
        let text = try Tamper.replacing(genuine, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", with: filter)
        try await expectRefused(try Tamper.resign(text), .forbiddenTransform)
    }

    @Test func documentReferenceWithoutExclusiveCanonicalization() async throws {
        let text = try Tamper.replacing(genuine, "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>", with: "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>")
        try await expectRefused(try Tamper.resign(text), .forbiddenTransform)
    }

    // MARK: DTDs, entities, comments, processing instructions

    @Test func doctypeWithInternalEntity() async throws {
        let text = try Tamper.replacing(genuine, "<ListeBlancheDRIM-M ", with: "<!DOCTYPE ListeBlancheDRIM-M [<!ENTITY operator \"EVIL\">]>\n<ListeBlancheDRIM-M ")
        try await expectRefused(text, .doctype)
    }

    @Test func billionLaughs() async throws {
        let dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
        var text = try Tamper.replacing(genuine, "<ListeBlancheDRIM-M ", with: dtd + "\n<ListeBlancheDRIM-M ")
        text = try Tamper.replacing(text, "<Denomination>", with: "<Denomination>&lol2;")
        try await expectRefused(text, .doctype)
    }

    @Test func externalEntity() async throws {
        var text = try Tamper.replacing(genuine, "<ListeBlancheDRIM-M ", with: "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<ListeBlancheDRIM-M ")
        text = try Tamper.replacing(text, "<Denomination>", with: "<Denomination>&xxe;")
        try await expectRefused(text, .doctype)
    }

    @Test func commentAddedInsideSignedContent() async throws {
        // Exclusive C14N without comments leaves comments out of the digest: the signature still
        // matches, so the verifier must refuse comments by itself.
        let text = try Tamper.replacing(genuine, "<db>db2.test.mesimagesmedicales.fr</db>", with: "<db>db2.test.mesimagesmedicales.fr<!-- real db: evil.example --></db>")
        try await expectRefused(text, .forbiddenNode)
    }

    @Test func processingInstructionInsideSignedContent() async throws {
        let text = try Tamper.replacing(genuine, "<ListeDomaines>", with: "<ListeDomaines><?xml-stylesheet href=\"https://evil.example/x.xsl\"?>")
        try await expectRefused(try Tamper.redigestAndResign(text), .forbiddenNode)
    }

    // MARK: Document shape

    @Test func fileOverTheSizeCap() async throws {
        try await expectRefused(try genuine, .tooLarge, maxSize: 1024)
    }

    @Test func unknownRootElement() async throws {
        var text = try Tamper.replacing(genuine, "<ListeBlancheDRIM-M ", with: "<ListeNoireDRIM-M ")
        text = try Tamper.replacing(text, "</ListeBlancheDRIM-M>", with: "</ListeNoireDRIM-M>")
        try await expectRefused(try Tamper.redigestAndResign(text), .unknownRoot)
    }

    @Test func unknownNamespace() async throws {
        let text = try Tamper.replacing(genuine, "xmlns=\"https://github.com/ansforge/DRIM-M_DATA\"", with: "xmlns=\"https://evil.example/schema\"")
        try await expectRefused(try Tamper.redigestAndResign(text), .unknownRoot)
    }

    @Test func unknownElementInsideAnEntry() async throws {
        let text = try Tamper.replacing(genuine, "<Denomination>", with: "<Extra>1</Extra><Denomination>")
        try await expectRefused(try Tamper.redigestAndResign(text), .invalidContent)
    }

    @Test func retrievalMethodInKeyInfo() async throws {
        let text = try Tamper.replacing(genuine, "<ds:KeyInfo>", with: "<ds:KeyInfo><ds:RetrievalMethod URI=\"https://evil.example/cert\"/>")
        try await expectRefused(text, .malformedSignature)
    }

    // MARK: Who signed

    @Test func foreignSignerWithItsOwnCertificateWhenPinned() async throws {
        let text = Tamper.text(try Fixtures.signed(pki: Fixtures.foreignPKI))
        try await expectRefused(text, .signerNotPinned, trust: .pinnedSigner(pki.signer))
    }

    @Test func foreignSignerWithoutKeyInfoWhenPinned() async throws {
        let original = Tamper.text(try Fixtures.signed(pki: Fixtures.foreignPKI))
        let start = try #require(original.range(of: "<ds:KeyInfo>"))
        let end = try #require(original.range(of: "</ds:KeyInfo>"))
        let text = original.replacingCharacters(in: start.lowerBound..<end.upperBound, with: "")
        try await expectRefused(text, .signingCertificateMismatch, trust: .pinnedSigner(pki.signer))
    }

    @Test func genuineCertificateInKeyInfoButForeignKey() async throws {
        // KeyInfo and SigningCertificateV2 name the genuine signer; the signature is by another key.
        let genuineText = try genuine
        let forged = try Tamper.resign(genuineText, key: Fixtures.foreignPKI.signerKey)
        try await expectRefused(forged, .invalidSignatureValue, trust: .pinnedSigner(pki.signer))
        try await expectRefused(forged, .invalidSignatureValue)
    }

    @Test func foreignChainWithLookAlikeSubjects() async throws {
        let text = Tamper.text(try Fixtures.signed(pki: Fixtures.foreignPKI))
        try await expectRefused(text, .untrustedSigner)
    }

    @Test func wrongSignerSubject() async throws {
        let other = try TestPKI.generate(
            keyKind: .p256,
            signerSubject: "CN=TEST Autre Signataire,OU=318751275100020,O=\(TestPKI.organization),C=FR",
            notValidBefore: Fixtures.now.addingTimeInterval(-86_400)
        )
        let text = Tamper.text(try Fixtures.signed(pki: other))
        try await expectRefused(text, .signerSubjectMismatch, trust: .anchors([other.root], intermediates: []))
    }

    @Test func signerWithoutSignatureKeyUsage() async throws {
        let other = try TestPKI.generate(
            keyKind: .p256,
            notValidBefore: Fixtures.now.addingTimeInterval(-86_400),
            signerKeyUsage: KeyUsage(keyEncipherment: true)
        )
        let text = Tamper.text(try Fixtures.signed(pki: other))
        try await expectRefused(text, .signerKeyUsage, trust: .anchors([other.root], intermediates: []))
    }

    @Test func expiredCertificateAtVerificationTime() async throws {
        try await expectRefused(try genuine, .signerNotValidAtTime, at: Fixtures.now.addingTimeInterval(20 * 365 * 86_400))
    }

    @Test func signingTimeOutsideCertificateValidity() async throws {
        let signer = WhitelistSigner(identity: pki.signingIdentity)
        let bytes = try signer.sign(Fixtures.document(), signingTime: Fixtures.now.addingTimeInterval(-30 * 86_400))
        try await expectRefused(Tamper.text(bytes), .signingTimeOutsideValidity)
    }
}
