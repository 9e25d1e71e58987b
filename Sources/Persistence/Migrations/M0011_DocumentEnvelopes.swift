import FluentKit

/// Envelope encryption of documents: each one's data key, wrapped by a master key named by its id.
struct M0011_DocumentEnvelopes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DocumentModel.schema).field("wrapped_key", .data).update()
        try await database.schema(DocumentModel.schema).field("key_id", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DocumentModel.schema).deleteField("key_id").update()
        try await database.schema(DocumentModel.schema).deleteField("wrapped_key").update()
    }
}
