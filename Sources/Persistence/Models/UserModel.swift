import EDCDomain
import FluentKit
import Foundation

/// A person who signs in: an operator user (belongs to one operator), an ANS reviewer or administrator.
public final class UserModel: Model, @unchecked Sendable {
    public static let schema = "users"

    @ID(key: .id) public var id: UUID?
    @Field(key: "email") public var email: String
    @Field(key: "display_name") public var displayName: String
    @Field(key: "role") public var role: Role
    @OptionalField(key: "operator_id") public var operatorID: UUID?
    @Field(key: "password_hash") public var passwordHash: String
    @OptionalField(key: "disabled_at") public var disabledAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(id: UUID? = nil, email: String, displayName: String, role: Role, operatorID: UUID?, passwordHash: String) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.role = role
        self.operatorID = operatorID
        self.passwordHash = passwordHash
    }
}
