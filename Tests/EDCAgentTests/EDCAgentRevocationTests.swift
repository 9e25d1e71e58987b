import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// `--crl`: CRLs made by `openssl ca` (an independent producer) for the test PKI's CAs.
@Suite("edc-agent --crl")
struct EDCAgentRevocationTests {
    typealias Workspace = EDCAgentVerifyTests.Workspace
    static let at = EDCAgentVerifyTests.at

    /// `openssl ca -gencrl` for one CA of a written PKI, revoking `revoking` (PEM file names).
    static func crl(
        in workspace: Workspace, name: String, caCertificate: String, caKey: String, revoking: [String] = [],
        lastUpdate: String = "20260901000000Z", nextUpdate: String = "20261001000000Z", der: Bool = false
    ) throws -> String {
        let output = workspace.path(der ? "\(name).crl" : "\(name).crl.pem").path
        try OpenSSL.crl(
            caCertificate: workspace.path(caCertificate).path, caKey: workspace.path(caKey).path, revoking: revoking.map { workspace.path($0).path },
            lastUpdate: lastUpdate, nextUpdate: nextUpdate, output: output, der: der, work: workspace.path("ca-\(name)"))
        return output
    }

    static func verify(_ workspace: Workspace, crls: [String]) throws -> ProcessRunner.Result {
        try AgentProcess.run(["verify", workspace.list, "--trust-anchor", workspace.root, "--at", at] + crls.flatMap { ["--crl", $0] })
    }

    /// The intermediate's CRL, revoking nothing, and the root's, revoking nothing.
    static func cleanCRLs(_ workspace: Workspace, der: Bool = false) throws -> [String] {
        [
            try crl(in: workspace, name: "organisations", caCertificate: TestPKI.FileName.intermediate, caKey: TestPKI.FileName.intermediateKey, der: der),
            try crl(in: workspace, name: "racine", caCertificate: TestPKI.FileName.root, caKey: TestPKI.FileName.rootKey, der: der),
        ]
    }

    @Test("current CRLs (PEM or DER) that revoke nothing in the chain leave the list valid")
    func cleanCRLsAccepted() throws {
        let workspace = try Workspace()
        for der in [false, true] {
            let result = try Self.verify(workspace, crls: try Self.cleanCRLs(workspace, der: der))
            #expect(result.status == 0, "der \(der): \(result.output)")
            #expect(result.standardOutput.hasPrefix("VALID: 3 entries"))
        }
    }

    @Test("a revoked signer is refused, naming the certificate and the CA")
    func revokedSigner() throws {
        let workspace = try Workspace()
        let crl = try Self.crl(
            in: workspace, name: "organisations", caCertificate: TestPKI.FileName.intermediate, caKey: TestPKI.FileName.intermediateKey,
            revoking: [TestPKI.FileName.signer])
        let result = try Self.verify(workspace, crls: [crl])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.standardError.hasPrefix("INVALID: the signer certificate CN=TEST Liste Blanche DRIM-M"))
        #expect(result.standardError.contains("revoked at"))
        #expect(result.standardError.contains("[signer.revoked]"))
    }

    @Test("a revoked intermediate CA is refused")
    func revokedIntermediate() throws {
        let workspace = try Workspace()
        let crl = try Self.crl(
            in: workspace, name: "racine", caCertificate: TestPKI.FileName.root, caKey: TestPKI.FileName.rootKey,
            revoking: [TestPKI.FileName.intermediate])
        let result = try Self.verify(workspace, crls: [crl])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.standardError.hasPrefix("INVALID: the CA certificate CN=TEST EDC AC ORGANISATIONS"))
        #expect(result.standardError.contains("[signer.revoked]"))
    }

    @Test("a CRL outside its dates is refused", arguments: [
        ("20260801000000Z", "20260901000000Z"),  // expired before --at
        ("20261001000000Z", "20261101000000Z"),  // not yet issued at --at
    ])
    func outdatedCRL(dates: (String, String)) throws {
        let workspace = try Workspace()
        let crl = try Self.crl(
            in: workspace, name: "organisations", caCertificate: TestPKI.FileName.intermediate, caKey: TestPKI.FileName.intermediateKey,
            lastUpdate: dates.0, nextUpdate: dates.1)
        let result = try Self.verify(workspace, crls: [crl])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.standardError.contains("[revocation.crl_outdated]"))
    }

    @Test("a CRL bearing the CA's name but signed by another key is refused")
    func forgedCRL() throws {
        let workspace = try Workspace()
        // Another PKI has the same CA names and other keys.
        let other = try TestPKI.generate(keyKind: .p256)
        let otherDirectory = workspace.path("other")
        try other.write(to: otherDirectory)
        let crl = try Self.crl(
            in: workspace, name: "forged", caCertificate: "other/\(TestPKI.FileName.intermediate)", caKey: "other/\(TestPKI.FileName.intermediateKey)")
        let result = try Self.verify(workspace, crls: [crl])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.standardError.contains("is not signed by that CA's key [revocation.crl_invalid]"))
    }

    @Test("a CRL of another PKI only is a configuration mistake, refused")
    func unrelatedCRL() throws {
        let workspace = try Workspace()
        try OpenSSL.certificate("stranger", subject: "/CN=Une autre AC/O=Ailleurs", in: workspace.directory, extensions: OpenSSL.caExtensions, days: 3650)
        let crl = try Self.crl(in: workspace, name: "stranger", caCertificate: "stranger.pem", caKey: "stranger.key")
        let result = try Self.verify(workspace, crls: [crl])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.standardError.contains("[revocation.crl_unrelated]"))
    }

    @Test("--crl with a pinned signer, or an unreadable CRL, is a usage error (exit 2)")
    func usage() throws {
        let workspace = try Workspace()
        let crls = try Self.cleanCRLs(workspace)
        let pinned = try AgentProcess.run(["verify", workspace.list, "--signer-cert", workspace.signer, "--crl", crls[0], "--at", Self.at])
        #expect(pinned.status == 2, "\(pinned.output)")
        #expect(pinned.standardError.contains("--crl goes with --trust-anchor"))
        try Data("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n".utf8).write(to: workspace.path("garbage.crl"))
        let garbage = try Self.verify(workspace, crls: [workspace.path("garbage.crl").path])
        #expect(garbage.status == 2, "\(garbage.output)")
        #expect(garbage.standardError.contains("is not a readable X.509 CRL"))
        let certificateInstead = try Self.verify(workspace, crls: [workspace.root])
        #expect(certificateInstead.status == 2, "\(certificateInstead.output)")
        #expect(certificateInstead.standardError.contains("holds no X509 CRL block"))
    }

    @Test("sync refuses a list whose signer is revoked and keeps the installed one")
    func syncRefusesRevokedSigner() throws {
        let workspace = try Workspace()
        let state = workspace.path("state").path
        let now = Date()
        let signer = WhitelistSigner(identity: EDCAgentVerifyTests.pki.signingIdentity)
        try Data(try signer.sign(WhitelistDocument(generatedAt: now, entries: []), signingTime: now)).write(to: workspace.path("list.xml"))
        let dates = (OpenSSL.date(now.addingTimeInterval(-86_400)), OpenSSL.date(now.addingTimeInterval(30 * 86_400)))
        func sync(_ crl: String) throws -> ProcessRunner.Result {
            try AgentProcess.run([
                "sync", "--once", "--url", workspace.path("list.xml").absoluteString, "--state-dir", state,
                "--trust-anchor", workspace.root, "--crl", crl,
            ])
        }
        let clean = try Self.crl(
            in: workspace, name: "clean", caCertificate: TestPKI.FileName.intermediate, caKey: TestPKI.FileName.intermediateKey,
            lastUpdate: dates.0, nextUpdate: dates.1)
        let first = try sync(clean)
        #expect(first.status == 0, "\(first.output)")
        let installed = try Data(contentsOf: workspace.path("state/liste-blanche.xml"))
        // A newer list by the same signer, once the signer is revoked.
        let later = now.addingTimeInterval(60)
        try Data(try signer.sign(WhitelistDocument(generatedAt: later, entries: []), signingTime: later)).write(to: workspace.path("list.xml"))
        let revoking = try Self.crl(
            in: workspace, name: "revoking", caCertificate: TestPKI.FileName.intermediate, caKey: TestPKI.FileName.intermediateKey,
            revoking: [TestPKI.FileName.signer], lastUpdate: dates.0, nextUpdate: dates.1)
        let second = try sync(revoking)
        #expect(second.status == 1, "\(second.output)")
        #expect(second.standardError.contains("[signer.revoked]"))
        #expect(try Data(contentsOf: workspace.path("state/liste-blanche.xml")) == installed)
    }
}
