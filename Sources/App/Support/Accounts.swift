import EDCDomain
import Fluent
import NIOConcurrencyHelpers
import Foundation
import Persistence
import Vapor

/// Creating operators, users and tokens — used by the admin API, the `edc` admin commands and the demo seed.
struct Accounts: Sendable {
    let store: Store
    let passwordCost: Int

    struct IssuedToken: Content {
        var id: UUID
        var token: String
        var expiresAt: Date?
    }

    func createOperator(by actor: AuditActor, legalName: Name, siren: SIREN, supportPhone: FrenchPhoneNumber, supportEmail: EmailAddress, responsibleContact: ContactLine?) async throws -> OperatorModel {
        let name = legalName.value
        return try await store.write { context in
            if try await OperatorModel.query(on: context.database).filter(\.$siren == siren.value).first() != nil {
                throw ValidationErrors([ValidationError(code: "operator.siren_taken", field: "siren", userMessage: "Un opérateur avec ce SIREN existe déjà.", technicalDetail: "operator SIREN \(siren.value) exists")])
            }
            let model = OperatorModel(id: UUID(), legalName: name, siren: siren.value, supportPhone: supportPhone.value, supportEmail: supportEmail.value, responsibleContact: responsibleContact?.value)
            try await model.create(on: context.database)
            try await context.audit(actor, action: "operator.create", entityType: "operator", entityID: siren.value, data: ["legalName": name])
            return model
        }
    }

    func createUser(by actor: AuditActor, email: EmailAddress, displayName: Name, role: Role, operatorID: UUID?, password: String) async throws -> UserModel {
        var problems: [ValidationError] = []
        if role == .system {
            problems.append(ValidationError(code: "user.role", field: "role", userMessage: "Rôle invalide.", technicalDetail: "system role is internal"))
        }
        if (role == .operatorUser) != (operatorID != nil) {
            problems.append(ValidationError(code: "user.operator", field: "operatorID", userMessage: "Un utilisateur opérateur doit être rattaché à un opérateur, et lui seul.", technicalDetail: "operatorID must be set exactly for operator users"))
        }
        // bcrypt reads at most 72 bytes: a longer password would be silently truncated.
        if password.count < 12 || password.utf8.count > 72 {
            problems.append(ValidationError(code: "user.password_length", field: "password", userMessage: "Le mot de passe doit comporter de 12 caractères à 72 octets.", technicalDetail: "password length \(password.count) characters, \(password.utf8.count) bytes"))
        }
        let name = displayName.value
        if !problems.isEmpty { throw ValidationErrors(problems) }
        let hash = try Bcrypt.hash(password, cost: passwordCost)
        let login = Self.login(email)
        return try await store.write { context in
            if let operatorID, try await OperatorModel.find(operatorID, on: context.database) == nil {
                throw ValidationErrors([ValidationError(code: "user.operator_unknown", field: "operatorID", userMessage: "Opérateur inconnu.", technicalDetail: "operator \(operatorID) not found")])
            }
            if try await UserModel.query(on: context.database).filter(\.$email == login).first() != nil {
                throw ValidationErrors([ValidationError(code: "user.email_taken", field: "email", userMessage: "Cette adresse est déjà utilisée.", technicalDetail: "email taken")])
            }
            let user = UserModel(id: UUID(), email: login, displayName: name, role: role.rawValue, operatorID: operatorID, passwordHash: hash)
            try await user.create(on: context.database)
            try await context.audit(actor, action: "user.create", entityType: "user", entityID: try user.requireID().uuidString, data: ["email": login, "role": role.rawValue])
            return user
        }
    }

    func issueToken(by actor: AuditActor, for user: UserModel, name: String, lifetime: TimeInterval?) async throws -> IssuedToken {
        let token = TokenHasher.generate()
        return try await store.write { context in
            let model = APITokenModel(id: UUID(), userID: try user.requireID(), name: String(name.prefix(100)), tokenHash: TokenHasher.hash(token), expiresAt: lifetime.map { context.now.addingTimeInterval($0) })
            try await model.create(on: context.database)
            try await context.audit(actor, action: "token.issue", entityType: "user", entityID: try user.requireID().uuidString, data: ["tokenID": try model.requireID().uuidString, "name": model.name])
            return IssuedToken(id: try model.requireID(), token: token, expiresAt: model.expiresAt)
        }
    }

    func revokeToken(by actor: AuditActor, id: UUID, ownedBy userID: UUID? = nil) async throws {
        try await store.write { context in
            guard let token = try await APITokenModel.find(id, on: context.database), userID == nil || token.userID == userID else {
                throw NotFoundError(entity: "token", id: id.uuidString)
            }
            guard token.revokedAt == nil else { return }
            token.revokedAt = context.now
            try await token.save(on: context.database)
            try await context.audit(actor, action: "token.revoke", entityType: "user", entityID: token.userID.uuidString, data: ["tokenID": id.uuidString])
        }
    }

    /// Checks e-mail and password; nil when they don't match (same answer for an unknown user).
    func verifyPassword(email: String, password: String, on database: any Database) async throws -> UserModel? {
        let user = try await UserModel.query(on: database).filter(\.$email == Self.login(email)).first()
        guard let user, user.disabledAt == nil else {
            _ = try? Bcrypt.verify(password, created: Self.dummyHash(cost: passwordCost))
            return nil
        }
        return try Bcrypt.verify(password, created: user.passwordHash) ? user : nil
    }

    /// The form an e-mail address is stored and looked up in, so that sign-in ignores case
    /// (EmailAddress keeps the local part as typed).
    static func login(_ email: EmailAddress) -> String { email.value.lowercased() }
    static func login(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    /// Verified against when the user is unknown, so that both cases take the same time: made
    /// once per cost, with the cost real passwords use.
    private static func dummyHash(cost: Int) -> String {
        dummyHashes.withLockedValue { hashes in
            if let hash = hashes[cost] { return hash }
            let hash = (try? Bcrypt.hash(UUID().uuidString, cost: cost)) ?? ""
            hashes[cost] = hash
            return hash
        }
    }

    private static let dummyHashes = NIOLockedValueBox<[Int: String]>([:])
}

extension Request {
    var accounts: Accounts { Accounts(store: store, passwordCost: edc.settings.passwordCost) }
}
