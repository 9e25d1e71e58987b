import FluentKit

struct M0001_CreateAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OperatorModel.schema)
            .id()
            .field("legal_name", .string, .required)
            .field("siren", .string, .required)
            .field("support_phone", .string, .required)
            .field("support_email", .string, .required)
            .field("responsible_contact", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "siren")
            .create()
        try await database.schema(UserModel.schema)
            .id()
            .field("email", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("operator_id", .uuid, .references(OperatorModel.schema, "id"))
            .field("password_hash", .string, .required)
            .field("disabled_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "email")
            .create()
        try await database.schema(APITokenModel.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserModel.schema, "id"))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(APITokenModel.schema).delete()
        try await database.schema(UserModel.schema).delete()
        try await database.schema(OperatorModel.schema).delete()
    }
}
