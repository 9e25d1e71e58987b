import ArgumentParser
import Foundation
import Whitelist

/// `edc-agent sync --url URL --state-dir DIR (trust options) (--once | --interval SECONDS)`
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Download the white list, verify it strictly, refuse rollbacks, and install it atomically.",
        discussion: """
            Installs DIR/liste-blanche.xml (the signed file, byte for byte), DIR/peers.json (its \
            verified entries) and DIR/state.json. On any failure the last good list stays in place.
            Exit codes (--once): 0 the installed list is current; 1 the downloaded list was refused \
            (invalid, untrusted, rollback, same dates with other content, too large); 2 usage or local \
            I/O error; 3 the source is unreachable; 4 the installed list is stale (no successful check \
            of the source for --max-age hours, or signed more than --max-signing-age days ago). \
            A refusal (1) is reported before staleness (4), staleness before unreachability (3).
            """
    )

    @Option(name: .customLong("url"), help: "The signed list: https://, http:// or file:// URL.")
    var url: String

    @OptionGroup var trust: TrustOptions

    @Option(name: .customLong("state-dir"), help: "Directory of the installed list, peers.json and state.json.")
    var stateDirectory: String

    @Flag(name: .customLong("once"), help: "Check once and exit with the outcome's code.")
    var once = false

    @Option(name: .customLong("interval"), help: "Check every SECONDS (±10% jitter), forever.")
    var interval: Double?

    @Option(name: .customLong("max-age"), help: "Hours without a successful check of the source before the list is reported stale.")
    var maxAgeHours: Double = 48

    @Option(name: .customLong("max-signing-age"), help: "Days after its signing time before an installed list is reported stale.")
    var maxSigningAgeDays: Double = 90

    @Option(name: .customLong("timeout"), help: "Seconds allowed for one download.")
    var timeout: Double = 60

    @Option(name: .customLong("nginx-map"), help: "Write the body of an nginx map on $ssl_client_s_dn (listed DN → Identifiant) to FILE.")
    var nginxMap: String?

    @Option(name: .customLong("nginx-hosts"), help: "Write the body of an nginx map of the listed db FQDNs (FQDN → Identifiant) to FILE.")
    var nginxHosts: String?

    @Option(name: .customLong("nginx-test-command"), help: "Shell command that checks the configuration with the new map(s) (e.g. \"nginx -t\"); on failure the previous map(s) are put back.")
    var nginxTestCommand: String?

    @Option(name: .customLong("reload-command"), help: "Shell command run after new map(s) are installed (e.g. \"nginx -s reload\").")
    var reloadCommand: String?

    func validate() throws {
        guard ListSource.parse(url) != nil else {
            throw ValidationError("--url \(url.debugDescription) is not an https://, http:// or file:// URL.")
        }
        guard once != (interval != nil) else { throw ValidationError("Give exactly one of --once or --interval.") }
        if let interval, !(interval >= 1) { throw ValidationError("--interval must be at least 1 second.") }
        if nginxMap == nil, nginxHosts == nil, nginxTestCommand != nil || reloadCommand != nil {
            throw ValidationError("--nginx-test-command and --reload-command go with --nginx-map or --nginx-hosts.")
        }
        guard maxAgeHours >= 0, maxSigningAgeDays >= 0, timeout > 0 else {
            throw ValidationError("--max-age, --max-signing-age and --timeout must be positive.")
        }
    }

    func run() async throws {
        let verifier: WhitelistVerifier
        do {
            verifier = try trust.verifier()
        } catch {
            FileHandle.standardError.write(Data("ERROR: \(error)\n".utf8))
            throw AgentExit.usageOrIO
        }
        var syncer = Syncer(
            source: ListSource(url: ListSource.parse(url)!, maxSize: trust.maxSize, timeout: timeout),
            directory: StateDirectory(url: URL(fileURLWithPath: stateDirectory)),
            verifier: verifier,
            maxAge: maxAgeHours * 3600, maxSigningAge: maxSigningAgeDays * 86_400,
            nginx: nginxMap == nil && nginxHosts == nil ? nil : NginxOutput(
                peerMap: nginxMap.map { URL(fileURLWithPath: $0) }, hostsMap: nginxHosts.map { URL(fileURLWithPath: $0) },
                testCommand: nginxTestCommand, reloadCommand: reloadCommand))
        if let interval {
            while true {
                // CRLs and anchors are files that change (a CRL is renewed every few days): read them again each time.
                do {
                    syncer.verifier = try trust.verifier()
                } catch {
                    FileHandle.standardError.write(Data("\(UTCTimestamp.format(Date())) ERROR: trust options unreadable, keeping the previous ones: \(error)\n".utf8))
                }
                _ = await syncer.runOnce()
                let jittered = interval * Double.random(in: 0.9...1.1)
                try await Task.sleep(nanoseconds: UInt64(jittered * 1_000_000_000))
            }
        }
        let code = await syncer.runOnce()
        if code != AgentExit.valid { throw code }
    }
}

/// One check of the source, and what it leaves in the state directory.
struct Syncer {
    let source: ListSource
    let directory: StateDirectory
    var verifier: WhitelistVerifier
    let maxAge: TimeInterval
    let maxSigningAge: TimeInterval
    var nginx: NginxOutput?
    var clock: () -> Date = { Date() }

    /// The ordering of published lists: generation date, then signing time (ANS signs weeks after
    /// generating, and several published versions share one generation date).
    struct Position: Comparable {
        var generatedAt: Date
        var signingTime: Date
        static func < (a: Position, b: Position) -> Bool {
            (a.generatedAt, a.signingTime) < (b.generatedAt, b.signingTime)
        }
    }

    func runOnce() async -> ExitCode {
        do {
            try directory.create()
        } catch {
            return report(AgentExit.usageOrIO, "ERROR: cannot create \(directory.url.path): \(error)")
        }
        var state = directory.readState()
        let now = clock()
        state.source = source.url.absoluteString
        state.lastAttempt = now

        // The installed list is what the DRIMbox enforces: its position comes from the file itself
        // (state.json is trusted only when it names that very file).
        // Verifying a 10,000-entry list is not free: the installed one is verified at most once per run.
        var installedVerified: VerifiedWhitelist?
        func verifiedInstalled(_ bytes: [UInt8]) async -> VerifiedWhitelist? {
            if installedVerified == nil { installedVerified = try? await verifier.verify(bytes, at: now) }
            return installedVerified
        }
        var installed: Position?
        if let bytes = directory.installedBytes() {
            let sha = StateDirectory.sha256(bytes)
            if state.listSHA256 == sha, let generatedAt = state.generatedAt, let signingTime = state.signingTime {
                installed = Position(generatedAt: generatedAt, signingTime: signingTime)
            } else if let verified = await verifiedInstalled(bytes) {
                // A run stopped between installing the list and writing the state: complete it.
                installed = Position(generatedAt: verified.document.generatedAt, signingTime: verified.signingTime)
                record(verified, sha: sha, in: &state)
                state.etag = nil
                state.lastModified = nil
            }
            if installed != nil, (try? directory.readPeers().listSHA256) != sha, let verified = await verifiedInstalled(bytes) {
                try? directory.repairPeers(bytes, verified: verified)
            }
        }

        var outcome: ExitCode = .init(0)
        var message: String
        do {
            FaultInjection.point("before-download")
            let fetched = try await source.fetch(etag: installed == nil ? nil : state.etag, lastModified: installed == nil ? nil : state.lastModified)
            switch fetched {
            case .notModified:
                state.lastSuccess = now
                state.lastError = nil
                message = "CURRENT: not modified since the installed list (generated \(format(state.generatedAt)), signed \(format(state.signingTime)))"
            case .downloaded(let bytes, let etag, let lastModified):
                FaultInjection.point("after-download")
                let verified = try await verifier.verify(bytes, at: now)
                let position = Position(generatedAt: verified.document.generatedAt, signingTime: verified.signingTime)
                let sha = StateDirectory.sha256(bytes)
                if let installed, position < installed {
                    throw Refusal(code: "sync.rollback", reason: "the downloaded list (generated \(format(position.generatedAt)), signed \(format(position.signingTime))) is older than the installed one (generated \(format(installed.generatedAt)), signed \(format(installed.signingTime)))")
                }
                if let installed, position == installed {
                    guard sha == state.listSHA256 else {
                        throw Refusal(code: "sync.conflicting_content", reason: "the downloaded list has the installed list's dates (generated \(format(position.generatedAt)), signed \(format(position.signingTime))) but other content: two lists signed at the same instant must not differ — alert the publisher")
                    }
                    message = "CURRENT: the installed list is the published one (\(verified.document.entries.count) entries, generated \(format(position.generatedAt)), signed \(format(position.signingTime)))"
                } else {
                    try directory.install(bytes, verified: verified)
                    FaultInjection.point("after-rename")
                    installedVerified = verified
                    record(verified, sha: sha, in: &state)
                    state.installedAt = now
                    message = "INSTALLED: \(verified.document.entries.count) entries, generated \(format(position.generatedAt)), signed \(format(position.signingTime)) by \(verified.signerSubject) (sha256 \(sha))"
                }
                state.etag = etag
                state.lastModified = lastModified
                state.lastSuccess = now
                state.lastError = nil
            }
        } catch let error as ListSource.Unreachable {
            outcome = AgentExit.unreachable
            message = "UNREACHABLE: \(error.description)"
        } catch let error as ListSource.TooLarge {
            outcome = AgentExit.invalid
            message = "REFUSED: \(error.description)"
        } catch let error as Refusal {
            outcome = AgentExit.invalid
            message = "REFUSED: \(error.reason) [\(error.code)]"
        } catch let error as WhitelistVerificationError {
            outcome = AgentExit.invalid
            message = "REFUSED: \(error.description)"
        } catch {
            outcome = AgentExit.usageOrIO
            message = "ERROR: \(error)"
        }
        // The maps follow the installed list (whatever this run's outcome): rewritten, checked and
        // reloaded until a reload succeeds for the installed list's hash.
        var mapError: String?
        if let nginx, let sha = state.listSHA256, state.nginxFor != sha, let bytes = directory.installedBytes(), StateDirectory.sha256(bytes) == sha {
            do {
                guard let verified = await verifiedInstalled(bytes) else { throw SyncFileError("the installed list no longer verifies") }
                for line in try nginx.apply(verified.document.entries, listSHA256: sha) { _ = report(AgentExit.valid, line) }
                state.nginxFor = sha
            } catch {
                mapError = "ERROR: nginx maps not updated: \(error)"
            }
        }
        if outcome != AgentExit.valid {
            state.lastError = message
            state.lastErrorAt = now
        }

        // Staleness: a freeze (the source keeps failing, or keeps serving an old list) must be seen.
        let staleness = state.listSHA256 == nil ? [] : state.staleness(now: now, maxAge: maxAge, maxSigningAge: maxSigningAge)
        do {
            try directory.writeState(state)
        } catch {
            return report(AgentExit.usageOrIO, "ERROR: cannot write \(directory.stateURL.path): \(error)")
        }
        _ = report(outcome, message)
        if let mapError {
            state.lastError = mapError
            state.lastErrorAt = now
            try? directory.writeState(state)
            return report(AgentExit.usageOrIO, mapError)
        }
        if !staleness.isEmpty, outcome != AgentExit.invalid {
            return report(AgentExit.stale, "STALE: " + staleness.joined(separator: "; "))
        }
        return outcome
    }

    private func record(_ verified: VerifiedWhitelist, sha: String, in state: inout StateDirectory.State) {
        state.listSHA256 = sha
        state.generatedAt = verified.document.generatedAt
        state.signingTime = verified.signingTime
        state.entryCount = verified.document.entries.count
    }

    private func report(_ code: ExitCode, _ line: String) -> ExitCode {
        let stream = code == AgentExit.valid ? FileHandle.standardOutput : FileHandle.standardError
        stream.write(Data("\(UTCTimestamp.format(clock())) \(line)\n".utf8))
        return code
    }

    private func format(_ date: Date?) -> String { date.map(UTCTimestamp.format) ?? "never" }

    struct Refusal: Error {
        var code: String
        var reason: String
    }
}
