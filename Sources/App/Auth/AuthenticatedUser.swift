import Accounts
import Crypto
import EDCDomain
import Fluent
import Foundation
import Persistence
import Vapor

/// The signed-in user of a request, with the principal the workflow acts for.
struct AuthenticatedUser: Authenticatable {
    var user: UserModel
    var principal: Principal
    /// The token this request came with.
    var tokenID: UUID?
}

/// `Authorization: Bearer <token>`: looks up the SHA-256 of the token among live tokens.
struct BearerTokenAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        let hash = TokenHasher.hash(bearer.token)
        guard let token = try await APITokenModel.query(on: request.db).filter(\.$tokenHash == hash).first(),
              token.revokedAt == nil,
              token.expiresAt.map({ $0 > request.edc.settings.clock() }) ?? true,
              let user = try await UserModel.find(token.userID, on: request.db),
              user.disabledAt == nil
        else { return }
        let role = user.role
        request.auth.login(AuthenticatedUser(user: user, principal: Principal(userID: user.id, role: role, operatorID: user.operatorID), tokenID: token.id))
    }
}


extension Request {
    /// The signed-in user; 401 when none.
    var currentUser: AuthenticatedUser {
        get throws {
            guard let user = auth.get(AuthenticatedUser.self) else {
                throw Abort(.unauthorized, reason: "Authentification requise.")
            }
            return user
        }
    }

    var principal: Principal {
        get throws { try currentUser.principal }
    }

    /// ANS staff only; operators get 404, as for anything they may not see.
    func requireANS() throws -> Principal {
        let principal = try self.principal
        guard principal.role.isANS else { throw Abort(.notFound, reason: "Élément introuvable.") }
        return principal
    }

    func requireAdministrator() throws -> Principal {
        let principal = try self.principal
        guard principal.role == .administrator else { throw Abort(.notFound, reason: "Élément introuvable.") }
        return principal
    }
}
