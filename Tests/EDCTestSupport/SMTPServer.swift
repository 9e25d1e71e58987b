import EDCTestSupport
import Foundation

/// A real SMTP server for the tests: python `aiosmtpd` on 127.0.0.1 with STARTTLS required, AUTH
/// (PLAIN, LOGIN) required after TLS, one user. Each accepted message is written to `inbox/`
/// (`<n>.eml`, with the envelope in `<n>.json`); a recipient starting with `refuse` gets
/// `550 5.1.1`, one starting with `later` gets `451 4.3.0`.
public final class SMTPServer {
    public let directory: URL
    public let port: Int
    private let process: LineProcessLite

    public static let user = "edc-mailer"
    public static let password = "mot-de-passe-très-secret"

    public var inbox: URL { directory.appendingPathComponent("inbox") }
    public var certificate: String { directory.appendingPathComponent("smtp.pem").path }

    public init(directory: URL, port: Int? = nil) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("smtp.pem").path) {
            let result = try ProcessRunner.runTool("openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-keyout", directory.appendingPathComponent("smtp.key").path, "-out", directory.appendingPathComponent("smtp.pem").path,
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
            guard result.status == 0 else { throw TestFailure("openssl: \(result.output)") }
        }
        process = try LineProcessLite(["python3", "-c", Self.script, directory.path, String(port ?? 0), Self.user, Self.password])
        guard let line = try process.readLine(), let port = Int(line) else { throw TestFailure("the SMTP server did not start") }
        self.port = port
    }

    /// The messages received so far, as raw bytes, in arrival order.
    public func messages() throws -> [Data] {
        let names = try FileManager.default.contentsOfDirectory(atPath: inbox.path).filter { $0.hasSuffix(".eml") }
            .sorted { Int($0.dropLast(4))! < Int($1.dropLast(4))! }
        return try names.map { try Data(contentsOf: inbox.appendingPathComponent($0)) }
    }

    public func stop() { process.stop() }

    static let script = #"""
        import asyncio, json, os, ssl, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
        directory, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        inbox = os.path.join(directory, "inbox")
        if port == 0:
            import socket
            probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(directory, "smtp.pem"), os.path.join(directory, "smtp.key"))
        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("refuse"): return "550 5.1.1 <%s>: adresse inconnue" % address
                if address.startswith("later"): return "451 4.3.0 essayez plus tard"
                envelope.rcpt_tos.append(address); return "250 OK"
            async def handle_DATA(self, server, session, envelope):
                n = len([f for f in os.listdir(inbox) if f.endswith(".eml")]) + 1
                with open(os.path.join(inbox, "%d.json" % n), "w") as f:
                    json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "user": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None}, f)
                with open(os.path.join(inbox, "%d.eml.tmp" % n), "wb") as f: f.write(envelope.original_content)
                os.rename(os.path.join(inbox, "%d.eml.tmp" % n), os.path.join(inbox, "%d.eml" % n))
                return "250 2.0.0 Message accepted"
        def authenticator(server, session, envelope, mechanism, auth_data):
            if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
                return AuthResult(success=True, auth_data=auth_data.login)
            return AuthResult(success=False, handled=False)
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                authenticator=authenticator, auth_required=True, auth_require_tls=True)
        controller.start()
        print(port, flush=True)
        try:
            sys.stdin.read()
        finally:
            controller.stop()
        """#
}

/// A child process whose first output line the test reads, stopped by closing its input (the
/// script exits when its standard input ends) — no signal to a possibly wrapped interpreter.
public final class LineProcessLite {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    public init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    public func readLine() throws -> String? {
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
