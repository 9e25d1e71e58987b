import FluentKit
import FluentSQL

/// What the web portal's accounts need: a TOTP second factor on users (the secret sealed, the
/// last step used against replays, its own failure counter and lock), operator administrators,
/// password-reset and invitation links (`password_resets`, only the SHA-256 of each token), and
/// the ANS reviewer a request is assigned to.
struct M0014_PortalAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        try await database.schema(UserModel.schema).field("operator_admin", .bool, .required, .sql(.default(false))).update()
        for (name, type) in [
            ("totp_secret", DatabaseSchema.DataType.string), ("totp_pending_secret", .string), ("totp_enabled_at", .datetime),
            ("totp_last_step", .int64), ("totp_failures", .int), ("totp_locked_until", .datetime),
        ] {
            try await database.schema(UserModel.schema).field(.string(name), type).update()
        }

        try await database.schema(PasswordResetModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id"))
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash")
            .create()

        try await database.schema(RequestModel.schema).field("assigned_reviewer_id", .uuid).update()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "password_resets_user_idx").on(PasswordResetModel.schema).column("user_id").column("created_at").run()
            try await sql.create(index: "requests_assigned_idx").on(RequestModel.schema).column("assigned_reviewer_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            try await sql.drop(index: "requests_assigned_idx").run()
        }
        try await database.schema(RequestModel.schema).deleteField("assigned_reviewer_id").update()
        try await database.schema(PasswordResetModel.schema).delete()
        for name in ["totp_locked_until", "totp_failures", "totp_last_step", "totp_enabled_at", "totp_pending_secret", "totp_secret", "operator_admin"] {
            try await database.schema(UserModel.schema).deleteField(.string(name)).update()
        }
    }
}
