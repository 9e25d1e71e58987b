import FluentKit

/// Failed sign-ins per login (the e-mail as typed, normalised), whether or not an account has
/// that e-mail: lock-outs then look the same for unknown e-mails and real accounts.
struct M0007_CreateSignInFailures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SignInFailureModel.schema)
            .id()
            .field("login", .string, .required)
            .field("failures", .int, .required)
            .field("last_failure_at", .datetime, .required)
            .field("locked_until", .datetime)
            .unique(on: "login")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SignInFailureModel.schema).delete()
    }
}
