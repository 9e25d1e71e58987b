import EDCDomain
import Fluent
import Foundation
import Persistence
import Vapor

/// ANS administrators: operators, users, tokens, audit verification.
enum AdminController {
    struct OperatorBody: Codable {
        var legalName: Name
        var siren: SIREN
        var supportPhone: FrenchPhoneNumber
        var supportEmail: EmailAddress
        var responsibleContact: ContactLine?
    }

    struct OperatorCorrectionBody: Codable {
        var legalName: Name?
        var supportPhone: FrenchPhoneNumber?
        var supportEmail: EmailAddress?
        var responsibleContact: ContactLine?
        var reason: FreeText
    }

    struct UserBody: Codable {
        var email: EmailAddress
        var displayName: Name
        var role: Role
        var operatorID: UUID?
        var password: String
    }

    struct TokenBody: Codable {
        var name: String
        var lifetimeDays: Int?
    }

    struct AuditVerificationResource: Content {
        var entries: Int
        var intact: Bool
        var brokenAt: Int?
        var problem: String?
    }

    /// `GET /api/v1/admin/operators` (ANS)
    static func operators(_ req: Request) async throws -> [OperatorResource] {
        _ = try req.requireANS()
        return try await req.accounts.operators().map(OperatorResource.init)
    }

    /// `POST /api/v1/admin/operators`
    static func createOperator(_ req: Request) async throws -> Response {
        let principal = try req.requireAdministrator()
        let body = try JSONInput.decode(OperatorBody.self, from: req)
        let model = try await req.accounts.createOperator(
            by: principal.auditActor, legalName: body.legalName, siren: body.siren, supportPhone: body.supportPhone,
            supportEmail: body.supportEmail, responsibleContact: body.responsibleContact)
        return try created(OperatorResource(model))
    }

    /// `PATCH /api/v1/admin/operators/{operatorID}` (ANS): corrects an operator's registry data,
    /// with a reason; audited with old and new values; the white list follows.
    static func correctOperator(_ req: Request) async throws -> OperatorResource {
        let principal = try req.requireANS()
        let body = try JSONInput.decode(OperatorCorrectionBody.self, from: req)
        let change = OperatorDataChange(legalName: body.legalName, supportPhone: body.supportPhone, supportEmail: body.supportEmail, responsibleContact: body.responsibleContact)
        return try OperatorResource(try await req.workflow.correctOperator(principal, operatorID: try req.uuid("operatorID"), change: change, reason: body.reason))
    }

    /// `POST /api/v1/admin/users`
    static func createUser(_ req: Request) async throws -> Response {
        let principal = try req.requireAdministrator()
        let body = try JSONInput.decode(UserBody.self, from: req)
        let user = try await req.accounts.createUser(
            by: principal.auditActor, email: body.email, displayName: body.displayName, role: body.role, operatorID: body.operatorID, password: body.password)
        return try created(UserResource(user))
    }

    struct UserAccountResource: Content {
        var user: UserResource
        var signIn: SignInStateResource
    }

    /// `GET /api/v1/admin/users` (ANS): every user, with disabled state and lock-outs.
    static func users(_ req: Request) async throws -> [UserAccountResource] {
        _ = try req.requireANS()
        let now = req.edc.settings.clock()
        return try await req.accounts.users().map { UserAccountResource(user: try UserResource($0.user), signIn: SignInStateResource($0.signInFailures, now: now)) }
    }

    /// `POST /api/v1/admin/users/{id}/disable` (administrators): the user's tokens stop working at once.
    static func disableUser(_ req: Request) async throws -> UserResource {
        let principal = try req.requireAdministrator()
        return try UserResource(try await req.accounts.setDisabled(true, userID: try req.uuid("userID"), by: principal.auditActor))
    }

    /// `POST /api/v1/admin/users/{id}/enable` (administrators)
    static func enableUser(_ req: Request) async throws -> UserResource {
        let principal = try req.requireAdministrator()
        return try UserResource(try await req.accounts.setDisabled(false, userID: try req.uuid("userID"), by: principal.auditActor))
    }

    /// `POST /api/v1/admin/users/{id}/unlock` (administrators): lifts a sign-in lock-out.
    static func unlockUser(_ req: Request) async throws -> HTTPStatus {
        let principal = try req.requireAdministrator()
        try await req.accounts.unlock(userID: try req.uuid("userID"), by: principal.auditActor)
        return .noContent
    }

    struct PasswordResetBody: Codable {
        var password: String
    }

    /// `POST /api/v1/admin/users/{id}/password` (administrators): sets a new password and revokes the user's tokens.
    static func resetPassword(_ req: Request) async throws -> HTTPStatus {
        let principal = try req.requireAdministrator()
        let body = try JSONInput.decode(PasswordResetBody.self, from: req)
        try await req.accounts.setPassword(body.password, userID: try req.uuid("userID"), by: principal.auditActor)
        return .noContent
    }

    /// `GET /api/v1/admin/users/{id}/tokens` (administrators)
    static func userTokens(_ req: Request) async throws -> [TokenResource] {
        _ = try req.requireAdministrator()
        let userID = try req.uuid("userID")
        _ = try await req.accounts.user(userID)
        return try await req.accounts.tokens(of: userID).map(TokenResource.init)
    }

    /// `DELETE /api/v1/admin/users/{id}/tokens` (administrators): revokes every token of the user.
    static func revokeUserTokens(_ req: Request) async throws -> HTTPStatus {
        let principal = try req.requireAdministrator()
        try await req.accounts.revokeAllTokens(of: try req.uuid("userID"), by: principal.auditActor)
        return .noContent
    }

    /// `POST /api/v1/admin/users/{id}/tokens`: a token for a machine client.
    static func issueToken(_ req: Request) async throws -> Response {
        let principal = try req.requireAdministrator()
        let body = try JSONInput.decode(TokenBody.self, from: req)
        let issued = try await req.accounts.issueToken(by: principal.auditActor, forUserID: try req.uuid("userID"), name: body.name, lifetimeDays: body.lifetimeDays)
        return try created(issued)
    }

    /// `DELETE /api/v1/admin/tokens/{id}`
    static func revokeToken(_ req: Request) async throws -> HTTPStatus {
        let principal = try req.requireAdministrator()
        try await req.accounts.revokeToken(by: principal.auditActor, id: try req.uuid("tokenID"))
        return .noContent
    }

    /// `GET /api/v1/admin/audit/verification`: recomputes the audit hash chain.
    static func verifyAudit(_ req: Request) async throws -> AuditVerificationResource {
        _ = try req.requireAdministrator()
        let result = try await AuditLog.verify(on: req.db)
        return AuditVerificationResource(entries: result.entries, intact: result.isIntact, brokenAt: result.brokenAt, problem: result.problem)
    }

    struct OutboxSummaryResource: Content {
        var topics: [OutboxAdministration.TopicSummary]
    }

    struct DeadLetterResource: Content {
        var id: UUID
        var topic: String
        var payload: JSONValue
        var attempts: Int
        var lastError: String?
        var createdAt: Date
        var lastAttemptAt: Date?
        var deadAt: Date?

        init(_ event: OutboxEventModel) {
            id = event.id!
            topic = event.topic.rawValue
            payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8))) ?? .string(event.payload)
            attempts = event.attempts
            lastError = event.lastError
            createdAt = event.createdAt
            lastAttemptAt = event.lastAttemptAt
            deadAt = event.deadAt
        }
    }

    struct DeadLetterPage: Content {
        var items: [DeadLetterResource]
    }

    /// `GET /api/v1/admin/outbox`: backlog, due, claimed and dead events per topic (administrators).
    static func outboxSummary(_ req: Request) async throws -> OutboxSummaryResource {
        _ = try req.requireAdministrator()
        return OutboxSummaryResource(topics: try await OutboxAdministration.summary(on: req.db, now: req.edc.settings.clock()))
    }

    /// `GET /api/v1/admin/outbox/dead-letters`: the events that kept failing, newest first, with the last error.
    static func deadLetters(_ req: Request) async throws -> DeadLetterPage {
        _ = try req.requireAdministrator()
        return DeadLetterPage(items: try await OutboxAdministration.deadLetters(on: req.db).map(DeadLetterResource.init))
    }

    /// `POST /api/v1/admin/outbox/{eventID}/retry`: a dead letter is due again (audited); 404 for
    /// anything else.
    static func retryOutboxEvent(_ req: Request) async throws -> DeadLetterResource {
        let principal = try req.requireAdministrator()
        let id = try req.uuid("eventID")
        let actor = principal.auditActor
        guard let event = try await req.edc.store.write({ context in try await OutboxAdministration.retry(id, by: actor, in: context) }) else {
            throw Abort(.notFound, reason: "Aucun message en échec ne porte cet identifiant.")
        }
        return DeadLetterResource(event)
    }

    private static func created(_ content: some Content) throws -> Response {
        let response = Response(status: .created)
        try response.content.encode(content)
        return response
    }
}

extension Principal {
    var auditActor: AuditActor { AuditActor(userID: userID, role: role) }
}
