import Foundation

/// Runs a program to completion and collects its exit status (or killing signal) and output.
/// Output goes through files, not pipes: a chatty program never blocks on a full pipe.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        /// Set when the process was killed by a signal (then `status` is -1).
        public let signal: Int32?
        public let standardOutput: String
        public let standardError: String
        /// Both streams, for messages in failed expectations.
        public var output: String { standardOutput + standardError }
    }

    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        if let input {
            let inURL = directory.appendingPathComponent("stdin")
            try input.write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        }
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let signaled = process.terminationReason == .uncaughtSignal
        return Result(
            status: signaled ? -1 : process.terminationStatus, signal: signaled ? process.terminationStatus : nil,
            standardOutput: try String(contentsOf: outURL, encoding: .utf8), standardError: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// `run` on a thread of its own, for async tests: waiting for a long program (a browser
    /// script, a server) must not hold one of the few threads every async test shares (two on a
    /// two-core machine), or the whole suite stalls behind it.
    public static func runInThread(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let thread = Thread {
                continuation.resume(with: Swift.Result { try run(executable, arguments, environment: environment, input: input) })
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// A program on the PATH (xmlsec1, python3), through `/usr/bin/env`.
    public static func runTool(_ name: String, _ arguments: [String], input: Data? = nil) throws -> Result {
        try run(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, input: input)
    }
}

/// The executables this package builds (`edc`, `edc-agent`), found next to the test binary in
/// the build products directory, or at `EDC_<NAME>_PATH` (`EDC_AGENT_PATH` for `edc-agent`).
public enum BuiltProduct {
    public struct NotFound: Error, CustomStringConvertible {
        public let name: String
        public let searched: [String]
        public var description: String { "\(name) not found next to the tests (searched \(searched)); build with `swift build --build-tests`" }
    }

    public static func url(_ name: String) throws -> URL {
        let variable = name == "edc-agent" ? "EDC_AGENT_PATH" : "EDC_\(name.uppercased())_PATH"
        if let override = ProcessInfo.processInfo.environment[variable] { return URL(fileURLWithPath: override) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        // Walk up from the test executable: `.build/<triple>/debug/X.xctest[/Contents/MacOS/X]`.
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates {
            let binary = candidate.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        throw NotFound(name: name, searched: candidates.map(\.path))
    }
}

/// `shared/` sits beside the repository, in a session and in CI alike; `EDC_SHARED_DIR` overrides.
public enum SharedSamples {
    public static let shared: URL = ProcessInfo.processInfo.environment["EDC_SHARED_DIR"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: #filePath)  // <repo>/Tests/EDCTestSupport/ProcessRunner.swift
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared")

    /// The ANS white lists signed by ANS (`shared/samples/ans-liste-blanche`).
    public static var whiteLists: URL { shared.appendingPathComponent("samples/ans-liste-blanche") }
}
