import EDCDomain
import Foundation
import Persistence

/// Where rendered messages go. A transport throws `OutboxDeliveryFailure`: permanent when the
/// server refused the message for good (a 5xx reply, kept as the reason), temporary otherwise.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
    /// One line for the start-up log: where mail goes.
    var summary: String { get }
}

/// The embedded default: each message written as `<directory>/<date>-<message id>.eml`
/// (atomically; a retry of the same event rewrites the same file, so each event leaves one file).
public struct FileMailTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public var summary: String { "no SMTP server configured: messages are written as .eml files under \(directory.path)" }

    public func send(_ message: MailMessage) async throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let local = message.messageID.split(separator: "@").first.map(String.init) ?? message.messageID
            let name = "\(DateText.utc(message.date, "yyyyMMdd'T'HHmmss'Z'"))-\(local.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }).eml"
            try Data(message.rendered()).write(to: directory.appendingPathComponent(name), options: .atomic)
        } catch {
            throw OutboxDeliveryFailure("cannot write the message under \(directory.path): \(error)", permanent: false)
        }
    }
}

/// SMTP settings (`EDC_SMTP_*`).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, CaseIterable {
        case none, starttls, tls
    }
    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// PEM roots the server's certificate must chain to (default: the system's).
    public var caFile: String?
    public var timeoutSeconds = 30

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, caFile: String? = nil) {
        (self.host, self.port, self.security, self.username, self.password, self.caFile) = (host, port, security, username, password, caFile)
    }
}

/// Delivery through Debian's `msmtp` (RFC 5321 client with STARTTLS, implicit TLS, AUTH PLAIN and
/// LOGIN, certificate checks by GnuTLS), one process per message, the message on its standard
/// input. The password reaches msmtp through its environment, never its command line.
public struct MSMTPTransport: MailTransport {
    public let settings: SMTPSettings
    public let envelopeFrom: String
    public var executable = "/usr/bin/msmtp"

    public init(settings: SMTPSettings, envelopeFrom: String) {
        self.settings = settings
        self.envelopeFrom = envelopeFrom
    }

    public var summary: String { "mail sent through msmtp to \(settings.host):\(settings.port) (\(settings.security.rawValue))" }

    var arguments: [String] {
        var arguments = [
            "--host=\(settings.host)", "--port=\(settings.port)", "--from=\(envelopeFrom)",
            "--timeout=\(settings.timeoutSeconds)", "--protocol=smtp", "--domain=localhost",
        ]
        switch settings.security {
        case .none: arguments += ["--tls=off"]
        case .starttls: arguments += ["--tls=on", "--tls-starttls=on"]
        case .tls: arguments += ["--tls=on", "--tls-starttls=off"]
        }
        if settings.security != .none {
            arguments.append("--tls-trust-file=\(settings.caFile ?? "system")")
        }
        if let username = settings.username {
            arguments += ["--auth=on", "--user=\(username)", "--passwordeval=printf '%s' \"$EDC_SMTP_PASSWORD\""]
        } else {
            arguments += ["--auth=off"]
        }
        return arguments
    }

    public func send(_ message: MailMessage) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--"] + message.recipients
        var environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        if let password = settings.password { environment["EDC_SMTP_PASSWORD"] = password }
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw OutboxDeliveryFailure("cannot run \(executable): \(error)", permanent: false)
        }
        let rendered = Data(message.rendered())
        // Blocking pipe I/O on dispatch threads, not on the cooperative pool.
        let reply: Data = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                try? input.fileHandleForWriting.write(contentsOf: rendered)
                try? input.fileHandleForWriting.close()
            }
            DispatchQueue.global().async {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }
        }
        guard process.terminationStatus != 0 else { return }
        let text = String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        throw Self.failure(status: process.terminationStatus, output: text)
    }

    /// A reply of the server in 5xx refuses the message for good — except an authentication
    /// failure (exit 77), which is EDC's configuration, not the message's: retried, so that the
    /// messages go once the password is fixed.
    static func failure(status: Int32, output: String) -> OutboxDeliveryFailure {
        let serverLines = output.split(separator: "\n").filter { $0.contains("server message:") }.map { String($0).replacingOccurrences(of: "msmtp: server message: ", with: "") }
        let permanent = status != 77 && serverLines.contains { $0.first == "5" }
        let reason = serverLines.isEmpty ? "msmtp exit \(status): \(output.suffix(600))" : serverLines.joined(separator: " / ") + " (msmtp exit \(status))"
        return OutboxDeliveryFailure(reason, permanent: permanent)
    }
}
