import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Whose accounts a principal manages: an ANS administrator (or EDC itself) every account but the
/// internal one; an operator administrator — an enabled operator user with `operatorAdmin` —
/// the operator users of its own operator; anyone else none.
enum AccountAuthority: Sendable, Equatable {
    case everyone
    case operatorUsers(of: UUID)

    /// Read from the database each time: a flag removed or an account disabled takes effect at once.
    static func of(_ principal: Principal, on database: any Database) async throws -> AccountAuthority? {
        switch principal.role {
        case .administrator, .system:
            return .everyone
        case .reviewer:
            return nil
        case .operatorUser:
            guard let userID = principal.userID, let operatorID = principal.operatorID,
                  let user = try await UserModel.find(userID, on: database),
                  user.disabledAt == nil, user.operatorAdmin, user.role == .operatorUser, user.operatorID == operatorID
            else { return nil }
            return .operatorUsers(of: operatorID)
        }
    }

    func covers(_ user: UserModel) -> Bool {
        guard user.role != .system else { return false }
        switch self {
        case .everyone: return true
        case .operatorUsers(let operatorID): return user.role == .operatorUser && user.operatorID == operatorID
        }
    }

    func covers(operatorID: UUID) -> Bool {
        switch self {
        case .everyone: true
        case .operatorUsers(let own): own == operatorID
        }
    }
}

/// Operator administrators: inviting the users of their operator, disabling them, naming other
/// administrators, their tokens. ANS administrators may do all of it for every operator. The
/// target of any of these calls that the actor does not manage is `NotFoundError` (404: an
/// operator learns nothing of other operators' accounts).
extension Accounts {
    /// Whether `principal` manages accounts at all (to show the pages), and whose.
    public func managesAccounts(_ principal: Principal) async throws -> Bool {
        try await AccountAuthority.of(principal, on: store.database) != nil
    }

    /// Creates an operator user who chooses their own password through the link of the returned
    /// token (valid `PasswordResets.invitationLifetime`, seven days; send it with
    /// `AccountMail.invitation`). Their password is random and never known. `operatorID` is the
    /// operator the user acts for: required for an ANS administrator; an operator administrator
    /// invites for its own operator only (nil means its own).
    public func inviteOperatorUser(
        by actor: Principal, operatorID: UUID? = nil, email: EmailAddress, displayName: Name, operatorAdmin: Bool
    ) async throws -> (user: UserModel, resetToken: String, expiresAt: Date) {
        let unusable = try await hasher.hash(TokenHasher.generate(), cost: passwordCost)
        let login = Self.login(email)
        let name = displayName.value
        return try await store.write { context in
            let authority = try await Self.requireAuthority(actor, on: context.database)
            guard let operatorID = operatorID ?? actor.operatorID else {
                throw ValidationErrors([ValidationError(code: "user.operator", field: "operatorID", userMessage: "Choisissez l'opérateur pour lequel l'utilisateur agira.", technicalDetail: "no operator given for the invitation")])
            }
            guard authority.covers(operatorID: operatorID), let organisation = try await OperatorModel.find(operatorID, on: context.database) else {
                throw NotFoundError(entity: "operator", id: operatorID.uuidString)
            }
            if try await UserModel.query(on: context.database).filter(\.$email == login).first() != nil {
                throw ValidationErrors([ValidationError(code: "user.email_taken", field: "email", userMessage: "Cette adresse est déjà utilisée.", technicalDetail: "email taken")])
            }
            let user = UserModel(id: UUID(), email: login, displayName: name, role: .operatorUser, operatorID: try organisation.requireID(), passwordHash: unusable)
            user.operatorAdmin = operatorAdmin
            try await user.create(on: context.database)
            let userID = try user.requireID()
            let link = try await PasswordResets.issue(for: userID, purpose: .invitation, lifetime: PasswordResets.invitationLifetime, context: context)
            try await context.audit(Self.auditActor(actor), action: .userInvite, entity: .user, entityID: userID.uuidString, data: [
                "email": login, "role": Role.operatorUser.rawValue, "operatorID": operatorID.uuidString,
                "operatorAdmin": String(operatorAdmin), "linkID": link.id.uuidString,
            ])
            return (user, link.token, link.expiresAt)
        }
    }

    /// A new invitation link for a user the actor manages (the earlier links stop working), for
    /// an invitation that expired or was lost. The account must be enabled.
    public func resendInvitation(userID: UUID, by actor: Principal) async throws -> (user: UserModel, resetToken: String, expiresAt: Date) {
        try await store.write { context in
            let user = try await Self.managedUser(userID, by: actor, on: context.database)
            guard user.disabledAt == nil else {
                throw WorkflowError.guardFailed("user.disabled", "Ce compte est désactivé : réactivez-le d'abord.", "user \(userID) is disabled")
            }
            let link = try await PasswordResets.issue(for: userID, purpose: .invitation, lifetime: PasswordResets.invitationLifetime, context: context)
            try await context.audit(Self.auditActor(actor), action: .userInvitationResend, entity: .user, entityID: userID.uuidString, data: ["linkID": link.id.uuidString])
            return (user, link.token, link.expiresAt)
        }
    }

    /// Disables or enables again a user the actor manages (see `setDisabled(_:userID:by:)` with an
    /// `AuditActor` for the effects). No one disables themselves.
    public func setDisabled(_ disabled: Bool, userID: UUID, by actor: Principal) async throws -> UserModel {
        try await store.write { context in
            let user = try await Self.managedUser(userID, by: actor, on: context.database)
            return try await applyDisabled(disabled, user: user, by: Self.auditActor(actor), context: context)
        }
    }

    /// Gives or takes away the operator administrator flag of an operator user the actor manages
    /// (not their own: an operator keeps the administrator it has until another one acts).
    public func setOperatorAdmin(_ operatorAdmin: Bool, userID: UUID, by actor: Principal) async throws -> UserModel {
        try await store.write { context in
            let user = try await Self.managedUser(userID, by: actor, on: context.database)
            guard user.role == .operatorUser else { throw NotFoundError(entity: "user", id: userID.uuidString) }
            if actor.userID == userID {
                throw ValidationErrors([ValidationError(code: "user.operator_admin_self", userMessage: "Vous ne pouvez pas modifier vos propres droits d'administration.", technicalDetail: "user tried to change their own operator_admin flag")])
            }
            guard user.operatorAdmin != operatorAdmin else { return user }
            user.operatorAdmin = operatorAdmin
            try await user.save(on: context.database)
            try await context.audit(Self.auditActor(actor), action: .userOperatorAdminSet, entity: .user, entityID: userID.uuidString, data: ["operatorAdmin": String(operatorAdmin)])
            return user
        }
    }

    /// The users of an operator, by e-mail, for an ANS administrator or that operator's administrator.
    public func operatorUsers(_ operatorID: UUID, by actor: Principal) async throws -> [UserModel] {
        guard let authority = try await AccountAuthority.of(actor, on: store.database), authority.covers(operatorID: operatorID) else {
            throw NotFoundError(entity: "operator", id: operatorID.uuidString)
        }
        return try await UserModel.query(on: store.database).filter(\.$operatorID == operatorID).filter(\.$role == .operatorUser).sort(\.$email).all()
    }

    /// A user's tokens, newest first: the user's own, or those of a user the actor manages.
    public func tokens(of userID: UUID, by actor: Principal) async throws -> [APITokenModel] {
        if actor.userID != userID { _ = try await Self.managedUser(userID, by: actor, on: store.database) }
        return try await tokens(of: userID)
    }

    /// Revokes a token of the actor's own, or of a user the actor manages.
    public func revokeToken(by actor: Principal, id: UUID) async throws {
        try await store.write { context in
            guard let token = try await APITokenModel.find(id, on: context.database) else { throw NotFoundError(entity: "token", id: id.uuidString) }
            if actor.userID != token.userID {
                do {
                    _ = try await Self.managedUser(token.userID, by: actor, on: context.database)
                } catch is NotFoundError {
                    throw NotFoundError(entity: "token", id: id.uuidString)
                }
            }
            try await revoke(token, by: Self.auditActor(actor), context: context)
        }
    }

    // MARK: Helpers

    static func auditActor(_ principal: Principal) -> AuditActor { AuditActor(userID: principal.userID, role: principal.role) }

    /// The actor's authority, or a 403 for someone who manages no account.
    static func requireAuthority(_ actor: Principal, on database: any Database) async throws -> AccountAuthority {
        guard let authority = try await AccountAuthority.of(actor, on: database) else {
            throw WorkflowError(kind: .forbidden, code: "user.not_manager", userMessage: "Vous n'avez pas le droit de gérer les comptes.", technicalDetail: "principal \(actor.userID?.uuidString ?? "-") (\(actor.role.rawValue)) manages no account")
        }
        return authority
    }

    /// The user `userID` when the actor manages them; `NotFoundError` otherwise.
    static func managedUser(_ userID: UUID, by actor: Principal, on database: any Database) async throws -> UserModel {
        guard let user = try await UserModel.find(userID, on: database),
              let authority = try await AccountAuthority.of(actor, on: database), authority.covers(user)
        else { throw NotFoundError(entity: "user", id: userID.uuidString) }
        return user
    }
}
