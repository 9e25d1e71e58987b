import FluentKit
import Foundation

/// An issued attestation of delegation. Immutable once written.
public final class AttestationModel: Model, @unchecked Sendable {
    public static let schema = "attestations"

    @ID(key: .id) public var id: UUID?
    @Field(key: "number") public var number: String
    @Field(key: "drimbox_id") public var drimboxID: UUID
    @Field(key: "request_id") public var requestID: UUID
    @Field(key: "operator_id") public var operatorID: UUID
    /// JSON: operator name, request number, FQDN pairs — what the PDF shows.
    @Field(key: "content") public var content: String
    @Field(key: "issued_at") public var issuedAt: Date

    public init() {}
}
