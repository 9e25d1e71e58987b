import Crypto
import Foundation

/// The master keys of the document vault: the current one wraps the data key of every new
/// document; previous ones still unwrap the documents not yet rotated. A key's id is derived from
/// the key itself (the first 16 hex digits of its SHA-256), so nothing else needs configuring and
/// a wrong key can never be taken for the right one.
public struct DocumentKeyring: Sendable {
    public struct MasterKey: Sendable, Equatable {
        public let id: String
        let data: Data
        var key: SymmetricKey { SymmetricKey(data: data) }
        /// The key itself, for services that derive a key of their own from it (HKDF with their
        /// own label), such as the TOTP secrets' sealing.
        public var masterKey: SymmetricKey { key }

        public init(_ data: Data) throws {
            guard data.count == 32 else { throw KeyringError("a document master key is 32 bytes, got \(data.count)") }
            self.data = data
            id = String(SHA256.hash(data: data).hexString.prefix(16))
        }
    }

    public struct KeyringError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public let current: MasterKey
    public let previous: [MasterKey]

    public init(current: MasterKey, previous: [MasterKey] = []) {
        self.current = current
        self.previous = previous.filter { $0.id != current.id }
    }

    public func key(id: String) -> MasterKey? {
        current.id == id ? current : previous.first { $0.id == id }
    }

    public var ids: [String] { [current.id] + previous.map(\.id) }

    static let fileName = "document.key"
    static let previousDirectory = "document-keys-previous"

    /// The configured keys (`EDC_DOCUMENT_KEY`, `EDC_DOCUMENT_KEYS_PREVIOUS`), or the ones kept
    /// under the data directory: `document.key` (created on first start, 0600) and
    /// `document-keys-previous/*.key`.
    public static func load(configured: Data?, previous configuredPrevious: [Data] = [], dataDirectory: String) throws -> DocumentKeyring {
        if let configured {
            return DocumentKeyring(current: try MasterKey(configured), previous: try configuredPrevious.map(MasterKey.init))
        }
        let directory = URL(fileURLWithPath: dataDirectory)
        let url = directory.appendingPathComponent(fileName)
        let current: MasterKey
        if let existing = try? Data(contentsOf: url), let key = Data(base64Encoded: existing), key.count == 32 {
            current = try MasterKey(key)
        } else {
            current = try MasterKey(try write(newKey(), to: url))
        }
        let previousURL = directory.appendingPathComponent(previousDirectory)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: previousURL.path)) ?? []
        let previous = try files.filter { $0.hasSuffix(".key") }.sorted().compactMap { name -> MasterKey? in
            guard let text = try? Data(contentsOf: previousURL.appendingPathComponent(name)), let key = Data(base64Encoded: text) else { return nil }
            return try MasterKey(key)
        } + configuredPrevious.map(MasterKey.init)
        return DocumentKeyring(current: current, previous: previous)
    }

    /// Data-directory keys only: a new current key; the old one is kept as a previous key until
    /// no document needs it (`retireUnused`).
    public static func generate(dataDirectory: String) throws -> DocumentKeyring {
        let directory = URL(fileURLWithPath: dataDirectory)
        let old = try load(configured: nil, dataDirectory: dataDirectory)
        let previousURL = directory.appendingPathComponent(previousDirectory)
        try FileManager.default.createDirectory(at: previousURL, withIntermediateDirectories: true)
        _ = try write(old.current.data, to: previousURL.appendingPathComponent("\(old.current.id).key"))
        _ = try write(newKey(), to: directory.appendingPathComponent(fileName))
        return try load(configured: nil, dataDirectory: dataDirectory)
    }

    /// Deletes the previous key files under the data directory whose id is not in `stillUsed`;
    /// returns the ids deleted.
    public static func retireUnused(dataDirectory: String, stillUsed: Set<String>) throws -> [String] {
        let previousURL = URL(fileURLWithPath: dataDirectory).appendingPathComponent(previousDirectory)
        var retired: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: previousURL.path)) ?? [] where name.hasSuffix(".key") {
            let id = String(name.dropLast(4))
            if !stillUsed.contains(id) {
                try FileManager.default.removeItem(at: previousURL.appendingPathComponent(name))
                retired.append(id)
            }
        }
        return retired.sorted()
    }

    static func newKey() -> Data { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }

    private static func write(_ key: Data, to url: URL) throws -> Data {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Created 0600 before the key is written into it.
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw KeyringError("cannot create \(temporary.path)")
        }
        try Data(key.base64EncodedString().utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else { throw KeyringError("cannot write \(url.path): errno \(errno)") }
        return key
    }
}
