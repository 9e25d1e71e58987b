import FluentKit

struct M0004_CreateDocuments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AttestationModel.schema)
            .id()
            .field("number", .string, .required)
            .field("drimbox_id", .uuid, .required, .references(DRIMboxModel.schema, "id"))
            .field("request_id", .uuid, .required, .references(RequestModel.schema, "id"))
            .field("operator_id", .uuid, .required, .references(OperatorModel.schema, "id"))
            .field("content", .string, .required)
            .field("issued_at", .datetime, .required)
            .unique(on: "number")
            .create()
        try await database.schema(DocumentModel.schema)
            .id()
            .field("operator_id", .uuid, .required, .references(OperatorModel.schema, "id"))
            .field("kind", .string, .required)
            .field("filename", .string, .required)
            .field("media_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("sealed_content", .data, .required)
            .field("uploaded_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DocumentModel.schema).delete()
        try await database.schema(AttestationModel.schema).delete()
    }
}
