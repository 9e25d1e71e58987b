import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Choosing a new password through a link sent by e-mail: a forgotten password (the link is
/// valid `resetLifetime`, one hour) or an invitation (`Accounts.inviteOperatorUser`, seven days).
/// A link works once; a new link makes the user's earlier ones void; only the SHA-256 of its
/// token is stored. Using it sets the password with the account rules, clears the sign-in
/// lock-out and keeps the user's API tokens.
public struct PasswordResets: Sendable {
    public let accounts: Accounts
    /// How long a forgotten-password link is valid.
    public var resetLifetime: TimeInterval = 3600
    /// At most this many links are sent to one user per hour (further requests send nothing).
    public var maximumPerHour = 3

    public init(accounts: Accounts) {
        self.accounts = accounts
    }

    /// How long an invitation link is valid.
    public static let invitationLifetime: TimeInterval = 7 * 86_400

    /// A link for the account of `email`, to send to that address: nil when no enabled account
    /// has that address, or when `maximumPerHour` links were already made for it in the last
    /// hour (the page answers the same in every case, so that it tells nothing about accounts).
    public func request(email: String) async throws -> (user: UserModel, token: String, expiresAt: Date)? {
        let login = Accounts.login(email)
        guard login.utf8.count <= 254 else { return nil }
        let lifetime = resetLifetime
        let maximum = maximumPerHour
        return try await accounts.store.write { context -> (user: UserModel, token: String, expiresAt: Date)? in
            guard let user = try await UserModel.query(on: context.database).filter(\.$email == login).first(),
                  user.disabledAt == nil, user.role != .system
            else { return nil }
            let userID = try user.requireID()
            let recent = try await PasswordResetModel.query(on: context.database)
                .filter(\.$userID == userID).filter(\.$createdAt > context.now.addingTimeInterval(-3600)).count()
            guard recent < maximum else { return nil }
            let link = try await Self.issue(for: userID, purpose: .reset, lifetime: lifetime, context: context)
            try await context.audit(AuditActor(userID: nil, role: .system), action: .userPasswordResetRequest, entity: .user, entityID: userID.uuidString, data: ["linkID": link.id.uuidString])
            return (user, link.token, link.expiresAt)
        }
    }

    /// The account a link is for, with its purpose, while the link may still be used (the page
    /// that asks for the new password checks it first); `ValidationErrors` otherwise.
    public func pending(token: String) async throws -> (user: UserModel, purpose: PasswordResetModel.Purpose, expiresAt: Date) {
        let (link, user) = try await Self.usableLink(token, on: accounts.store.database, now: accounts.store.clock())
        return (user, link.purpose, link.expiresAt)
    }

    /// Sets the new password through a link: refused (`ValidationErrors`) when the password
    /// breaks the rules, or when the link is unknown, used, replaced, expired, or its account
    /// disabled. Clears the sign-in lock-out; API tokens stay valid.
    @discardableResult
    public func consume(token: String, newPassword: String) async throws -> UserModel {
        if let problem = Accounts.passwordProblem(newPassword) { throw ValidationErrors([problem]) }
        // Checked before hashing, so that a made-up token costs no bcrypt; checked again below.
        _ = try await Self.usableLink(token, on: accounts.store.database, now: accounts.store.clock())
        let hash = try await accounts.hasher.hash(newPassword, cost: accounts.passwordCost)
        return try await accounts.store.write { context in
            let (link, user) = try await Self.usableLink(token, on: context.database, now: context.now)
            link.usedAt = context.now
            try await link.save(on: context.database)
            user.passwordHash = hash
            try await user.save(on: context.database)
            try await SignInFailureModel.query(on: context.database).filter(\.$login == user.email).delete()
            let userID = try user.requireID()
            try await context.audit(AuditActor(userID: userID, role: user.role), action: .userPasswordReset, entity: .user, entityID: userID.uuidString, data: [
                "linkID": try link.requireID().uuidString, "purpose": link.purpose.rawValue,
            ])
            return user
        }
    }

    // MARK: Shared with invitations

    /// A new link for `userID`; the user's earlier unused links expire now.
    static func issue(for userID: UUID, purpose: PasswordResetModel.Purpose, lifetime: TimeInterval, context: WriteContext) async throws -> (id: UUID, token: String, expiresAt: Date) {
        try await PasswordResetModel.query(on: context.database)
            .filter(\.$userID == userID).filter(\.$usedAt == nil).filter(\.$expiresAt > context.now)
            .set(\.$expiresAt, to: context.now).update()
        let token = TokenHasher.generate()
        let link = PasswordResetModel(id: UUID(), userID: userID, purpose: purpose, tokenHash: TokenHasher.hash(token), createdAt: context.now, expiresAt: context.now.addingTimeInterval(lifetime))
        try await link.create(on: context.database)
        return (try link.requireID(), token, link.expiresAt)
    }

    static func usableLink(_ token: String, on database: any Database, now: Date) async throws -> (PasswordResetModel, UserModel) {
        guard token.utf8.count <= 200,
              let link = try await PasswordResetModel.query(on: database).filter(\.$tokenHash == TokenHasher.hash(token)).first(),
              link.usedAt == nil, link.expiresAt > now,
              let user = try await UserModel.find(link.userID, on: database), user.disabledAt == nil
        else {
            throw ValidationErrors([ValidationError(
                code: "password_reset.invalid", field: "token",
                userMessage: "Ce lien n'est plus valable (il a expiré, a déjà servi ou a été remplacé par un plus récent). Demandez-en un nouveau.",
                technicalDetail: "password reset token unknown, used, expired or for a disabled user")])
        }
        return (link, user)
    }
}
