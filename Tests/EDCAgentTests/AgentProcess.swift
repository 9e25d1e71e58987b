import Foundation
import Testing

/// Runs the real `edc-agent` binary, found next to the test bundle in the build products
/// directory (or at `EDC_AGENT_PATH`).
enum AgentProcess {
    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    static func binaryURL() throws -> URL {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["EDC_AGENT_PATH"] {
            return URL(fileURLWithPath: override)
        }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
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
            let binary = candidate.appendingPathComponent("edc-agent")
            if fileManager.isExecutableFile(atPath: binary.path) { return binary }
        }
        throw AgentNotFound(searched: candidates.map(\.path))
    }

    struct AgentNotFound: Error, CustomStringConvertible {
        let searched: [String]
        var description: String { "edc-agent binary not found; searched \(searched)" }
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = arguments
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-agent-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            standardOutput: try String(contentsOf: outURL, encoding: .utf8),
            standardError: try String(contentsOf: errURL, encoding: .utf8)
        )
    }
}
