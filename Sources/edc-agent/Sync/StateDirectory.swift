import Crypto
import Foundation
import Whitelist
#if canImport(Glibc)
import Glibc
#endif

/// What `sync` keeps in its state directory:
/// - `liste-blanche.xml`: the last list that verified, byte for byte (what the DRIMbox enforces);
/// - `peers.json`: its verified entries, in the JSON of `verify --json`, plus the SHA-256 of the
///   list it was derived from;
/// - `state.json`: the installed list's hash and signed dates, the last attempt, the last
///   successful check of the source, the last error, and the HTTP validators.
/// Every file is replaced atomically (write to a temporary file, fsync, rename, fsync the
/// directory): a reader sees the old file or the new one, never a part.
struct StateDirectory {
    static let listName = "liste-blanche.xml"
    static let peersName = "peers.json"
    static let stateName = "state.json"

    let url: URL

    var listURL: URL { url.appendingPathComponent(Self.listName) }
    var peersURL: URL { url.appendingPathComponent(Self.peersName) }
    var stateURL: URL { url.appendingPathComponent(Self.stateName) }

    struct State: Codable, Equatable {
        var source: String?
        var listSHA256: String?
        var generatedAt: Date?
        var signingTime: Date?
        var entryCount: Int?
        var installedAt: Date?
        var lastAttempt: Date?
        /// Last time the source answered with the installed list or a newer one (or 304).
        var lastSuccess: Date?
        var lastError: String?
        var lastErrorAt: Date?
        var etag: String?
        var lastModified: String?
        /// The list whose nginx maps were last installed, checked and reloaded.
        var nginxFor: String?
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Creates the directory, and removes temporary files a killed run left behind.
    func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    func readState() -> State {
        guard let data = try? Data(contentsOf: stateURL), let state = try? Self.decoder.decode(State.self, from: data) else { return State() }
        return state
    }

    func writeState(_ state: State) throws {
        try Self.atomicWrite(try Self.encoder.encode(state) + Data([0x0A]), to: stateURL)
    }

    func installedBytes() -> [UInt8]? {
        guard let data = try? Data(contentsOf: listURL) else { return nil }
        return Array(data)
    }

    func readPeers() throws -> VerifiedListJSON {
        try Self.decoder.decode(VerifiedListJSON.self, from: try Data(contentsOf: peersURL))
    }

    /// Installs a verified list: both files are written and synced before either is renamed, the
    /// list first; `peers.json` names the list it comes from, so a crash between the two renames
    /// is seen (and repaired) by the next run.
    func install(_ bytes: [UInt8], verified: VerifiedWhitelist) throws {
        let sha = Self.sha256(bytes)
        let peers = try VerifiedListJSON(verified, listSHA256: sha).encoded()
        let listTemporary = try Self.writeTemporary(Data(bytes), for: listURL)
        let peersTemporary = try Self.writeTemporary(peers, for: peersURL)
        FaultInjection.point("before-rename")
        try Self.rename(listTemporary, to: listURL)
        FaultInjection.point("between-renames")
        try Self.rename(peersTemporary, to: peersURL)
        Self.syncDirectory(url)
    }

    /// Rewrites `peers.json` from the installed list when it does not name that list.
    func repairPeers(_ bytes: [UInt8], verified: VerifiedWhitelist) throws {
        let sha = Self.sha256(bytes)
        if (try? readPeers().listSHA256) == sha { return }
        try Self.atomicWrite(try VerifiedListJSON(verified, listSHA256: sha).encoded(), to: peersURL)
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Atomic files

    static func atomicWrite(_ data: Data, to target: URL) throws {
        let temporary = try writeTemporary(data, for: target)
        try rename(temporary, to: target)
        syncDirectory(target.deletingLastPathComponent())
    }

    private static func writeTemporary(_ data: Data, for target: URL) throws -> URL {
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SyncFileError("cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var offset = 0
        try data.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SyncFileError("cannot write \(temporary.path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw SyncFileError("cannot sync \(temporary.path): \(String(cString: strerror(errno)))") }
        return temporary
    }

    private static func rename(_ from: URL, to target: URL) throws {
        guard Glibc.rename(from.path, target.path) == 0 else {
            throw SyncFileError("cannot rename \(from.path) to \(target.path): \(String(cString: strerror(errno)))")
        }
    }

    private static func syncDirectory(_ directory: URL) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

struct SyncFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension StateDirectory.State {
    /// Why the installed list is stale (empty when it is not): no successful check of the source
    /// within `maxAge` (a freeze attack or a dead publisher), or a signature older than
    /// `maxSigningAge`. `sync` and `status` both ask here.
    func staleness(now: Date, maxAge: TimeInterval, maxSigningAge: TimeInterval) -> [String] {
        var reasons: [String] = []
        if let success = lastSuccess, now.timeIntervalSince(success) <= maxAge {} else {
            reasons.append("no successful check of the source since \(lastSuccess.map(UTCTimestamp.format) ?? "never") (limit \(Int(maxAge / 3600)) h)")
        }
        if let signed = signingTime, now.timeIntervalSince(signed) > maxSigningAge {
            reasons.append("the installed list was signed \(UTCTimestamp.format(signed)), more than \(Int(maxSigningAge / 86_400)) days ago")
        }
        return reasons
    }
}

/// Named points where a test can have `sync` killed (`EDC_AGENT_FAULT_KILL_AT=<point>`), to prove
/// that a kill anywhere leaves a complete, verified list. Does nothing unless that variable is set.
enum FaultInjection {
    static let killPoint = ProcessInfo.processInfo.environment["EDC_AGENT_FAULT_KILL_AT"]

    static func point(_ name: String) {
        guard killPoint == name else { return }
        FileHandle.standardError.write(Data("fault injection: SIGKILL at \(name)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
