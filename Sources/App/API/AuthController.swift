import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// Sign-in for API clients: exchanges e-mail and password for a bearer token.
enum AuthController {
    struct LoginBody: Codable {
        var email: String
        var password: String
        var tokenName: String?
        /// The TOTP code, for accounts with a second factor.
        var code: String?
    }

    struct MeResource: Content {
        var user: UserResource
        var operatorName: String?
        var signIn: SignInStateResource
    }

    /// `POST /api/v1/auth/tokens`: a new token valid 30 days. 401 for a wrong pair, 429 with
    /// `Retry-After` while the login is locked or the client address throttled (alike for unknown e-mails).
    static func login(_ req: Request) async throws -> Response {
        let body = try JSONInput.decode(LoginBody.self, from: req)
        let user: UserModel
        do {
            user = try await req.edc.signIn.verify(email: body.email, password: body.password, address: req.clientAddress)
        } catch let error as SignInRefused {
            try await slowDown(req)
            throw error
        } catch let error as PasswordHasherOverloaded {
            try await slowDown(req)
            throw error
        }
        // The second factor guards tokens as it guards the pages.
        if req.edc.secondFactor.isEnabled(user) {
            guard let code = body.code?.filter({ !$0.isWhitespace }), !code.isEmpty else {
                throw ValidationErrors([ValidationError(code: "totp.required", field: "code", userMessage: "Ce compte est protégé par une vérification en deux étapes : indiquez le code de votre application.", technicalDetail: "TOTP code required")])
            }
            try await req.edc.secondFactor.verify(userID: user.requireID(), code: code)
        } else if req.edc.secondFactor.isMandatory(for: user) {
            throw Abort(.forbidden, reason: "Activez la vérification en deux étapes dans le portail (Mon compte) avant de demander un jeton d'API.")
        }
        let issued = try await req.accounts.issueToken(
            by: AuditActor(userID: user.id, role: user.role), for: user, name: body.tokenName ?? "api",
            lifetime: min(30 * 86_400, TimeInterval(req.edc.settings.maximumTokenLifetimeDays) * 86_400))
        let response = Response(status: .created)
        try response.content.encode(issued)
        return response
    }

    /// Waits before answering a refused sign-in (no thread held): a guessing client that waits for
    /// each answer, as most do, is slowed down to one attempt per delay and connection.
    private static func slowDown(_ req: Request) async throws {
        let delay = req.edc.settings.signIn.failureDelay
        if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
    }

    /// `DELETE /api/v1/auth/tokens/{id}`: revokes one of the caller's own tokens.
    static func revoke(_ req: Request) async throws -> HTTPStatus {
        let user = try req.currentUser
        try await req.accounts.revokeToken(by: AuditActor(userID: user.user.id, role: user.user.role), id: try req.uuid("tokenID"), ownedBy: user.user.id)
        return .noContent
    }

    /// `GET /api/v1/me`: the signed-in user, with failed sign-ins and any lock-out on their login.
    static func me(_ req: Request) async throws -> MeResource {
        let user = try req.currentUser
        let op = try await req.accounts.organisation(of: user.user)
        let failures = try await req.accounts.signInFailures(of: user.user)
        return MeResource(user: try UserResource(user.user), operatorName: op?.legalName, signIn: SignInStateResource(failures, now: req.edc.settings.clock()))
    }

    struct PasswordChangeBody: Codable {
        var currentPassword: String
        var newPassword: String
    }

    /// `POST /api/v1/me/password`: changes one's own password; other tokens are revoked.
    static func changePassword(_ req: Request) async throws -> HTTPStatus {
        let user = try req.currentUser
        let body = try JSONInput.decode(PasswordChangeBody.self, from: req)
        try await req.accounts.changeOwnPassword(user: user.user, current: body.currentPassword, new: body.newPassword, tokenID: user.tokenID)
        return .noContent
    }

    /// `GET /api/v1/me/tokens`: one's own tokens (names, dates; never the secrets).
    static func tokens(_ req: Request) async throws -> [TokenResource] {
        let user = try req.currentUser
        return try await req.accounts.tokens(of: try user.user.requireID()).map(TokenResource.init)
    }
}

/// Failed sign-ins on record for a login, and the lock they caused.
struct SignInStateResource: Content {
    var failedAttempts: Int
    var lastFailureAt: Date?
    var lockedUntil: Date?

    init(_ model: SignInFailureModel?, now: Date) {
        failedAttempts = model?.failures ?? 0
        lastFailureAt = model?.lastFailureAt
        lockedUntil = model?.lockedUntil.flatMap { $0 > now ? $0 : nil }
    }
}

struct TokenResource: Content {
    var id: UUID
    var name: String
    var createdAt: Date?
    var expiresAt: Date?
    var revokedAt: Date?

    init(_ model: APITokenModel) throws {
        id = try model.requireID()
        name = model.name
        createdAt = model.createdAt
        expiresAt = model.expiresAt
        revokedAt = model.revokedAt
    }
}
