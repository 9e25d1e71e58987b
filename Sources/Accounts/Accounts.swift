import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Creating operators, users and tokens, and the account lifecycle — the one entry point for the
/// admin API, the `edc` admin commands, the demo seed and the web pages.
public struct Accounts: Sendable {
    public let store: Store
    public let passwordCost: Int
    public let hasher: any PasswordHashing
    /// Longest token lifetime; a token asked for without a lifetime gets this one.
    public let maximumTokenLifetime: TimeInterval

    public init(store: Store, passwordCost: Int, hasher: any PasswordHashing, maximumTokenLifetime: TimeInterval) {
        self.store = store
        self.passwordCost = passwordCost
        self.hasher = hasher
        self.maximumTokenLifetime = maximumTokenLifetime
    }

    public struct IssuedToken: Codable, Sendable {
        public var id: UUID
        public var token: String
        public var expiresAt: Date?
    }

    public func createOperator(by actor: AuditActor, legalName: Name, siren: SIREN, supportPhone: FrenchPhoneNumber, supportEmail: EmailAddress, responsibleContact: ContactLine?) async throws -> OperatorModel {
        let name = legalName.value
        return try await store.write { context in
            if try await OperatorModel.query(on: context.database).filter(\.$siren == siren.value).first() != nil {
                throw ValidationErrors([ValidationError(code: "operator.siren_taken", field: "siren", userMessage: "Un opérateur avec ce SIREN existe déjà.", technicalDetail: "operator SIREN \(siren.value) exists")])
            }
            let model = OperatorModel(id: UUID(), legalName: name, siren: siren.value, supportPhone: supportPhone.value, supportEmail: supportEmail.value, responsibleContact: responsibleContact?.value)
            try await model.create(on: context.database)
            try await context.audit(actor, action: .operatorCreate, entity: .`operator`, entityID: siren.value, data: ["legalName": name])
            return model
        }
    }

    /// `operatorAdmin`: an operator user who manages its operator's accounts (see `inviteOperatorUser`).
    public func createUser(by actor: AuditActor, email: EmailAddress, displayName: Name, role: Role, operatorID: UUID?, password: String, operatorAdmin: Bool = false) async throws -> UserModel {
        var problems: [ValidationError] = []
        if operatorAdmin, role != .operatorUser {
            problems.append(ValidationError(code: "user.operator_admin", field: "operatorAdmin", userMessage: "Seul un utilisateur opérateur peut administrer les comptes de son opérateur.", technicalDetail: "operatorAdmin set for role \(role.rawValue)"))
        }
        if role == .system {
            problems.append(ValidationError(code: "user.role", field: "role", userMessage: "Rôle invalide.", technicalDetail: "system role is internal"))
        }
        if (role == .operatorUser) != (operatorID != nil) {
            problems.append(ValidationError(code: "user.operator", field: "operatorID", userMessage: "Un utilisateur opérateur doit être rattaché à un opérateur, et lui seul.", technicalDetail: "operatorID must be set exactly for operator users"))
        }
        if let problem = Self.passwordProblem(password) { problems.append(problem) }
        let name = displayName.value
        if !problems.isEmpty { throw ValidationErrors(problems) }
        let hash = try await hasher.hash(password, cost: passwordCost)
        let login = Self.login(email)
        return try await store.write { context in
            if let operatorID, try await OperatorModel.find(operatorID, on: context.database) == nil {
                throw ValidationErrors([ValidationError(code: "user.operator_unknown", field: "operatorID", userMessage: "Opérateur inconnu.", technicalDetail: "operator \(operatorID) not found")])
            }
            if try await UserModel.query(on: context.database).filter(\.$email == login).first() != nil {
                throw ValidationErrors([ValidationError(code: "user.email_taken", field: "email", userMessage: "Cette adresse est déjà utilisée.", technicalDetail: "email taken")])
            }
            let user = UserModel(id: UUID(), email: login, displayName: name, role: role, operatorID: operatorID, passwordHash: hash)
            user.operatorAdmin = operatorAdmin
            try await user.create(on: context.database)
            var data = ["email": login, "role": role.rawValue]
            if operatorAdmin { data["operatorAdmin"] = "true" }
            try await context.audit(actor, action: .userCreate, entity: .user, entityID: try user.requireID().uuidString, data: data)
            return user
        }
    }

    /// A new token for `user`, valid `lifetime` (at most, and by default, the maximum lifetime).
    public func issueToken(by actor: AuditActor, for user: UserModel, name: String, lifetime: TimeInterval?) async throws -> IssuedToken {
        let tokenName = try Name.validated(name, field: "name")?.value ?? "api"
        if let lifetime, lifetime > maximumTokenLifetime {
            throw ValidationErrors([ValidationError(
                code: "token.lifetime", field: "lifetimeDays",
                userMessage: "La durée de validité d'un jeton est d'au plus \(Int(maximumTokenLifetime / 86_400)) jours.",
                technicalDetail: "token lifetime \(lifetime) s > maximum \(maximumTokenLifetime) s")])
        }
        let token = TokenHasher.generate()
        let lifetime = lifetime ?? maximumTokenLifetime
        return try await store.write { context in
            guard try await UserModel.find(user.requireID(), on: context.database)?.disabledAt == nil else {
                throw NotFoundError(entity: "user", id: try user.requireID().uuidString)
            }
            let model = APITokenModel(id: UUID(), userID: try user.requireID(), name: String(tokenName.prefix(100)), tokenHash: TokenHasher.hash(token), expiresAt: context.now.addingTimeInterval(lifetime))
            try await model.create(on: context.database)
            try await context.audit(actor, action: .tokenIssue, entity: .user, entityID: try user.requireID().uuidString, data: ["tokenID": try model.requireID().uuidString, "name": model.name])
            return IssuedToken(id: try model.requireID(), token: token, expiresAt: model.expiresAt)
        }
    }

    public func revokeToken(by actor: AuditActor, id: UUID, ownedBy userID: UUID? = nil) async throws {
        try await store.write { context in
            guard let token = try await APITokenModel.find(id, on: context.database), userID == nil || token.userID == userID else {
                throw NotFoundError(entity: "token", id: id.uuidString)
            }
            try await revoke(token, by: actor, context: context)
        }
    }

    func revoke(_ token: APITokenModel, by actor: AuditActor, context: WriteContext) async throws {
        guard token.revokedAt == nil else { return }
        token.revokedAt = context.now
        try await token.save(on: context.database)
        try await context.audit(actor, action: .tokenRevoke, entity: .user, entityID: token.userID.uuidString, data: ["tokenID": try token.requireID().uuidString])
    }

    /// The form an e-mail address is stored and looked up in, so that sign-in ignores case
    /// (EmailAddress keeps the local part as typed).
    public static func login(_ email: EmailAddress) -> String { email.value.lowercased() }
    public static func login(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// bcrypt reads at most 72 bytes: a longer password would be silently truncated.
    public static func passwordProblem(_ password: String, field: String = "password") -> ValidationError? {
        guard password.count < 12 || password.utf8.count > 72 else { return nil }
        return ValidationError(code: "user.password_length", field: field, userMessage: "Le mot de passe doit comporter de 12 caractères à 72 octets.", technicalDetail: "password length \(password.count) characters, \(password.utf8.count) bytes")
    }

    // MARK: Account lifecycle

    /// Disables (or enables again) a user: a disabled user cannot sign in, and every token of theirs
    /// stops working at once (revoked, and the authenticator checks `disabledAt` on each request).
    public func setDisabled(_ disabled: Bool, userID: UUID, by actor: AuditActor) async throws -> UserModel {
        try await store.write { context in
            guard let user = try await UserModel.find(userID, on: context.database), user.role != .system else {
                throw NotFoundError(entity: "user", id: userID.uuidString)
            }
            return try await applyDisabled(disabled, user: user, by: actor, context: context)
        }
    }

    func applyDisabled(_ disabled: Bool, user: UserModel, by actor: AuditActor, context: WriteContext) async throws -> UserModel {
        let userID = try user.requireID()
        if disabled, actor.userID == userID {
            throw ValidationErrors([ValidationError(code: "user.disable_self", userMessage: "Vous ne pouvez pas désactiver votre propre compte.", technicalDetail: "user tried to disable themselves")])
        }
        guard (user.disabledAt != nil) != disabled else { return user }
        user.disabledAt = disabled ? context.now : nil
        try await user.save(on: context.database)
        // Enabling again must not bring old tokens back, nor old password links: the user signs in anew.
        let revoked = disabled ? try await revokeAll(of: userID, except: nil, context: context) : 0
        if disabled {
            try await PasswordResetModel.query(on: context.database)
                .filter(\.$userID == userID).filter(\.$usedAt == nil).filter(\.$expiresAt > context.now)
                .set(\.$expiresAt, to: context.now).update()
        }
        try await context.audit(actor, action: disabled ? .userDisable : .userEnable, entity: .user, entityID: userID.uuidString, data: disabled ? ["tokensRevoked": String(revoked)] : [:])
        return user
    }

    /// Sets a new password (an administrator's reset, or the user's own change after checking the
    /// current one), clears any lock-out, and revokes the user's tokens except `keepingToken`.
    public func setPassword(_ password: String, userID: UUID, by actor: AuditActor, keepingToken: UUID? = nil) async throws {
        if let problem = Self.passwordProblem(password) { throw ValidationErrors([problem]) }
        let hash = try await hasher.hash(password, cost: passwordCost)
        try await store.write { context in
            guard let user = try await UserModel.find(userID, on: context.database) else { throw NotFoundError(entity: "user", id: userID.uuidString) }
            user.passwordHash = hash
            try await user.save(on: context.database)
            try await SignInFailureModel.query(on: context.database).filter(\.$login == user.email).delete()
            let revoked = try await revokeAll(of: userID, except: keepingToken, context: context)
            try await context.audit(actor, action: .userPasswordSet, entity: .user, entityID: userID.uuidString, data: ["tokensRevoked": String(revoked)])
        }
    }

    /// The user's own password change: the current password is checked first.
    public func changeOwnPassword(user: UserModel, current: String, new: String, tokenID: UUID?) async throws {
        guard try await hasher.verify(current, created: user.passwordHash) else {
            // 403, not 422: the request is well formed, the caller is not allowed to make it.
            throw WorkflowError(kind: .forbidden, code: "user.password_wrong", userMessage: "Le mot de passe actuel est incorrect.", technicalDetail: "current password does not match")
        }
        try await setPassword(new, userID: try user.requireID(), by: AuditActor(userID: user.id, role: user.role), keepingToken: tokenID)
    }

    /// Lifts a lock-out before it runs out (ANS).
    public func unlock(userID: UUID, by actor: AuditActor) async throws {
        try await store.write { context in
            guard let user = try await UserModel.find(userID, on: context.database) else { throw NotFoundError(entity: "user", id: userID.uuidString) }
            try await SignInFailureModel.query(on: context.database).filter(\.$login == user.email).delete()
            try await context.audit(actor, action: .userUnlock, entity: .user, entityID: userID.uuidString)
        }
    }

    /// Revokes every live token of a user; returns how many.
    @discardableResult
    public func revokeAllTokens(of userID: UUID, by actor: AuditActor) async throws -> Int {
        try await store.write { context in
            guard try await UserModel.find(userID, on: context.database) != nil else { throw NotFoundError(entity: "user", id: userID.uuidString) }
            let count = try await revokeAll(of: userID, except: nil, context: context)
            try await context.audit(actor, action: .tokenRevokeAll, entity: .user, entityID: userID.uuidString, data: ["count": String(count)])
            return count
        }
    }

    private func revokeAll(of userID: UUID, except kept: UUID?, context: WriteContext) async throws -> Int {
        var query = APITokenModel.query(on: context.database).filter(\.$userID == userID).filter(\.$revokedAt == nil)
        if let kept { query = query.filter(\.$id != kept) }
        let tokens = try await query.all()
        for token in tokens {
            token.revokedAt = context.now
            try await token.save(on: context.database)
        }
        return tokens.count
    }

    /// The user `id`, or `NotFoundError`.
    public func user(_ id: UUID) async throws -> UserModel {
        guard let user = try await UserModel.find(id, on: store.database) else { throw NotFoundError(entity: "user", id: id.uuidString) }
        return user
    }

    /// The operator organisation a user acts for (none for ANS users).
    public func organisation(of user: UserModel) async throws -> OperatorModel? {
        guard let operatorID = user.operatorID else { return nil }
        return try await OperatorModel.find(operatorID, on: store.database)
    }

    /// A token issued by an administrator for a machine client of `userID`, valid `lifetimeDays`
    /// (1 to the maximum; the maximum by default).
    public func issueToken(by actor: AuditActor, forUserID userID: UUID, name: String, lifetimeDays: Int?) async throws -> IssuedToken {
        let maximum = Int(maximumTokenLifetime / 86_400)
        if let days = lifetimeDays, !(1...maximum).contains(days) {
            throw ValidationErrors([ValidationError(code: "token.lifetime", field: "lifetimeDays", userMessage: "La durée doit être comprise entre 1 et \(maximum) jours.", technicalDetail: "lifetime \(days) outside 1...\(maximum)")])
        }
        return try await issueToken(by: actor, for: try await user(userID), name: name, lifetime: lifetimeDays.map { TimeInterval($0) * 86_400 })
    }

    /// Every operator organisation, by legal name.
    public func operators() async throws -> [OperatorModel] {
        try await OperatorModel.query(on: store.database).sort(\.$legalName).all()
    }

    /// Every user but the internal system one, by e-mail, with the failed sign-ins on record for their login.
    public func users() async throws -> [(user: UserModel, signInFailures: SignInFailureModel?)] {
        let users = try await UserModel.query(on: store.database).filter(\.$role != .system).sort(\.$email).all()
        let failures = Dictionary(try await SignInFailureModel.query(on: store.database).all().map { ($0.login, $0) }, uniquingKeysWith: { first, _ in first })
        return users.map { ($0, failures[$0.email]) }
    }

    /// A user's tokens, newest first (never the secret: only its hash is stored).
    public func tokens(of userID: UUID) async throws -> [APITokenModel] {
        try await APITokenModel.query(on: store.database).filter(\.$userID == userID).sort(\.$createdAt, .descending).all()
    }

    /// The lock-out state of a user's login, if any failure is on record.
    public func signInFailures(of user: UserModel) async throws -> SignInFailureModel? {
        try await SignInFailureModel.query(on: store.database).filter(\.$login == user.email).first()
    }
}
