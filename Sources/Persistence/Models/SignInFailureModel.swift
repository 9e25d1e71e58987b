import FluentKit
import Foundation

/// Consecutive failed sign-ins for one login, and the lock they caused. Deleted on success.
public final class SignInFailureModel: Model, @unchecked Sendable {
    public static let schema = "sign_in_failures"

    @ID(key: .id) public var id: UUID?
    /// The e-mail as it is looked up (trimmed, lower-cased); an account need not exist.
    @Field(key: "login") public var login: String
    @Field(key: "failures") public var failures: Int
    @Field(key: "last_failure_at") public var lastFailureAt: Date
    @OptionalField(key: "locked_until") public var lockedUntil: Date?

    public init() {}

    public init(login: String, at date: Date) {
        self.id = UUID()
        self.login = login
        self.failures = 0
        self.lastFailureAt = date
    }
}
