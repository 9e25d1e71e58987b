import Foundation
import Whitelist

/// Installs the nginx maps of `sync`: each written atomically; with a test command, checked with
/// the new maps in place and put back as they were if the check fails (nginx is not reloaded in
/// between, so it never serves an unchecked map); then the reload command.
struct NginxOutput {
    var peerMap: URL?
    var hostsMap: URL?
    var testCommand: String?
    var reloadCommand: String?

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Returns the lines to report (omitted entries, the reload).
    func apply(_ entries: [WhitelistEntry], listSHA256: String) throws -> [String] {
        var report: [String] = []
        var planned: [(URL, String)] = []
        if let peerMap {
            let output = NginxMaps.peers(entries, listSHA256: listSHA256)
            planned.append((peerMap, output.text))
            report += output.omitted.map { "OMITTED from \(peerMap.lastPathComponent): \($0)" }
        }
        if let hostsMap {
            let output = NginxMaps.hosts(entries, listSHA256: listSHA256)
            planned.append((hostsMap, output.text))
            report += output.omitted.map { "OMITTED from \(hostsMap.lastPathComponent): \($0)" }
        }
        let previous = planned.map { (url, _) in (url, try? Data(contentsOf: url)) }
        for (url, text) in planned { try StateDirectory.atomicWrite(Data(text.utf8), to: url) }
        if let testCommand {
            let result = try Self.shell(testCommand)
            guard result.status == 0 else {
                for (url, data) in previous {
                    if let data { try StateDirectory.atomicWrite(data, to: url) } else { try? FileManager.default.removeItem(at: url) }
                }
                throw CommandFailed(description: "the configuration check (\(testCommand)) refused the new map(s), put back as they were: \(result.output.suffix(500))")
            }
        }
        FaultInjection.point("before-reload")
        if let reloadCommand {
            let result = try Self.shell(reloadCommand)
            guard result.status == 0 else {
                throw CommandFailed(description: "the reload command (\(reloadCommand)) failed with status \(result.status): \(result.output.suffix(500))")
            }
            report.append("RELOADED: \(reloadCommand)")
        }
        return report
    }

    static func shell(_ command: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
