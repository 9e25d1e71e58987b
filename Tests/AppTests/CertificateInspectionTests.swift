@testable import App
import EDCDomain
import EDCTestSupport
import Foundation
import Testing
import Vapor
import VaporTesting
import Whitelist
import X509

/// `POST /api/v1/certificates/inspection` and `EDC_IGC_SANTE_ANCHORS`.
@Suite("Certificate inspection API")
struct CertificateInspectionTests {
    static let fqdn = "db1.12.mesimagesmedicales.fr"
    static let subject = "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR"

    /// An IGC-Santé stand-in (root → intermediate) whose root is written as a PEM file.
    struct Roots {
        let directory: URL
        let pki: TestPKI
        var file: String { directory.appendingPathComponent("igc-sante-roots.pem").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-igc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            pki = try TestPKI.generate(keyKind: .p256, notValidBefore: Date().addingTimeInterval(-86_400))
            try Data(PEMFiles.pem(pki.root).utf8).write(to: URL(fileURLWithPath: file))
        }

        /// The DRIMbox certificate and its intermediate, as an operator would paste them.
        func certificatePEM(notAfter: Date = Date().addingTimeInterval(365 * 86_400)) throws -> (pem: String, leaf: Certificate) {
            let key = try SigningKey.generate(.p256)
            let subject = try X509.DistinguishedName {
                CountryName("FR")
                StateOrProvinceName("Paris (75)")
                OrganizationName("Opérateur")
                OrganizationalUnitName("318751275100020")
                CommonName(CertificateInspectionTests.fqdn)
            }
            let leaf = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: notAfter,
                issuer: pki.intermediate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames([.dnsName(CertificateInspectionTests.fqdn)])
                },
                issuerPrivateKey: pki.intermediateKey.certificatePrivateKey)
            return (try PEMFiles.pem(leaf) + "\n" + PEMFiles.pem(pki.intermediate), leaf)
        }
    }

    static func csrPEM(subject: String = subject) throws -> String {
        let request = try DRIMboxCertificateRequest.make(subject: try EDCDomain.DistinguishedName(subject), dbFQDN: try FQDN(fqdn), key: try SigningKey.generate(.p256))
        return try DRIMboxCertificateRequest.pem(request)
    }

    static func body(_ pem: String, fqdn: String = fqdn) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: ["dbFQDN": fqdn, "pem": pem], options: [.sortedKeys]), as: UTF8.self)
    }

    /// The one field error of a 422.
    static func fieldError(_ response: TestingHTTPResponse) -> (field: String?, code: String?, detail: String?) {
        let error = (response.json["errors"] as? [[String: Any]])?.first ?? [:]
        return (error["field"] as? String, error["code"] as? String, error["detail"] as? String)
    }

    @Test("with IGC-Santé roots: a CSR and a certificate with its chain give the DN; refusals are 422 in French; the answers conform to the OpenAPI document")
    func inspection() async throws {
        let roots = try Roots()
        defer { try? FileManager.default.removeItem(at: roots.directory) }
        try await withTestApp({ $0.igcSanteAnchorsFile = roots.file }) { app in
            #expect(app.edc.igcSanteAnchors == [roots.pki.root])
            let world = try await World.make(app)
            var log = OpenAPITests.ExchangeLog()
            func post(_ json: String, as account: World.Account? = world.operatorA, headers: HTTPHeaders = [:]) async throws -> (method: HTTPMethod, path: String, response: TestingHTTPResponse) {
                (.POST, "/api/v1/certificates/inspection", try await app.send(.POST, "/api/v1/certificates/inspection", as: account, json: json, headers: headers))
            }

            let csr = log.record("CSR", try await post(try Self.body(try Self.csrPEM())), .ok)
            #expect(csr.json["kind"] as? String == "csr")
            #expect(csr.json["dn"] as? String == Self.subject)
            #expect(csr.json["notAfter"] == nil && (csr.json["warnings"] as? [Any])?.isEmpty == true, "\(csr.text)")

            let (pem, leaf) = try roots.certificatePEM()
            let certificate = log.record("certificate", try await post(try Self.body(pem), as: world.reviewer, headers: ["Idempotency-Key": "inspection-1"]), .ok)
            #expect(certificate.json["kind"] as? String == "certificate")
            #expect(certificate.json["dn"] as? String == Self.subject)
            let notAfter = try #require(certificate.json["notAfter"] as? String)
            #expect(ISO8601DateFormatter().date(from: notAfter).map { abs($0.timeIntervalSince(leaf.notValidAfter)) < 1 } == true, "\(notAfter)")
            #expect((certificate.json["warnings"] as? [Any])?.isEmpty == true, "\(certificate.text)")
            let replayed = log.record("certificate replayed", try await post(try Self.body(pem), as: world.reviewer, headers: ["Idempotency-Key": "inspection-1"]), .ok)
            #expect(replayed.headers.first(name: "Idempotent-Replayed") == "true")

            // Without its intermediate the certificate does not chain to the configured root.
            let leafOnly = String(pem[..<pem.range(of: "-----END CERTIFICATE-----")!.upperBound])
            let chain = log.record("no intermediate", try await post(try Self.body(leafOnly)), .unprocessableEntity)
            #expect(Self.fieldError(chain).field == "pem" && Self.fieldError(chain).code == "certificate.chain", "\(chain.text)")
            #expect(chain.json["detail"] as? String == Self.fieldError(chain).detail)
            #expect((chain.json["detail"] as? String)?.contains("IGC-Santé") == true)

            let expired = log.record("expired", try await post(try Self.body(try roots.certificatePEM(notAfter: Date().addingTimeInterval(-60)).pem)), .unprocessableEntity)
            #expect(Self.fieldError(expired).code == "certificate.expired", "\(expired.text)")
            #expect(Self.fieldError(expired).detail?.hasPrefix("Le certificat a expiré le ") == true)

            let otherCN = log.record("CN is not the FQDN", try await post(try Self.body(try Self.csrPEM(), fqdn: "db2.12.mesimagesmedicales.fr")), .unprocessableEntity)
            #expect(Self.fieldError(otherCN).field == "pem" && Self.fieldError(otherCN).code == "dn.cn_mismatch", "\(otherCN.text)")

            let notPEM = log.record("not PEM", try await post(try Self.body("CN=db1.12.mesimagesmedicales.fr")), .unprocessableEntity)
            #expect(Self.fieldError(notPEM).code == "certificate.pem_missing")

            let badFQDN = log.record("bad FQDN", try await post(try Self.body(try Self.csrPEM(), fqdn: "192.168.1.10")), .unprocessableEntity)
            #expect(Self.fieldError(badFQDN).field == "dbFQDN" && Self.fieldError(badFQDN).code == "fqdn.numeric_top_level", "\(badFQDN.text)")

            let unknown = log.record("unknown field", try await post(#"{"dbFQDN": "db1.12.mesimagesmedicales.fr", "pem": "x", "key": "y"}"#), .unprocessableEntity)
            #expect(Self.fieldError(unknown).code == "field.unknown")
            log.record("missing pem", try await post(#"{"dbFQDN": "db1.12.mesimagesmedicales.fr"}"#), .unprocessableEntity)
            log.record("no token", try await post(try Self.body(try Self.csrPEM()), as: nil), .unauthorized)

            let result = try OpenAPITests.conformance(of: log.exchanges)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test("without roots the chain is not checked, and the answer says so")
    func withoutRoots() async throws {
        let roots = try Roots()
        defer { try? FileManager.default.removeItem(at: roots.directory) }
        try await withTestApp { app in
            #expect(app.edc.igcSanteAnchors.isEmpty)
            let world = try await World.make(app)
            let leafOnly = try roots.certificatePEM().pem.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
            let response = try await app.send(.POST, "/api/v1/certificates/inspection", as: world.operatorB, json: try Self.body(leafOnly))
            #expect(response.status == .ok, "\(response.text)")
            let warnings = response.json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.map { $0["code"] as? String } == ["certificate.chain_not_checked"], "\(response.text)")
            #expect((warnings.first?["detail"] as? String)?.contains("racine IGC-Santé") == true)
        }
    }

    @Test("the web pages' entry point uses the configured roots and the service clock")
    func applicationEntryPoint() async throws {
        let roots = try Roots()
        defer { try? FileManager.default.removeItem(at: roots.directory) }
        let (pem, leaf) = try roots.certificatePEM()
        let later = leaf.notValidAfter.addingTimeInterval(60)
        try await withTestApp({ $0.igcSanteAnchorsFile = roots.file; $0.clock = { later } }) { app in
            let fqdn = try FQDN(Self.fqdn)
            do {
                _ = try await app.inspectCertificate(pem: pem, dbFQDN: fqdn)
                Issue.record("an expired certificate was accepted")
            } catch let error as ValidationError {
                #expect(error.code == "certificate.expired")
            }
        }
    }

    @Test("EDC_IGC_SANTE_ANCHORS is read from the environment; an unreadable or non-certificate file stops the start")
    func setting() async throws {
        #expect(try Settings.fromEnvironment(["EDC_IGC_SANTE_ANCHORS": "/etc/edc/igc-sante.pem"]).igcSanteAnchorsFile == "/etc/edc/igc-sante.pem")
        #expect(try Settings.fromEnvironment(["EDC_IGC_SANTE_ANCHORS": ""]).igcSanteAnchorsFile == nil)
        #expect(try Settings.fromEnvironment([:]).igcSanteAnchorsFile == nil)

        let roots = try Roots()
        defer { try? FileManager.default.removeItem(at: roots.directory) }
        let csrFile = roots.directory.appendingPathComponent("not-a-root.pem")
        try Data(try Self.csrPEM().utf8).write(to: csrFile)
        for (path, expected) in [(roots.directory.appendingPathComponent("missing.pem").path, "cannot read"), (csrFile.path, "PEM certificates only")] {
            do {
                try await withTestApp({ $0.igcSanteAnchorsFile = path }) { _ in }
                Issue.record("edc started with EDC_IGC_SANTE_ANCHORS=\(path)")
            } catch let error as DetailedError {
                #expect(error.detail.contains("EDC_IGC_SANTE_ANCHORS") && error.detail.contains(expected), "\(error.detail)")
            }
        }
    }
}
