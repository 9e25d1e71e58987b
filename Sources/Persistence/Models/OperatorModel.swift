import FluentKit
import Foundation

/// A company that deploys and runs DRIMboxes for its clients.
public final class OperatorModel: Model, @unchecked Sendable {
    public static let schema = "operators"

    @ID(key: .id) public var id: UUID?
    @Field(key: "legal_name") public var legalName: String
    @Field(key: "siren") public var siren: String
    @Field(key: "support_phone") public var supportPhone: String
    @Field(key: "support_email") public var supportEmail: String
    @OptionalField(key: "responsible_contact") public var responsibleContact: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(id: UUID? = nil, legalName: String, siren: String, supportPhone: String, supportEmail: String, responsibleContact: String? = nil) {
        self.id = id
        self.legalName = legalName
        self.siren = siren
        self.supportPhone = supportPhone
        self.supportEmail = supportEmail
        self.responsibleContact = responsibleContact
    }
}
