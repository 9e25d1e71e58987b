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
    /// The worker instance holding the event, until `leaseUntil` (see `OutboxWorker`).
    @OptionalField(key: "claimed_by") public var claimedBy: String?
    @OptionalField(key: "lease_until") public var leaseUntil: Date?
    /// Set when the event kept failing (or failed for good): a dead letter, retried only by hand.
    @OptionalField(key: "dead_at") public var deadAt: Date?
    @OptionalField(key: "last_attempt_at") public var lastAttemptAt: Date?

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
