import Foundation
import Logging
import Whitelist
import X509

/// Where the white list's signing identity comes from: PEM files named in the settings, or, for
/// the embedded default, a test PKI generated once under `<data>/pki` and marked TEST everywhere.
struct WhitelistSigningSetup: Sendable {
    var identity: SigningIdentity
    /// The root a DRIMbox should trust for lists signed by this identity (test PKI only).
    var testRoot: Certificate?
    var isTestPKI: Bool { testRoot != nil }
    /// How DRIMboxes judge this signer: the configured anchors, subject and CRLs; the test root
    /// for the test PKI; else the signer certificate alone.
    var judge: WhitelistVerifier

    /// Refuses to start with a signer that `edc-agent`, configured as the settings say, would refuse.
    func checkSigner(namespace: WhitelistNamespace, at time: Date, logger: Logger) async throws {
        do {
            try await WhitelistSigner(identity: identity, namespace: namespace).selfCheck(with: judge, at: time)
        } catch {
            throw SettingsError("refusing to start: DRIMboxes would refuse lists signed by \(identity.certificate.subject): \(error)")
        }
        if case .pinnedSigner = judge.trust {
            logger.warning("EDC_WHITELIST_TRUST_ANCHORS is not set: the signer's chain is not checked at start (only its own validity, key usage and subject)")
        }
    }

    static func judge(for identity: SigningIdentity, settings: WhitelistSettings, testRoot: Certificate?) throws -> WhitelistVerifier {
        let trust: WhitelistTrust
        if let file = settings.trustAnchorsFile {
            trust = .anchors(try PEMFiles.certificates(in: PEMFiles.read(URL(fileURLWithPath: file)), what: "EDC_WHITELIST_TRUST_ANCHORS"), intermediates: identity.intermediates)
        } else if let testRoot {
            trust = .anchors([testRoot], intermediates: identity.intermediates)
        } else {
            trust = .pinnedSigner(identity.certificate)
        }
        let crls = try settings.revocationListFiles.flatMap { path in
            try CertificateRevocationList.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))), what: path)
        }
        return try WhitelistVerifier(trust: trust, expectedSubject: settings.expectedSubject, revocationLists: crls)
    }

    static func load(settings: Settings, logger: Logger) throws -> WhitelistSigningSetup {
        if let certificate = settings.whitelist.certificateFile, let key = settings.whitelist.privateKeyFile {
            let identity = try SigningIdentity.load(
                certificateFile: URL(fileURLWithPath: certificate), privateKeyFile: URL(fileURLWithPath: key),
                intermediatesFile: settings.whitelist.intermediatesFile.map { URL(fileURLWithPath: $0) })
            logger.notice("white list signer loaded", metadata: ["subject": .string(identity.certificate.subject.description)])
            return WhitelistSigningSetup(identity: identity, testRoot: nil, judge: try judge(for: identity, settings: settings.whitelist, testRoot: nil))
        }
        let directory = URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("pki")
        let pki: TestPKI
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(TestPKI.FileName.signer).path) {
            pki = try TestPKI.load(from: directory)
        } else {
            pki = try TestPKI.generate(notValidBefore: settings.clock().addingTimeInterval(-3600))
            try pki.write(to: directory)
        }
        logger.warning("white list signed with the generated TEST PKI — not for production", metadata: ["pki": .string(directory.path)])
        return WhitelistSigningSetup(identity: pki.signingIdentity, testRoot: pki.root, judge: try judge(for: pki.signingIdentity, settings: settings.whitelist, testRoot: pki.root))
    }
}
