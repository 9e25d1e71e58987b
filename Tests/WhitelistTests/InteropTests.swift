import Crypto
import Foundation
import Testing
@testable import Whitelist

/// Independent implementations agree with ours, both directions.
@Suite("Interoperability with xmlsec1 and signxml")
struct InteropTests {
    struct Files {
        let directory: TemporaryDirectory
        let list: URL
        let signer: URL
        let signerKey: URL
        let root: URL
        let intermediate: URL
    }

    func files(pki: TestPKI) throws -> Files {
        let directory = try TemporaryDirectory()
        try pki.write(to: directory.url)
        let list = try directory.write(Fixtures.signed(Fixtures.document(count: 20), pki: pki), "list.xml")
        func path(_ name: String) -> URL { directory.url.appendingPathComponent(name) }
        return Files(
            directory: directory, list: list,
            signer: path(TestPKI.FileName.signer), signerKey: path(TestPKI.FileName.signerKey),
            root: path(TestPKI.FileName.root), intermediate: path(TestPKI.FileName.intermediate)
        )
    }

    @Test("xmlsec1 verifies EDC lists pinned to the signer certificate", arguments: [SigningKey.Kind.rsa2048, .p256])
    func xmlsec1Pinned(kind: SigningKey.Kind) throws {
        let files = try files(pki: kind == .p256 ? Fixtures.ecPKI : Fixtures.rsaPKI)
        let result = try ExternalTool.run("xmlsec1", [
            "--verify", "--pubkey-cert-pem", files.signer.path, "--id-attr:Id", "SignedProperties", files.list.path,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("SignedInfo References (ok/all): 2/2"))
    }

    @Test("xmlsec1 verifies EDC lists through the test PKI chain")
    func xmlsec1Chain() throws {
        let files = try files(pki: Fixtures.rsaPKI)
        let result = try ExternalTool.run("xmlsec1", [
            "--verify", "--trusted-pem", files.root.path, "--untrusted-pem", files.intermediate.path,
            "--id-attr:Id", "SignedProperties", files.list.path,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("OK"))
    }

    @Test("xmlsec1 refuses a tampered EDC list (control)")
    func xmlsec1RefusesTampered() throws {
        let files = try files(pki: Fixtures.rsaPKI)
        let text = try Tamper.replacing(String(contentsOf: files.list, encoding: .utf8), "<db>db2.", with: "<db>dbX.")
        let tampered = try files.directory.write(text, "tampered.xml")
        let result = try ExternalTool.run("xmlsec1", [
            "--verify", "--pubkey-cert-pem", files.signer.path, "--id-attr:Id", "SignedProperties", tampered.path,
        ])
        #expect(result.status != 0)
    }

    @Test("python signxml XAdESVerifier verifies EDC lists", arguments: [SigningKey.Kind.rsa2048, .p256])
    func signxml(kind: SigningKey.Kind) throws {
        let files = try files(pki: kind == .p256 ? Fixtures.ecPKI : Fixtures.rsaPKI)
        let script = """
            import sys
            from signxml.xades import XAdESVerifier, XAdESSignatureConfiguration
            data = open(sys.argv[1], "rb").read()
            cert = open(sys.argv[2]).read()
            results = XAdESVerifier().verify(data, x509_cert=cert, expect_config=XAdESSignatureConfiguration(expect_references=2))
            print("signxml OK", len(results))
            """
        let result = try ExternalTool.run("python3", ["-c", script, files.list.path, files.signer.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("signxml OK 2"))
    }

    @Test("a list signed by xmlsec1 from a template verifies with EDC's verifier, pinned and anchored")
    func xmlsec1SignedListVerifies() async throws {
        let pki = Fixtures.rsaPKI
        let files = try files(pki: pki)
        let certificateDER = try PEMFiles.der(pki.signer)
        let issuerSerial = try WhitelistSigner.issuerSerialV2(pki.signer)
        let unsigned = String(decoding: try WhitelistXML.render(Fixtures.document(count: 4)), as: UTF8.self)
        let template = """
            <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="xmlsec-signature">\
            <ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
            <ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>\
            <ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xmlsec-signed-properties"><ds:Transforms>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>\
            </ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>\
            <ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#xmlsec-signature">\
            <xades:SignedProperties Id="xmlsec-signed-properties"><xades:SignedSignatureProperties>\
            <xades:SigningTime>\(UTCTimestamp.format(Fixtures.now))</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest>\
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>\
            <ds:DigestValue>\(Data(SHA256.hash(data: certificateDER)).base64EncodedString())</ds:DigestValue></xades:CertDigest>\
            <xades:IssuerSerialV2>\(Data(issuerSerial).base64EncodedString())</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2>\
            </xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>
            """
        let templateFile = try files.directory.write(
            try Tamper.replacing(unsigned, "</ListeBlancheDRIM-M>", with: template + "</ListeBlancheDRIM-M>"),
            "template.xml"
        )
        let output = files.directory.url.appendingPathComponent("xmlsec-signed.xml")
        let result = try ExternalTool.run("xmlsec1", [
            "--sign", "--privkey-pem", "\(files.signerKey.path),\(files.signer.path)",
            "--id-attr:Id", "SignedProperties", "--output", output.path, templateFile.path,
        ])
        try #require(result.status == 0, "\(result.standardError)")
        let signed = Array(try Data(contentsOf: output))
        let pinned = try WhitelistVerifier(trust: .pinnedSigner(pki.signer), expectedSubject: TestPKI.defaultSignerSubject)
        let verified = try await pinned.verify(signed, at: Fixtures.now)
        #expect(verified.document.entries.count == 4)
        let anchored = try WhitelistVerifier(trust: .anchors([pki.root], intermediates: [pki.intermediate]))
        _ = try await anchored.verify(signed, at: Fixtures.now)
    }

    @Test("xmlsec1 verifies both ANS samples (control for the sample files)")
    func xmlsec1Samples() throws {
        for (list, signer) in [(Fixtures.sample2026, Fixtures.sampleSigner2026), (Fixtures.sample2024, Fixtures.sampleSigner2024)] {
            let result = try ExternalTool.run("xmlsec1", [
                "--verify", "--pubkey-cert-pem", Fixtures.samplesDirectory.appendingPathComponent(signer).path,
                "--id-attr:Id", "SignedProperties", Fixtures.samplesDirectory.appendingPathComponent(list).path,
            ])
            #expect(result.status == 0, "\(list): \(result.standardError)")
        }
    }
}
