import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Who is who, for ANS's back office: the ANS agents a request can be assigned to, the names
/// behind the user ids of histories and audit entries, and inviting ANS agents.
extension Accounts {
    /// Every ANS user (reviewers and administrators, enabled or not), by name.
    public func ansUsers() async throws -> [UserModel] {
        try await UserModel.query(on: store.database).filter(\.$role ~~ [.reviewer, .administrator]).sort(\.$displayName).sort(\.$email).all()
    }

    /// The users among `ids` (unknown ids are left out): one query.
    public func users(_ ids: some Collection<UUID>) async throws -> [UUID: UserModel] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let users = try await UserModel.query(on: store.database).filter(\.$id ~~ unique).all()
        return Dictionary(try users.map { (try $0.requireID(), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The user whose login is `email` (case ignored), if any.
    public func user(email: String) async throws -> UserModel? {
        let login = Self.login(email)
        guard !login.isEmpty, login.utf8.count <= 254 else { return nil }
        return try await UserModel.query(on: store.database).filter(\.$email == login).first()
    }

    /// The operator `id`, or `NotFoundError`.
    public func operatorRecord(_ id: UUID) async throws -> OperatorModel {
        guard let model = try await OperatorModel.find(id, on: store.database) else { throw NotFoundError(entity: "operator", id: id.uuidString) }
        return model
    }

    /// Creates an ANS user (reviewer or administrator) who chooses their own password through the
    /// link of the returned token (valid `PasswordResets.invitationLifetime`); their password is
    /// random and never known. Administrators only (anyone else: `NotFoundError`). Audited
    /// `user.invite`.
    public func inviteANSUser(by actor: Principal, email: EmailAddress, displayName: Name, role: Role) async throws -> (user: UserModel, resetToken: String, expiresAt: Date) {
        guard actor.role == .administrator else { throw NotFoundError(entity: "user", id: "invitation") }
        guard role.isANS else {
            throw ValidationErrors([ValidationError(code: "user.role", field: "role", userMessage: "Choisissez le rôle d'un agent de l'ANS : instructeur ou administrateur.", technicalDetail: "role \(role.rawValue) is not an ANS role")])
        }
        let unusable = try await hasher.hash(TokenHasher.generate(), cost: passwordCost)
        let login = Self.login(email)
        let name = displayName.value
        return try await store.write { context in
            if try await UserModel.query(on: context.database).filter(\.$email == login).first() != nil {
                throw ValidationErrors([ValidationError(code: "user.email_taken", field: "email", userMessage: "Cette adresse est déjà utilisée.", technicalDetail: "email taken")])
            }
            let user = UserModel(id: UUID(), email: login, displayName: name, role: role, operatorID: nil, passwordHash: unusable)
            try await user.create(on: context.database)
            let userID = try user.requireID()
            let link = try await PasswordResets.issue(for: userID, purpose: .invitation, lifetime: PasswordResets.invitationLifetime, context: context)
            try await context.audit(AuditActor(userID: actor.userID, role: actor.role), action: .userInvite, entity: .user, entityID: userID.uuidString, data: [
                "email": login, "role": role.rawValue, "linkID": link.id.uuidString,
            ])
            return (user, link.token, link.expiresAt)
        }
    }
}
