import FluentKit
import Foundation

/// A link that lets a user choose a new password: a forgotten-password request (valid one hour)
/// or an invitation (valid seven days). Only the SHA-256 of the token is stored; a link works once.
public final class PasswordResetModel: Model, @unchecked Sendable {
    public static let schema = "password_resets"

    public enum Purpose: String, Codable, Sendable {
        /// The user asked for it (forgotten password).
        case reset
        /// An administrator created the account: the user chooses a first password.
        case invitation
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "purpose") public var purpose: Purpose
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?

    public init() {}

    public init(id: UUID? = nil, userID: UUID, purpose: Purpose, tokenHash: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.purpose = purpose
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
