import EDCTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The pages as a person's browser shows them: `scripts/web/accessibility.py` drives headless
/// Chromium (Debian's chromium and chromium-driver, python selenium) through a real
/// `edc serve --demo`, as the anonymous visitor and each demo account, and fails on any axe-core
/// WCAG 2.1 A/AA violation, Nu HTML checker error, content security policy violation, JavaScript
/// error, broken link, page without `lang="fr"`, a title of its own or a single `<h1>`, or a mobile
/// menu that does not open. Screenshots and the report stay in `.build/test-artifacts/web/`.
@Suite("Web pages in a real browser: accessibility, HTML validity, content security policy")
struct BrowserAccessibilityTests {
    static let repository = URL(fileURLWithPath: #filePath)  // <repo>/Tests/AppTests/Web/BrowserAccessibilityTests.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let artifacts = repository.appendingPathComponent(".build/test-artifacts/web")

    @Test("every page the demo accounts reach passes axe-core, the Nu HTML checker and the page CSP in headless Chromium",
          .timeLimit(.minutes(10)))
    func demoPages() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("edc-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try DemoServer(data: data)
        defer { server.stop() }
        try await server.waitUntilReady()

        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        print("browser accessibility: report and screenshots in \(Self.artifacts.path)")
        let result = try await ProcessRunner.runInThread(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", Self.repository.appendingPathComponent("scripts/web/accessibility.py").path, server.baseURL, Self.artifacts.path,
        ])
        let output = result.output
        for line in output.split(separator: "\n") where line.hasPrefix("accessibility: ") || line.hasPrefix("pages linked to") || line.hasPrefix("--pending") {
            print(line)
        }
        #expect(result.status == 0, "scripts/web/accessibility.py failed (exit \(result.status)); report: \(Self.artifacts.path)/report.txt\n\(output)\n--- edc serve log ---\n\(server.log())")
        #expect(output.contains("accessibility: "), "no summary line:\n\(output)")
    }
}

/// `edc serve --demo` on a free loopback port with its own data directory, stopped with SIGTERM.
final class DemoServer {
    let process = Process()
    let port: Int
    let logFile: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(data: URL) throws {
        port = try freeLoopbackPort()
        logFile = data.appendingPathComponent("edc.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.executableURL = try BuiltProduct.url("edc")
        process.arguments = ["serve", "--data-dir", data.appendingPathComponent("data").path, "--demo", "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["EDC_LOG_LEVEL"] = "warning"
        environment["DATABASE_URL"] = nil
        environment["EDC_SIGNIN_FAILURE_DELAY_MS"] = "0"
        environment["EDC_PASSWORD_COST"] = "4"  // the demo's accounts are made and signed in faster; pages do not depend on it
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Polls `/q/health/ready` (at most 300 attempts, each waiting at most 2 s for its answer);
    /// fails at once if the server exits.
    func waitUntilReady() async throws {
        let url = URL(string: "\(baseURL)/q/health/ready")!
        for _ in 0..<300 {
            guard process.isRunning else { throw ServerFailed(message: "edc serve exited with \(process.terminationStatus):\n\(log())") }
            var request = URLRequest(url: url)
            request.timeoutInterval = 2
            if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerFailed(message: "edc serve was not ready after 300 attempts:\n\(log())")
    }

    func log() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    struct ServerFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// An unused TCP port on 127.0.0.1.
private func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw DemoServer.ServerFailed(message: "socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw DemoServer.ServerFailed(message: "bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
