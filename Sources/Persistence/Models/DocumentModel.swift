import EDCDomain
import FluentKit
import Foundation

/// An uploaded document (signed CGI, VA report, …), encrypted at rest with AES-GCM.
public final class DocumentModel: Model, @unchecked Sendable {
    public static let schema = "documents"

    @ID(key: .id) public var id: UUID?
    @Field(key: "operator_id") public var operatorID: UUID
    @Field(key: "kind") public var kind: DocumentKind
    @Field(key: "filename") public var filename: String
    @Field(key: "media_type") public var mediaType: String
    @Field(key: "size") public var size: Int
    /// Hex SHA-256 of the plaintext.
    @Field(key: "sha256") public var sha256: String
    /// AES-GCM combined representation (nonce ‖ ciphertext ‖ tag).
    @Field(key: "sealed_content") public var sealedContent: Data
    /// The document's data key, wrapped by the master key `keyID` (nil: sealed before envelopes).
    @OptionalField(key: "wrapped_key") public var wrappedKey: Data?
    @OptionalField(key: "key_id") public var keyID: String?
    @OptionalField(key: "uploaded_by") public var uploadedBy: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}
