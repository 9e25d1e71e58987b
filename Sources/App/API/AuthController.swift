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
    }

    struct MeResource: Content {
        var user: UserResource
        var operatorName: String?
    }

    /// `POST /api/v1/auth/tokens`: a new token valid 30 days.
    static func login(_ req: Request) async throws -> Response {
        let body = try JSONInput.decode(LoginBody.self, from: req)
        guard let user = try await req.accounts.verifyPassword(email: body.email, password: body.password, on: req.db) else {
            throw Abort(.unauthorized, reason: "Adresse e-mail ou mot de passe incorrect.")
        }
        let issued = try await req.accounts.issueToken(
            by: AuditActor(userID: user.id, role: user.role), for: user, name: body.tokenName ?? "api", lifetime: 30 * 86_400)
        let response = Response(status: .created)
        try response.content.encode(issued)
        return response
    }

    /// `DELETE /api/v1/auth/tokens/{id}`: revokes one of the caller's own tokens.
    static func revoke(_ req: Request) async throws -> HTTPStatus {
        let user = try req.currentUser
        try await req.accounts.revokeToken(by: AuditActor(userID: user.user.id, role: user.user.role), id: try req.uuid("tokenID"), ownedBy: user.user.id)
        return .noContent
    }

    /// `GET /api/v1/me`
    static func me(_ req: Request) async throws -> MeResource {
        let user = try req.currentUser
        var op: OperatorModel?
        if let operatorID = user.user.operatorID { op = try await OperatorModel.find(operatorID, on: req.db) }
        return MeResource(user: try UserResource(user.user), operatorName: op?.legalName)
    }
}
