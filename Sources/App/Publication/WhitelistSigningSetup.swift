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

    static func load(settings: Settings, logger: Logger) throws -> WhitelistSigningSetup {
        if let certificate = settings.whitelist.certificateFile, let key = settings.whitelist.privateKeyFile {
            let identity = try SigningIdentity.load(
                certificateFile: URL(fileURLWithPath: certificate), privateKeyFile: URL(fileURLWithPath: key),
                intermediatesFile: settings.whitelist.intermediatesFile.map { URL(fileURLWithPath: $0) })
            logger.notice("white list signer loaded", metadata: ["subject": .string(identity.certificate.subject.description)])
            return WhitelistSigningSetup(identity: identity, testRoot: nil)
        }
        let directory = URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("pki")
        let pki: TestPKI
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(TestPKI.FileName.signer).path) {
            pki = try TestPKI.load(from: directory)
        } else {
            pki = try TestPKI.generate()
            try pki.write(to: directory)
        }
        logger.warning("white list signed with the generated TEST PKI — not for production", metadata: ["pki": .string(directory.path)])
        return WhitelistSigningSetup(identity: pki.signingIdentity, testRoot: pki.root)
    }
}
