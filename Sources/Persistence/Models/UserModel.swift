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
    /// An operator user who manages the accounts of its own operator (invites, disables, revokes tokens).
    @Field(key: "operator_admin") public var operatorAdmin: Bool
    /// The TOTP secret in use, sealed (see `SecondFactor` in Accounts); set once enrolment is confirmed.
    @OptionalField(key: "totp_secret") public var totpSecret: String?
    /// A secret being enrolled, sealed, until the user confirms it with a first code.
    @OptionalField(key: "totp_pending_secret") public var totpPendingSecret: String?
    @OptionalField(key: "totp_enabled_at") public var totpEnabledAt: Date?
    /// The last TOTP time step accepted: a code of this step or an earlier one is a replay.
    @OptionalField(key: "totp_last_step") public var totpLastStep: Int64?
    /// Consecutive wrong codes, and the lock they caused (independent of the password's lock-out).
    @OptionalField(key: "totp_failures") public var totpFailures: Int?
    @OptionalField(key: "totp_locked_until") public var totpLockedUntil: Date?

    public init() {}

    public init(id: UUID? = nil, email: String, displayName: String, role: Role, operatorID: UUID?, passwordHash: String) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.role = role
        self.operatorID = operatorID
        self.passwordHash = passwordHash
        self.operatorAdmin = false
    }
}
