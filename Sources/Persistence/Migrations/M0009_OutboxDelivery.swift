import FluentKit
import SQLKit

/// Delivery state of outbox events for the supervised worker: who holds an event and until when
/// (a crashed holder's lease expires and another instance takes it over), and the dead-letter
/// state of an event that kept failing.
struct M0009_OutboxDelivery: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds columns one at a time.
        try await database.schema(OutboxEventModel.schema).field("claimed_by", .string).update()
        try await database.schema(OutboxEventModel.schema).field("lease_until", .datetime).update()
        try await database.schema(OutboxEventModel.schema).field("dead_at", .datetime).update()
        try await database.schema(OutboxEventModel.schema).field("last_attempt_at", .datetime).update()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "outbox_due_idx").on(OutboxEventModel.schema)
                .column("topic").column("processed_at").column("dead_at").column("available_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            try await sql.drop(index: "outbox_due_idx").run()
        }
        for field in ["last_attempt_at", "dead_at", "lease_until", "claimed_by"] {
            try await database.schema(OutboxEventModel.schema).deleteField(.string(field)).update()
        }
    }
}
