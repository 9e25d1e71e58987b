import ArgumentParser
import Foundation
import Whitelist
import X509

/// `edc-agent verify FILE (--signer-cert PEM | --trust-anchor PEM [--intermediate PEM]...)`
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a signed white list: signature, signer, certificate validity and content.",
        discussion: """
            Trust is either a pinned signer certificate (--signer-cert) or one or more trust anchors \
            (--trust-anchor, with --intermediate certificates when KeyInfo lacks them).
            Prints one line on success (or the verified content with --json); on failure prints \
            "INVALID: <reason> [<code>]" on stderr and exits with 1.
            """
    )

    @Argument(help: "The signed list (XML). Use - for standard input.")
    var file: String

    @Option(name: .customLong("signer-cert"), help: "PEM certificate of the only accepted signer (pinning).")
    var signerCertificate: String?

    @Option(name: .customLong("trust-anchor"), help: "PEM root certificate(s) the signer must chain to. Repeatable.")
    var trustAnchors: [String] = []

    @Option(name: .customLong("intermediate"), help: "PEM intermediate certificate(s) for chain building. Repeatable.")
    var intermediates: [String] = []

    @Option(name: .customLong("expected-subject"), help: "Required signer subject DN, RFC 4514 (e.g. \"CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR\").")
    var expectedSubject: String?

    @Option(name: .customLong("at"), help: "Check certificate validity at this instant (ISO 8601, e.g. 2024-07-12T12:00:00Z). Default: now.")
    var at: String?

    @Option(name: .customLong("max-size"), help: "Refuse files larger than this many bytes.")
    var maxSize: Int = WhitelistVerifier.defaultMaxSize

    @Flag(name: .customLong("json"), help: "Print the verified content as JSON on stdout.")
    var json = false

    func validate() throws {
        guard (signerCertificate == nil) != trustAnchors.isEmpty else {
            throw ValidationError("Give exactly one of --signer-cert or --trust-anchor.")
        }
        if signerCertificate != nil, !intermediates.isEmpty {
            throw ValidationError("--intermediate goes with --trust-anchor, not with --signer-cert.")
        }
        if let at, Self.parseInstant(at) == nil {
            throw ValidationError("--at \(at.debugDescription) is not an ISO 8601 instant such as 2024-07-12T12:00:00Z.")
        }
        guard maxSize > 0 else { throw ValidationError("--max-size must be positive.") }
    }

    func run() async throws {
        let trust: WhitelistTrust
        let verifier: WhitelistVerifier
        let bytes: [UInt8]
        do {
            if let signerCertificate {
                trust = .pinnedSigner(try Self.certificates(signerCertificate)[0])
            } else {
                trust = .anchors(
                    try trustAnchors.flatMap { try Self.certificates($0) },
                    intermediates: try intermediates.flatMap { try Self.certificates($0) }
                )
            }
            verifier = try WhitelistVerifier(trust: trust, expectedSubject: expectedSubject, maxSize: maxSize)
            bytes = try BoundedFileReader.read(file, limit: maxSize)
        } catch let error as BoundedFileReader.TooLarge {
            Self.fail("the document is \(error.size) bytes, over the \(maxSize)-byte limit [document.too_large]")
        } catch {
            Self.usageOrIOError("\(error)")
        }
        let time = at.flatMap(Self.parseInstant) ?? Date()
        let verified: VerifiedWhitelist
        do {
            verified = try await verifier.verify(bytes, at: time)
        } catch {
            Self.fail(error.description)
        }
        if json {
            FileHandle.standardOutput.write(try VerifiedListJSON(verified).encoded())
        } else {
            print("VALID: \(verified.document.entries.count) entries, generated \(UTCTimestamp.format(verified.document.generatedAt)), signed \(UTCTimestamp.format(verified.signingTime)) by \(verified.signerSubject)")
        }
    }

    private static func fail(_ reason: String) -> Never {
        FileHandle.standardError.write(Data("INVALID: \(reason)\n".utf8))
        Foundation.exit(AgentExit.invalid.rawValue)
    }

    private static func usageOrIOError(_ reason: String) -> Never {
        FileHandle.standardError.write(Data("ERROR: \(reason)\n".utf8))
        Foundation.exit(AgentExit.usageOrIO.rawValue)
    }

    private static func certificates(_ path: String) throws -> [Certificate] {
        try PEMFiles.certificates(in: PEMFiles.read(URL(fileURLWithPath: path)), what: path)
    }

    static func parseInstant(_ text: String) -> Date? {
        if let date = UTCTimestamp.parse(text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
