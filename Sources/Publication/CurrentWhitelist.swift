import FluentKit
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Persistence

/// The version served at `/liste-blanche.xml`, kept in memory. Replaced only by a complete,
/// committed version; refreshed from the database at most once a second so that several
/// instances converge on the latest version.
public final class CurrentWhitelist: Sendable {
    public struct Snapshot: Sendable {
        public var seq: Int
        public var body: ByteBuffer
        public var etag: String
        public var lastModified: Date
        public var lastModifiedHeader: String
    }

    private struct State {
        var snapshot: Snapshot?
        var checkedAt: Date = .distantPast
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public var snapshot: Snapshot? { state.withLockedValue { $0.snapshot } }

    /// Installs `version` if it is newer than what is served.
    public func install(_ version: WhitelistVersionModel) {
        let snapshot = Snapshot(
            seq: version.seq, body: ByteBuffer(bytes: version.content), etag: "\"\(version.sha256.prefix(32))\"",
            lastModified: version.generatedAt, lastModifiedHeader: HTTPDate.format(version.generatedAt))
        state.withLockedValue { current in
            if (current.snapshot?.seq ?? 0) < snapshot.seq { current.snapshot = snapshot }
        }
    }

    /// The served snapshot if the database was checked for a newer one less than a second ago;
    /// nil when a check is due (then use `current(on:)`).
    public func freshSnapshot() -> Snapshot? {
        state.withLockedValue { state in
            guard let snapshot = state.snapshot, Date().timeIntervalSince(state.checkedAt) <= 1 else { return nil }
            return snapshot
        }
    }

    /// The served snapshot, after checking the database for a newer version if the last check is over a second old.
    public func current(on database: any Database) async throws -> Snapshot? {
        let (snapshot, stale) = state.withLockedValue { ($0.snapshot, Date().timeIntervalSince($0.checkedAt) > 1) }
        guard stale || snapshot == nil else { return snapshot }
        state.withLockedValue { $0.checkedAt = Date() }
        let latestSeq = try await WhitelistVersionModel.query(on: database).max(\.$seq) ?? 0
        if latestSeq > (snapshot?.seq ?? 0), let latest = try await WhitelistVersionModel.query(on: database).filter(\.$seq == latestSeq).first() {
            install(latest)
        }
        return self.snapshot
    }
}

/// RFC 9110 IMF-fixdate, for Last-Modified.
public enum HTTPDate {
    private static let formatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter
    }()
    private static let lock = NIOLock()

    public static func format(_ date: Date) -> String { lock.withLock { formatter.string(from: date) } }
    public static func parse(_ text: String) -> Date? { lock.withLock { formatter.date(from: text) } }
}
