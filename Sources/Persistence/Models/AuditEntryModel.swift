import FluentKit
import Foundation

/// One entry of the hash-chained audit log: `hash = SHA-256(previous hash ‖ canonical entry)`.
public final class AuditEntryModel: Model, @unchecked Sendable {
    public static let schema = "audit_entries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "seq") public var seq: Int
    @Field(key: "at") public var at: Date
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "actor_role") public var actorRole: String
    @Field(key: "action") public var action: AuditAction
    @Field(key: "entity_type") public var entityType: String
    @Field(key: "entity_id") public var entityID: String
    @Field(key: "data") public var data: String
    @Field(key: "previous_hash") public var previousHash: String
    @Field(key: "hash") public var hash: String

    public init() {}
}

/// The single row that names the last audit entry: lets a verifier notice a truncated tail,
/// and serialises appends on PostgreSQL (`SELECT … FOR UPDATE`).
public final class AuditHeadModel: Model, @unchecked Sendable {
    public static let schema = "audit_head"

    @ID(custom: "id", generatedBy: .user) public var id: Int?
    @Field(key: "seq") public var seq: Int
    @Field(key: "hash") public var hash: String

    public init() {}

    public init(id: Int, seq: Int, hash: String) {
        self.id = id
        self.seq = seq
        self.hash = hash
    }
}
