import EDCDomain
import EDCTestSupport
import Foundation
import SwiftASN1
import Testing
import X509
@testable import Whitelist

/// What an operator pastes for a `db` FQDN: CSRs and certificates made here (swift-certificates
/// and the openssl CLI), accepted or refused with the expected code.
@Suite("CertificateSubmission: pasted CSRs and certificates")
struct CertificateSubmissionTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000) // 2026-09-21T14:13:20Z
    static let fqdn = try! FQDN("db1.12.mesimagesmedicales.fr")
    static let subject = "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur Côte-d'Or\\, Nord,ST=Paris (75),C=FR"
    /// Root → intermediate, like IGC-Santé's; valid from a day before `now` for ten years.
    static let pki = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))
    static let otherPKI = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))

    // MARK: - Builders

    static func csrPEM(subject: String = subject, key: SigningKey? = nil) throws -> String {
        let dn = try EDCDomain.DistinguishedName(subject)
        let request = try DRIMboxCertificateRequest.make(subject: dn, dbFQDN: fqdn, key: key ?? SigningKey.generate(.p256))
        return try DRIMboxCertificateRequest.pem(request)
    }

    /// A DRIMbox certificate issued by `pki`'s intermediate (by default valid a year, with the
    /// usages and SubjectAltName an IGC-Santé SSL_SERV certificate has).
    static func leaf(
        subject: String = subject,
        notBefore: Date = now.addingTimeInterval(-3600),
        notAfter: Date = now.addingTimeInterval(365 * 86_400),
        keyUsage: KeyUsage? = KeyUsage(digitalSignature: true),
        extendedKeyUsage: [ExtendedKeyUsage.Usage]? = [.serverAuth, .clientAuth],
        alternativeNames: [String]? = [fqdn.value],
        certificateAuthority: Bool = false,
        issuer: TestPKI = pki
    ) throws -> Certificate {
        let key = try SigningKey.generate(.p256)
        var extensions = Certificate.Extensions()
        try extensions.append(Certificate.Extension(certificateAuthority ? .isCertificateAuthority(maxPathLength: 0) : .notCertificateAuthority, critical: true))
        if let keyUsage { try extensions.append(Certificate.Extension(keyUsage, critical: true)) }
        if let extendedKeyUsage { try extensions.append(Certificate.Extension(try ExtendedKeyUsage(extendedKeyUsage), critical: false)) }
        if let alternativeNames { try extensions.append(Certificate.Extension(SubjectAlternativeNames(alternativeNames.map { .dnsName($0) }), critical: false)) }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: issuer.intermediate.subject, subject: try X509NameBridge.x509Name(subject),
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: issuer.intermediateKey.certificatePrivateKey)
    }

    static func pem(_ certificates: Certificate...) throws -> String {
        try certificates.map { try PEMFiles.pem($0) }.joined(separator: "\n")
    }

    func inspect(_ pem: String, anchors: [Certificate] = [Self.pki.root], at time: Date = Self.now) async throws(ValidationError) -> CertificateSubmission {
        try await CertificateSubmission.inspect(pem: pem, dbFQDN: Self.fqdn, trustAnchors: anchors, at: time)
    }

    func expectRefused(
        _ pem: String, _ code: String, anchors: [Certificate] = [Self.pki.root], at time: Date = Self.now,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            let accepted = try await inspect(pem, anchors: anchors, at: time)
            Issue.record("accepted (\(accepted.dn)); expected \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.userMessage.isEmpty && !error.technicalDetail.isEmpty, sourceLocation: sourceLocation)
        }
    }

    // MARK: - CSRs

    @Test("a CSR made with swift-certificates: its subject, CN first, is the DN operators type")
    func acceptedCSR() async throws {
        let result = try await inspect(try Self.csrPEM())
        #expect(result.kind == .csr)
        #expect(result.dn.value == Self.subject)
        #expect(result.notAfter == nil && result.warnings.isEmpty)
        // The DN is the one the registry would store.
        try CertificateDNRule.check(try EDCDomain.DistinguishedName(result.dn.value), dbFQDN: Self.fqdn)
    }

    @Test("a CSR made with openssl, RSA 2048 and UTF-8 subject, also under the legacy NEW CERTIFICATE REQUEST label")
    func acceptedOpenSSLCSR() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ProcessRunner.runTool("openssl", [
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.appendingPathComponent("key.pem").path,
            "-out", directory.appendingPathComponent("req.pem").path, "-utf8",
            "-subj", "/C=FR/ST=Côte-d'Or (21)/O=Clinique du Parc/OU=318751275100020/CN=db1.12.mesimagesmedicales.fr",
        ])
        #expect(result.status == 0, "\(result.output)")
        let pem = try String(contentsOf: directory.appendingPathComponent("req.pem"), encoding: .utf8)
        let expected = "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Clinique du Parc,ST=Côte-d'Or (21),C=FR"
        #expect(try await inspect(pem).dn.value == expected)
        let legacy = pem.replacingOccurrences(of: "CERTIFICATE REQUEST", with: "NEW CERTIFICATE REQUEST")
        #expect(try await inspect(legacy).dn.value == expected)
    }

    @Test("a CSR with an RSA key under 2048 bits is refused as unreadable, naming the keys accepted")
    func weakKeyCSR() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ProcessRunner.runTool("openssl", [
            "req", "-new", "-newkey", "rsa:1024", "-nodes", "-keyout", directory.appendingPathComponent("key.pem").path,
            "-out", directory.appendingPathComponent("req.pem").path, "-subj", "/C=FR/OU=318751275100020/CN=db1.12.mesimagesmedicales.fr",
        ])
        #expect(result.status == 0, "\(result.output)")
        let pem = try String(contentsOf: directory.appendingPathComponent("req.pem"), encoding: .utf8)
        do {
            _ = try await inspect(pem)
            Issue.record("a 1024-bit RSA request was accepted")
        } catch {
            #expect(error.code == "certificate.der_invalid")
            #expect(error.userMessage.contains("2048"))
        }
    }

    @Test("a CSR whose subject was altered after signing is refused (csr_signature)")
    func tamperedCSR() async throws {
        let pem = try Self.csrPEM()
        var der = try PEMDocument(pemString: pem).derBytes
        let original = Array("db1.12".utf8)
        let offset = try #require((0...(der.count - original.count)).first { Array(der[$0..<($0 + original.count)]) == original })
        der[offset + 2] = UInt8(ascii: "9") // db9.12
        let tampered = PEMDocument(type: "CERTIFICATE REQUEST", derBytes: der).pemString
        await expectRefused(tampered, "certificate.csr_signature")
    }

    @Test("a CSR whose CN is not the assigned db FQDN, or whose OU is not a structure id, is refused with the DN rule's code")
    func csrWithWrongSubject() async throws {
        await expectRefused(try Self.csrPEM(subject: "CN=vi1.12.mesimagesmedicales.fr,OU=318751275100020,C=FR"), "dn.cn_mismatch")
        await expectRefused(try Self.csrPEM(subject: "CN=db1.12.mesimagesmedicales.fr,OU=318751275100021,C=FR"), "dn.ou_invalid")
        await expectRefused(try Self.csrPEM(subject: "CN=db1.12.mesimagesmedicales.fr,C=FR"), "dn.ou_missing")
        await expectRefused(try Self.csrPEM(subject: "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,ST=Paris,C=FR"), "dn.st_format")
    }

    // MARK: - Certificates

    @Test("a certificate with its intermediate, chaining to the configured root: DN, dates, no warning")
    func acceptedCertificateWithChain() async throws {
        let leaf = try Self.leaf()
        let result = try await inspect(try Self.pem(leaf, Self.pki.intermediate))
        #expect(result.kind == .certificate)
        #expect(result.dn.value == Self.subject)
        #expect(result.notBefore == leaf.notValidBefore && result.notAfter == leaf.notValidAfter)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }

    @Test("a certificate made by openssl with its CA (the tests' stand-in for IGC-Santé) is accepted")
    func acceptedOpenSSLCertificate() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func openssl(_ arguments: [String]) throws {
            let result = try ProcessRunner.runTool("openssl", arguments)
            #expect(result.status == 0, "openssl \(arguments.prefix(2)): \(result.output)")
        }
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"),
                     "-subj", "/C=FR/O=TEST IGC/CN=TEST AC", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("db.key"), "-out", path("db.csr"), "-utf8",
                     "-subj", "/C=FR/ST=Paris (75)/O=Opérateur/OU=318751275100020/CN=db1.12.mesimagesmedicales.fr",
                     "-addext", "subjectAltName=DNS:db1.12.mesimagesmedicales.fr", "-addext", "keyUsage=critical,digitalSignature",
                     "-addext", "extendedKeyUsage=serverAuth,clientAuth"])
        try openssl(["x509", "-req", "-in", path("db.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial", "-copy_extensions", "copyall",
                     "-days", "90", "-out", path("db.pem")])
        // The CSR openssl made is accepted too, before the certificate exists.
        #expect(try await inspect(try String(contentsOfFile: path("db.csr"), encoding: .utf8)).kind == .csr)
        let anchors = try CertificateSubmission.certificates(inPEM: try String(contentsOfFile: path("ca.pem"), encoding: .utf8))
        let result = try await inspect(try String(contentsOfFile: path("db.pem"), encoding: .utf8), anchors: anchors, at: Date())
        #expect(result.dn.value == "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
    }

    @Test("expired and not-yet-valid certificates are refused")
    func validityPeriod() async throws {
        let leaf = try Self.leaf(notBefore: Self.now.addingTimeInterval(-86_000), notAfter: Self.now.addingTimeInterval(86_400))
        let pem = try Self.pem(leaf, Self.pki.intermediate)
        await expectRefused(pem, "certificate.expired", at: Self.now.addingTimeInterval(2 * 86_400))
        await expectRefused(pem, "certificate.not_yet_valid", at: Self.now.addingTimeInterval(-86_200))
        // Valid, but for one more day only: accepted with a warning.
        let soon = try await inspect(pem)
        #expect(soon.warnings.map(\.code) == ["certificate.expires_soon"])
    }

    @Test("a certificate that cannot sign (key usage) or lacks clientAuth or serverAuth (extended key usage) is refused")
    func usages() async throws {
        await expectRefused(try Self.pem(Self.leaf(keyUsage: KeyUsage(keyEncipherment: true)), Self.pki.intermediate), "certificate.key_usage")
        await expectRefused(try Self.pem(Self.leaf(extendedKeyUsage: [.serverAuth]), Self.pki.intermediate), "certificate.extended_key_usage")
        await expectRefused(try Self.pem(Self.leaf(extendedKeyUsage: [.clientAuth]), Self.pki.intermediate), "certificate.extended_key_usage")
        await expectRefused(try Self.pem(Self.leaf(extendedKeyUsage: [.any]), Self.pki.intermediate), "certificate.extended_key_usage")
        // No key usage and no extended key usage restrict nothing (OpenSSL accepts it): a warning only.
        let open = try await inspect(try Self.pem(Self.leaf(keyUsage: nil, extendedKeyUsage: nil), Self.pki.intermediate))
        #expect(open.warnings.map(\.code) == ["certificate.no_extended_key_usage"])
    }

    @Test("a certificate that does not chain to the configured roots, or comes without its intermediate, is refused")
    func chain() async throws {
        let leaf = try Self.leaf()
        await expectRefused(try Self.pem(leaf, Self.pki.intermediate), "certificate.chain", anchors: [Self.otherPKI.root])
        await expectRefused(try Self.pem(leaf), "certificate.chain")
        await expectRefused(try Self.pem(Self.leaf(issuer: Self.otherPKI), Self.otherPKI.intermediate), "certificate.chain")
        // Without configured roots the chain is not judged, and the result says so.
        let unchecked = try await inspect(try Self.pem(leaf), anchors: [])
        #expect(unchecked.warnings.map(\.code) == ["certificate.chain_not_checked"])
    }

    @Test("a certificate whose CN is not the db FQDN is refused; SubjectAltName gaps are warnings")
    func certificateSubject() async throws {
        await expectRefused(try Self.pem(Self.leaf(subject: "CN=db2.12.mesimagesmedicales.fr,OU=318751275100020,C=FR"), Self.pki.intermediate), "dn.cn_mismatch")
        let otherName = try await inspect(try Self.pem(Self.leaf(alternativeNames: ["www.example.fr"]), Self.pki.intermediate))
        #expect(otherName.warnings.map(\.code) == ["certificate.san_without_fqdn"])
        let noName = try await inspect(try Self.pem(Self.leaf(alternativeNames: nil), Self.pki.intermediate))
        #expect(noName.warnings.map(\.code) == ["certificate.san_absent"])
    }

    @Test("an intermediate CA whose extended key usage lacks clientAuth gives a warning (nginx would refuse the chain)")
    func intermediateWithoutClientAuth() async throws {
        let pki = Self.pki
        let key = try SigningKey.generate(.p256)
        let name = try X509NameBridge.x509Name("CN=TEST AC SERVEURS SEULEMENT,O=TEST,C=FR")
        let intermediate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: Self.now.addingTimeInterval(-86_400), notValidAfter: Self.now.addingTimeInterval(3 * 365 * 86_400),
            issuer: pki.root.subject, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: pki.rootKey.certificatePrivateKey)
        let issuing = TestPKI(root: pki.root, rootKey: pki.rootKey, intermediate: intermediate, intermediateKey: key, signer: pki.signer, signerKey: pki.signerKey)
        let result = try await inspect(try Self.pem(Self.leaf(issuer: issuing), intermediate))
        #expect(result.warnings.map(\.code) == ["certificate.ca_without_client_auth"])
        #expect(result.warnings.first?.message.contains("TEST AC SERVEURS SEULEMENT") == true)
    }

    @Test("a CA certificate pasted first is refused (not_leaf)")
    func authorityFirst() async throws {
        await expectRefused(try Self.pem(Self.pki.intermediate, Self.leaf()), "certificate.not_leaf")
    }

    // MARK: - Reading the PEM text

    @Test("pasted text is read leniently: CRLF, other line lengths, no final line break, text around the block")
    func lenientPEM() async throws {
        let pem = try Self.csrPEM()
        let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var rewrapped = "Voici ma demande :\r\n-----BEGIN CERTIFICATE REQUEST-----\r\n"
        var rest = Substring(base64)
        while !rest.isEmpty {
            rewrapped += rest.prefix(76) + "\r\n"
            rest = rest.dropFirst(76)
        }
        rewrapped += "-----END CERTIFICATE REQUEST-----"
        #expect(try await inspect(rewrapped).dn.value == Self.subject)
    }

    @Test("unreadable, oversized, mixed or unexpected PEM texts are refused, each with its own code")
    func readingRefusals() async throws {
        let csr = try Self.csrPEM()
        let certificate = try Self.pem(Self.leaf())
        await expectRefused("CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,C=FR", "certificate.pem_missing")
        await expectRefused("", "certificate.pem_missing")
        await expectRefused(csr + csr, "certificate.csr_multiple")
        await expectRefused(csr + certificate, "certificate.pem_mixed")
        await expectRefused("-----BEGIN CERTIFICATE REQUEST-----\nnot*base64!\n-----END CERTIFICATE REQUEST-----\n", "certificate.pem_unreadable")
        await expectRefused(String(csr.dropLast(30)), "certificate.pem_unreadable")
        await expectRefused("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate.pem_unreadable")
        await expectRefused("-----BEGIN CERTIFICATE-----\nTWVyY2kgcG91ciBsZSB0ZXN0\n-----END CERTIFICATE-----\n", "certificate.der_invalid")
        await expectRefused("-----BEGIN CERTIFICATE REQUEST-----\nTWVyY2kgcG91ciBsZSB0ZXN0\n-----END CERTIFICATE REQUEST-----\n", "certificate.der_invalid")
        let publicKey = try Self.pki.rootKey.publicKey.serializeAsPEM().pemString
        await expectRefused(publicKey, "certificate.pem_type")
        await expectRefused(csr + Self.pki.rootKey.pemRepresentation, "certificate.private_key")
        let padding = String(repeating: "# commentaire\n", count: CertificateSubmission.maximumPEMSize / 14 + 1)
        await expectRefused(padding + csr, "certificate.pem_too_large")
    }

    @Test("a private key is refused without its content appearing in the error")
    func privateKeyIsNotEchoed() async throws {
        let key = try SigningKey.generate(.p256).pemRepresentation
        do {
            _ = try await inspect(key)
            Issue.record("a private key was accepted")
        } catch {
            let body = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            #expect(error.code == "certificate.private_key")
            #expect(!error.technicalDetail.contains(body.prefix(20)) && !error.userMessage.contains(body.prefix(20)))
        }
    }

    @Test("trust anchors are read from a PEM file of certificates only")
    func anchors() throws {
        let roots = try CertificateSubmission.certificates(inPEM: try Self.pem(Self.pki.root, Self.otherPKI.root))
        #expect(roots == [Self.pki.root, Self.otherPKI.root])
        #expect(throws: ValidationError.self) { try CertificateSubmission.certificates(inPEM: "no PEM here") }
        #expect(throws: ValidationError.self) { try CertificateSubmission.certificates(inPEM: try Self.csrPEM()) }
    }

    // MARK: - The request's subject

    @Test("the subject of a DRIMbox request follows the DN rule, and values stay within X.520 bounds")
    func requestSubject() throws {
        let structure = try StructureID("318751275100020")
        let dn = try DRIMboxCertificateRequest.subject(dbFQDN: Self.fqdn, structureID: structure, organisation: "Opérateur Côte-d'Or, Nord", department: "Paris (75)")
        #expect(dn.value == Self.subject)
        let minimal = try DRIMboxCertificateRequest.subject(dbFQDN: Self.fqdn, structureID: structure)
        #expect(minimal.value == "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,C=FR")
        func code(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch let error as ValidationError { return error.code } catch { return "\(error)" }
        }
        #expect(code { _ = try DRIMboxCertificateRequest.subject(dbFQDN: Self.fqdn, structureID: structure, department: "Paris") } == "dn.st_format")
        #expect(code { _ = try DRIMboxCertificateRequest.subject(dbFQDN: Self.fqdn, structureID: structure, organisation: String(repeating: "O", count: 65)) } == "dn.value_too_long")
        #expect(code { _ = try DRIMboxCertificateRequest.subject(dbFQDN: Self.fqdn, structureID: structure, organisation: " ") } == "dn.value_blank")
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-csr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
