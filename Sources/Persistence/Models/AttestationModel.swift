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
    /// 100 random bits (Crockford base 32, `XXXX-XXXX-XXXX-XXXX-XXXX`): the public page's key.
    @OptionalField(key: "verification_code") public var verificationCode: String?
    /// The PDF, rendered once and sealed like a document (never rendered again).
    @OptionalField(key: "pdf_sealed") public var pdfSealed: Data?
    @OptionalField(key: "pdf_wrapped_key") public var pdfWrappedKey: Data?
    @OptionalField(key: "pdf_key_id") public var pdfKeyID: String?
    @OptionalField(key: "pdf_sha256") public var pdfSHA256: String?

    public init() {}
}
