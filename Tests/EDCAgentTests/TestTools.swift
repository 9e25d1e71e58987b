import EDCDomain
import EDCTestSupport
import Foundation

/// openssl, the tests' independent producer of certificates and CRLs (stands in for IGC-Santé).
enum OpenSSL {
    static func run(_ arguments: [String]) throws {
        let result = try ProcessRunner.runTool("openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.prefix(2).joined(separator: " ")): \(result.output)") }
    }

    /// `NAME.pem` and `NAME.key` (P-256) in `directory`: self-signed when `issuer` is nil, else
    /// issued by `ISSUER.pem`/`ISSUER.key`. `extensions` are `-addext` values (copied to the certificate).
    static func certificate(_ name: String, subject: String, in directory: URL, issuer: String? = nil, extensions: [String] = [], days: Int = 2) throws {
        let path = { (file: String) in directory.appendingPathComponent(file).path }
        let added = extensions.flatMap { ["-addext", $0] }
        guard let issuer else {
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"),
                     "-out", path("\(name).pem"), "-subj", subject, "-utf8", "-days", String(days)] + added)
            return
        }
        try run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"),
                 "-subj", subject, "-utf8"] + added)
        try run(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(issuer).pem"), "-CAkey", path("\(issuer).key"), "-CAcreateserial",
                 "-copy_extensions", "copyall", "-out", path("\(name).pem"), "-days", String(days)])
    }

    static let caExtensions = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]

    /// `openssl ca -gencrl` for the CA `caCertificate`/`caKey` (paths), revoking the certificates
    /// at `revoking` (paths); the CRL is written at `output` (PEM, or DER when `der`).
    static func crl(
        caCertificate: String, caKey: String, revoking: [String] = [], lastUpdate: String, nextUpdate: String,
        output: String, der: Bool = false, work: URL
    ) throws {
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let config = work.appendingPathComponent("ca.cnf")
        try Data("[ ca ]\ndefault_ca = edc\n[ edc ]\ndatabase = \(work.path)/index.txt\ncrlnumber = \(work.path)/crlnumber\ndefault_md = sha256\n".utf8).write(to: config)
        try Data().write(to: work.appendingPathComponent("index.txt"))
        try Data("01\n".utf8).write(to: work.appendingPathComponent("crlnumber"))
        let ca = ["-config", config.path, "-keyfile", caKey, "-cert", caCertificate]
        for certificate in revoking {
            try run(["ca"] + ca + ["-revoke", certificate])
        }
        let pem = der ? output + ".pem" : output
        try run(["ca"] + ca + ["-gencrl", "-crl_lastupdate", lastUpdate, "-crl_nextupdate", nextUpdate, "-out", pem])
        if der { try run(["crl", "-in", pem, "-outform", "DER", "-out", output]) }
    }

    /// A CRL date (`YYYYMMDDHHMMSSZ`).
    static func date(_ date: Date) -> String { DateText.utc(date, "yyyyMMddHHmmss'Z'") }
}

/// A real nginx (Debian's) run by a test: `daemon off` in its configuration, so that the master is
/// a child of the test and stops with it.
final class NginxProcess {
    let prefix: URL
    let conf: URL
    private var master: Process?

    init(prefix: URL, conf: URL) {
        self.prefix = prefix
        self.conf = conf
    }

    /// The command line, for `--nginx-test-command` ("… -t") and `--reload-command` ("… -s reload").
    var command: String { "/usr/sbin/nginx -p \(prefix.path) -c \(conf.path)" }

    func test() throws -> ProcessRunner.Result {
        try ProcessRunner.run(URL(fileURLWithPath: "/usr/sbin/nginx"), ["-p", prefix.path, "-c", conf.path, "-t"])
    }

    /// Starts the master and waits (bounded, 10 s) until `ready` says it serves.
    func start(until ready: () throws -> Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", prefix.path, "-c", conf.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        master = process
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline, try !ready() { Thread.sleep(forTimeInterval: 0.05) }
        guard process.isRunning else {
            throw TestFailure("nginx did not start: \((try? String(contentsOf: prefix.appendingPathComponent("error.log"), encoding: .utf8)) ?? "")")
        }
    }

    func stop() {
        guard let master else { return }
        kill(master.processIdentifier, SIGTERM)
        master.waitUntilExit()
        self.master = nil
    }
}

/// A child process the test talks to line by line (its standard input and output are pipes).
final class LineProcess {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// The next line of standard output, or nil at its end.
    func readLine() throws -> String? {
        var line = Data()
        while true {
            guard let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty else {
                return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
            }
            if byte == Data("\n".utf8) { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// Reads lines until one satisfies `wanted` (nil when the output ends first).
    func readLine(where wanted: (String) -> Bool) throws -> String? {
        while let line = try readLine() {
            if wanted(line) { return line }
        }
        return nil
    }

    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
