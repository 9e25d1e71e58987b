import FluentKit
import Foundation
import Persistence

/// Whether the served white list follows the registry: the one measure behind the readiness
/// check, the `/metrics` gauges and what ANS sees. A registry change still unpublished after
/// `maximumLag` means publication is failing or stuck: DRIMboxes would go on trusting a peer
/// that ANS has excluded.
public struct PublicationHealth: Sendable, Equatable {
    /// The newest published version, if any.
    public var servedVersion: Int?
    /// When the served version was generated.
    public var servedGeneratedAt: Date?
    /// Seconds since the oldest registry change that no published version includes yet (0 when
    /// every change is published). Before any version exists, counted from the process start.
    public var lagSeconds: Double
    public var maximumLagSeconds: Double

    public var isUp: Bool { lagSeconds <= maximumLagSeconds }

    public static func measure(on database: any Database, now: Date = Date(), startedAt: Date, maximumLag: TimeInterval) async throws -> PublicationHealth {
        let latest = try await WhitelistVersionModel.query(on: database)
            .field(\.$id).field(\.$seq).field(\.$generatedAt)
            .sort(\.$seq, .descending).first()
        let oldestPending = try await OutboxEventModel.query(on: database)
            .filter(\.$topic == .registryChanged)
            .filter(\.$processedAt == nil)
            .sort(\.$createdAt).field(\.$id).field(\.$createdAt).first()
        var since = oldestPending?.createdAt
        if latest == nil { since = min(since ?? startedAt, startedAt) }
        return PublicationHealth(
            servedVersion: latest?.seq, servedGeneratedAt: latest?.generatedAt,
            lagSeconds: since.map { max(0, now.timeIntervalSince($0)) } ?? 0, maximumLagSeconds: maximumLag)
    }

    /// Age of the served version, in whole seconds.
    public func servedAgeSeconds(now: Date = Date()) -> Int? {
        servedGeneratedAt.map { Int(max(0, now.timeIntervalSince($0))) }
    }
}
