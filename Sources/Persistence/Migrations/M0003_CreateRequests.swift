import FluentKit
import FluentSQL

struct M0003_CreateRequests: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RequestModel.schema)
            .id()
            .field("number", .int, .required)
            .field("kind", .string, .required)
            .field("state", .string, .required)
            .field("operator_id", .uuid, .required, .references(OperatorModel.schema, "id"))
            .field("drimbox_id", .uuid, .references(DRIMboxModel.schema, "id"))
            .field("counterpart_operator_id", .uuid, .references(OperatorModel.schema, "id"))
            .field("payload", .string, .required)
            .field("version", .int, .required)
            .field("created_by", .uuid)
            .field("submitted_at", .datetime)
            .field("last_reason", .string)
            .field("consented_at", .datetime)
            .field("consented_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "number")
            .create()
        try await database.schema(RequestTransitionModel.schema)
            .id()
            .field("request_id", .uuid, .required, .references(RequestModel.schema, "id"))
            .field("action", .string, .required)
            .field("from_state", .string, .required)
            .field("to_state", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_role", .string, .required)
            .field("at", .datetime, .required)
            .field("reason", .string)
            .field("metadata", .string, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            // The review queue reads "awaiting review, by number": a partial index keeps page 1
            // as cheap with 100,000 stored requests as with 100 (both databases support it).
            try await sql.raw("CREATE INDEX requests_queue_idx ON requests (number) WHERE state IN ('submitted', 'inReview')").run()
            try await sql.create(index: "requests_operator_idx").on(RequestModel.schema)
                .column("operator_id").column("number").run()
            try await sql.create(index: "request_transitions_request_idx").on(RequestTransitionModel.schema)
                .column("request_id").column("at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RequestTransitionModel.schema).delete()
        try await database.schema(RequestModel.schema).delete()
    }
}
