import ArgumentParser
import Foundation
import Whitelist
import X509

/// How a signed list is trusted: the options `verify` and `sync` share.
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("signer-cert"), help: "PEM certificate of the only accepted signer (pinning).")
    var signerCertificate: String?

    @Option(name: .customLong("trust-anchor"), help: "PEM root certificate(s) the signer must chain to. Repeatable.")
    var trustAnchors: [String] = []

    @Option(name: .customLong("intermediate"), help: "PEM intermediate certificate(s) for chain building. Repeatable.")
    var intermediates: [String] = []

    @Option(name: .customLong("expected-subject"), help: "Required signer subject DN, RFC 4514 (e.g. \"CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR\").")
    var expectedSubject: String?

    @Option(name: .customLong("crl"), help: "Certificate revocation list (DER or PEM) of a CA of the signer's chain; signature and dates are checked. Repeatable; goes with --trust-anchor.")
    var revocationLists: [String] = []

    @Option(name: .customLong("max-size"), help: "Refuse lists larger than this many bytes.")
    var maxSize: Int = WhitelistVerifier.defaultMaxSize

    func validate() throws {
        guard (signerCertificate == nil) != trustAnchors.isEmpty else {
            throw ValidationError("Give exactly one of --signer-cert or --trust-anchor.")
        }
        if signerCertificate != nil, !intermediates.isEmpty {
            throw ValidationError("--intermediate goes with --trust-anchor, not with --signer-cert.")
        }
        if signerCertificate != nil, !revocationLists.isEmpty {
            throw ValidationError("--crl goes with --trust-anchor: a CRL is checked against the chain of CAs that issued the signer.")
        }
        guard maxSize > 0 else { throw ValidationError("--max-size must be positive.") }
    }

    /// The strict verifier these options describe (reads the PEM files).
    func verifier() throws -> WhitelistVerifier {
        let trust: WhitelistTrust
        if let signerCertificate {
            trust = .pinnedSigner(try Self.certificates(signerCertificate)[0])
        } else {
            trust = .anchors(
                try trustAnchors.flatMap { try Self.certificates($0) },
                intermediates: try intermediates.flatMap { try Self.certificates($0) }
            )
        }
        let crls = try revocationLists.flatMap { path in
            try CertificateRevocationList.parse(try BoundedFileReader.read(path, limit: 64 << 20), what: path)
        }
        return try WhitelistVerifier(trust: trust, expectedSubject: expectedSubject, maxSize: maxSize, revocationLists: crls)
    }

    private static func certificates(_ path: String) throws -> [Certificate] {
        try PEMFiles.certificates(in: PEMFiles.read(URL(fileURLWithPath: path)), what: path)
    }
}
