import FluentKit
import FluentSQL

/// Browser sessions of the web pages (see `WebSessionModel`).
struct M0013_WebSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebSessionModel.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id"))
            .field("csrf_token", .string, .required)
            .field("second_factor_pending", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("revoked_at", .datetime)
            .field("address", .string, .required)
            .field("user_agent", .string, .required)
            .unique(on: "token_hash")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX web_sessions_user ON web_sessions (user_id)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebSessionModel.schema).delete()
    }
}
