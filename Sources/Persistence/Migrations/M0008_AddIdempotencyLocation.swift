import FluentKit

/// The `Location` of a stored 201, so that a replay answers with it too.
struct M0008_AddIdempotencyLocation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotencyRecordModel.schema).field("location", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotencyRecordModel.schema).deleteField("location").update()
    }
}
