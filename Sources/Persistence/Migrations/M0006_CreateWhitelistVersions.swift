import FluentKit

struct M0006_CreateWhitelistVersions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WhitelistVersionModel.schema)
            .id()
            .field("seq", .int, .required)
            .field("generated_at", .datetime, .required)
            .field("signing_time", .datetime, .required)
            .field("sha256", .string, .required)
            .field("size", .int, .required)
            .field("entry_count", .int, .required)
            .field("content", .data, .required)
            .field("entries", .string, .required)
            .field("signer_subject", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WhitelistVersionModel.schema).delete()
    }
}
