import EDCDomain
import FluentKit
import Foundation

/// A DRIMbox in the national registry. Never deleted: its identifier and FQDNs stay reserved.
public final class DRIMboxModel: Model, @unchecked Sendable {
    public static let schema = "drimboxes"

    @ID(key: .id) public var id: UUID?
    /// Registry identifier (the white list's `Identifiant`), allocated once and never reused.
    @Field(key: "identifier") public var identifier: Int
    @Field(key: "operator_id") public var operatorID: UUID
    @Field(key: "state") public var state: DRIMboxState
    @OptionalField(key: "va_due_at") public var vaDueAt: Date?
    /// The last VA-deadline reminder sent (30, 7 or 1 days before) and the due date it was for.
    @OptionalField(key: "va_reminder_days") public var vaReminderDays: Int?
    @OptionalField(key: "va_reminded_for") public var vaRemindedFor: Date?
    @OptionalField(key: "exclusion_reason") public var exclusionReason: ExclusionReason?
    @OptionalField(key: "exclusion_detail") public var exclusionDetail: String?
    @OptionalField(key: "excluded_at") public var excludedAt: Date?
    /// JSON array of client SIRENs.
    @Field(key: "clients") public var clients: String
    @Field(key: "version") public var version: Int
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(id: UUID? = nil, identifier: Int, operatorID: UUID, state: DRIMboxState, clients: String, updatedAt: Date) {
        self.id = id
        self.identifier = identifier
        self.operatorID = operatorID
        self.state = state
        self.clients = clients
        self.version = 1
        self.updatedAt = updatedAt
    }
}
