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

    @OptionGroup var trust: TrustOptions

    @Option(name: .customLong("at"), help: "Check certificate validity at this instant (ISO 8601, e.g. 2024-07-12T12:00:00Z). Default: now.")
    var at: String?

    @Flag(name: .customLong("json"), help: "Print the verified content as JSON on stdout.")
    var json = false

    func validate() throws {
        if let at, Self.parseInstant(at) == nil {
            throw ValidationError("--at \(at.debugDescription) is not an ISO 8601 instant such as 2024-07-12T12:00:00Z.")
        }
    }

    func run() async throws {
        let maxSize = trust.maxSize
        let verifier: WhitelistVerifier
        let bytes: [UInt8]
        do {
            verifier = try trust.verifier()
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

    static func parseInstant(_ text: String) -> Date? {
        if let date = UTCTimestamp.parse(text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
