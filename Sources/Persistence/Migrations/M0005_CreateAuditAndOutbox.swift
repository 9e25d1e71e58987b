import FluentKit
import FluentSQL

struct M0005_CreateAuditAndOutbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditEntryModel.schema)
            .id()
            .field("seq", .int, .required)
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("actor_role", .string, .required)
            .field("action", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .string, .required)
            .field("data", .string, .required)
            .field("previous_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "seq")
            .create()
        try await database.schema(AuditHeadModel.schema)
            .field("id", .int, .identifier(auto: false))
            .field("seq", .int, .required)
            .field("hash", .string, .required)
            .create()
        try await AuditHeadModel(id: 1, seq: 0, hash: AuditLog.genesisHash).create(on: database)
        try await database.schema(OutboxEventModel.schema)
            .id()
            .field("topic", .string, .required)
            .field("payload", .string, .required)
            .field("created_at", .datetime, .required)
            .field("available_at", .datetime, .required)
            .field("processed_at", .datetime)
            .field("attempts", .int, .required)
            .field("last_error", .string)
            .create()
        try await database.schema(IdempotencyRecordModel.schema)
            .id()
            .field("user_id", .uuid, .required)
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("status", .int, .required)
            .field("content_type", .string, .required)
            .field("body", .data, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "key")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "outbox_pending_idx").on(OutboxEventModel.schema)
                .column("processed_at").column("available_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyRecordModel.schema).delete()
        try await database.schema(OutboxEventModel.schema).delete()
        try await database.schema(AuditHeadModel.schema).delete()
        try await database.schema(AuditEntryModel.schema).delete()
    }
}
