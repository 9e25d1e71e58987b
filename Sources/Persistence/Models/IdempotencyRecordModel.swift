import FluentKit
import Foundation

/// The stored outcome of a state-changing POST sent with an `Idempotency-Key`, replayed when the
/// same user sends the same key again.
public final class IdempotencyRecordModel: Model, @unchecked Sendable {
    public static let schema = "idempotency_records"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "key") public var key: String
    @Field(key: "request_hash") public var requestHash: String
    /// 0 while the first request is still being processed.
    @Field(key: "status") public var status: Int
    @Field(key: "content_type") public var contentType: String
    @Field(key: "body") public var body: Data
    /// The `Location` header of the stored response, if it had one.
    @OptionalField(key: "location") public var location: String?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}
