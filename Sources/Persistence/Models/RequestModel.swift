import EDCDomain
import FluentKit
import Foundation

/// An operator's request. `version` is the optimistic-locking counter: every state change
/// updates the row only if the version it read is still current.
public final class RequestModel: Model, @unchecked Sendable {
    public static let schema = "requests"

    @ID(key: .id) public var id: UUID?
    /// Human-facing sequential number, unique.
    @Field(key: "number") public var number: Int
    @Field(key: "kind") public var kind: RequestKind
    @Field(key: "state") public var state: RequestState
    @Field(key: "operator_id") public var operatorID: UUID
    @OptionalField(key: "drimbox_id") public var drimboxID: UUID?
    /// For an operator change: the operator that takes the DRIMbox over (may read and consent).
    @OptionalField(key: "counterpart_operator_id") public var counterpartOperatorID: UUID?
    /// JSON of the kind's payload.
    @Field(key: "payload") public var payload: String
    @Field(key: "version") public var version: Int
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @OptionalField(key: "submitted_at") public var submittedAt: Date?
    @OptionalField(key: "last_reason") public var lastReason: String?
    @OptionalField(key: "consented_at") public var consentedAt: Date?
    @OptionalField(key: "consented_by") public var consentedBy: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    /// The ANS user who is to review the request, if one was chosen (no effect on its state or version).
    @OptionalField(key: "assigned_reviewer_id") public var assignedReviewerID: UUID?

    public init() {}
}
