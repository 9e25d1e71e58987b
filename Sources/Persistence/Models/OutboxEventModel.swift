import FluentKit
import Foundation

/// An event written in the same transaction as the state change it reports; consumers
/// (white list publisher, document issuer, mailer) process it after commit, at least once.
public final class OutboxEventModel: Model, @unchecked Sendable {
    public static let schema = "outbox_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "topic") public var topic: OutboxTopic
    @Field(key: "payload") public var payload: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "available_at") public var availableAt: Date
    @OptionalField(key: "processed_at") public var processedAt: Date?
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "last_error") public var lastError: String?

    public init() {}

    public init(id: UUID? = nil, topic: OutboxTopic, payload: String, at: Date) {
        self.id = id
        self.topic = topic
        self.payload = payload
        self.createdAt = at
        self.availableAt = at
        self.attempts = 0
    }
}
