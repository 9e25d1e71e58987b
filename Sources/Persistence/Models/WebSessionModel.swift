import FluentKit
import Foundation

/// A signed-in browser: the web pages' session, kept in the database so that every instance
/// sees it and so that it can be revoked. The cookie carries a random token; only its SHA-256 is
/// stored here.
public final class WebSessionModel: Model, @unchecked Sendable {
    public static let schema = "web_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "user_id") public var userID: UUID
    /// The anti-forgery token every state-changing form of this session carries.
    @Field(key: "csrf_token") public var csrfToken: String
    /// The password was right but the second factor is still to be given: the session opens
    /// nothing but the second-factor pages.
    @Field(key: "second_factor_pending") public var secondFactorPending: Bool
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    /// The absolute end of the session, whatever its activity.
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    /// The client address at sign-in, for the user's list of sessions.
    @Field(key: "address") public var address: String
    @Field(key: "user_agent") public var userAgent: String

    public init() {}
}
