import ArgumentParser
import Foundation
import Whitelist

/// `edc-agent status --state-dir DIR [--json]`: what `sync` installed and how fresh it is.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the installed white list, its age, the last attempt and error, and whether it is stale.",
        discussion: "Exit codes: 0 a list is installed and current, 4 it is stale, 2 no list is installed (or the state cannot be read)."
    )

    @Option(name: .customLong("state-dir"), help: "The directory `sync` writes to.")
    var stateDirectory: String

    @Option(name: .customLong("max-age"), help: "Hours without a successful check of the source before the list is stale.")
    var maxAgeHours: Double = 48

    @Option(name: .customLong("max-signing-age"), help: "Days after its signing time before the list is stale.")
    var maxSigningAgeDays: Double = 90

    @Flag(name: .customLong("json"), help: "Print the status as JSON.")
    var json = false

    struct Status: Encodable {
        var installed: Bool
        var listSHA256: String?
        var entryCount: Int?
        var generatedAt: Date?
        var signingTime: Date?
        var installedAt: Date?
        var ageSeconds: Int?
        var lastAttempt: Date?
        var lastSuccess: Date?
        var lastError: String?
        var lastErrorAt: Date?
        var source: String?
        var stale: Bool
        var staleReasons: [String]
    }

    func run() throws {
        let directory = StateDirectory(url: URL(fileURLWithPath: stateDirectory))
        let state = directory.readState()
        let now = Date()
        let bytes = directory.installedBytes()
        // The state describes the installed file only when it names its hash.
        let installed = bytes.map { StateDirectory.sha256($0) == state.listSHA256 } ?? false
        let reasons = installed ? state.staleness(now: now, maxAge: maxAgeHours * 3600, maxSigningAge: maxSigningAgeDays * 86_400) : []
        let status = Status(
            installed: installed, listSHA256: installed ? state.listSHA256 : nil, entryCount: installed ? state.entryCount : nil,
            generatedAt: installed ? state.generatedAt : nil, signingTime: installed ? state.signingTime : nil,
            installedAt: installed ? state.installedAt : nil,
            ageSeconds: installed ? state.signingTime.map { Int(now.timeIntervalSince($0)) } : nil,
            lastAttempt: state.lastAttempt, lastSuccess: state.lastSuccess, lastError: state.lastError, lastErrorAt: state.lastErrorAt,
            source: state.source, stale: !reasons.isEmpty, staleReasons: reasons)
        if json {
            FileHandle.standardOutput.write(try StateDirectory.encoder.encode(status) + Data([0x0A]))
        } else {
            func date(_ value: Date?) -> String { value.map(UTCTimestamp.format) ?? "never" }
            print(installed ? "installed: \(status.entryCount ?? 0) entries, generated \(date(status.generatedAt)), signed \(date(status.signingTime)), sha256 \(status.listSHA256 ?? "")" : "installed: none")
            print("source: \(state.source ?? "unknown")")
            print("last attempt: \(date(state.lastAttempt)); last success: \(date(state.lastSuccess))")
            print("last error: \(state.lastError ?? "none")")
            print(reasons.isEmpty ? (installed ? "stale: no" : "stale: -") : "stale: YES — " + reasons.joined(separator: "; "))
        }
        if !installed { throw AgentExit.usageOrIO }
        if !reasons.isEmpty { throw AgentExit.stale }
    }
}

/// `edc-agent check-url URL --state-dir DIR`: before fetching from a URL a peer gave (a KOS
/// `RetrieveURL`), check that its host is the `db` FQDN of a listed DRIMbox. No network.
struct CheckURLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-url",
        abstract: "Exit 0 only when the URL's host is a listed db FQDN of the installed white list (no network).",
        discussion: "Only https:// URLs can be listed (any port). Exit codes: 0 listed, 1 not listed (or not an https:// URL with a plain host), 2 no verified list installed."
    )

    @Argument(help: "The URL to check, e.g. https://db1.12.mesimagesmedicales.fr/wado?…")
    var url: String

    @Option(name: .customLong("state-dir"), help: "The directory `sync` writes to.")
    var stateDirectory: String

    func run() throws {
        let peers = try InstalledPeers.load(stateDirectory)
        // Only https: over plain http the peer is not authenticated, so its being listed proves nothing.
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
              var host = components.host?.lowercased(), !host.isEmpty, components.user == nil, components.password == nil else {
            FileHandle.standardError.write(Data("NOT LISTED: \(url.debugDescription) is not an https:// URL with a plain host\n".utf8))
            throw AgentExit.invalid
        }
        if host.hasSuffix(".") { host.removeLast() }
        guard let peer = peers.entries.first(where: { $0.db.lowercased() == host }) else {
            FileHandle.standardError.write(Data("NOT LISTED: \(host) is not the db FQDN of a listed DRIMbox\n".utf8))
            throw AgentExit.invalid
        }
        print("LISTED: \(host) (Identifiant \(peer.identifiant), \(peer.denomination))")
    }
}
