import FluentKit

/// Which VA-deadline reminder a provisional DRIMbox last got (30, 7 or 1 day before), and for
/// which due date: a new due date (re-integration) starts the reminders over.
struct M0010_VAReminders: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(DRIMboxModel.schema).field("va_reminder_days", .int).update()
        try await database.schema(DRIMboxModel.schema).field("va_reminded_for", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(DRIMboxModel.schema).deleteField("va_reminded_for").update()
        try await database.schema(DRIMboxModel.schema).deleteField("va_reminder_days").update()
    }
}
