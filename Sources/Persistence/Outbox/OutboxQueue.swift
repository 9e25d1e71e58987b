import FluentKit
import Foundation

/// Reading and acknowledging outbox events (consumers run after the writing transaction commits).
public enum OutboxQueue {
    /// Unprocessed events of `topic`, oldest first.
    public static func pending(_ topic: OutboxTopic, limit: Int = 10_000, on database: any Database) async throws -> [OutboxEventModel] {
        try await OutboxEventModel.query(on: database)
            .filter(\.$topic == topic)
            .filter(\.$processedAt == nil)
            .sort(\.$createdAt)
            .limit(limit)
            .all()
    }

    public static func markProcessed(_ ids: [UUID], at date: Date, on database: any Database) async throws {
        guard !ids.isEmpty else { return }
        try await OutboxEventModel.query(on: database).filter(\.$id ~~ ids).set(\.$processedAt, to: date).update()
    }
}
