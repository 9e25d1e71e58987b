import Vapor

/// The table of contents of the HTTP interface. Keep `Resources/openapi.json` in step (a test checks it).
func routes(_ app: Application) throws {
    app.get("q", "health", use: HealthController.ready)
    app.get("q", "health", "live", use: HealthController.live)
    app.get("q", "health", "ready", use: HealthController.ready)
    app.get("metrics", use: EDCMetrics.scrape)

    webRoutes(app)
    app.get("liste-blanche.xml", use: WhitelistController.current)
    app.get("attestations", ":code", use: AttestationController.verificationPage)
    app.get("liste-blanche", "signataire.pem", use: WhitelistController.signerCertificate)
    app.get("liste-blanche", "racine-test.pem", use: WhitelistController.testRoot)

    let api = app.grouped("api", "v1")
    api.get("liste-blanche", "versions", use: WhitelistController.versions)
    api.get("liste-blanche", "versions", ":version", use: WhitelistController.version)
    api.get("liste-blanche", "versions", ":version", "xml", use: WhitelistController.versionXML)
    api.get("liste-blanche", "versions", ":version", "diff", use: WhitelistController.diff)
    api.get("openapi.json", use: OpenAPIDocument.serve)
    api.post("auth", "tokens", use: AuthController.login)

    let authenticated = api.grouped(BearerTokenAuthenticator(), AuthenticatedUser.guardMiddleware(throwing: Abort(.unauthorized, reason: "Authentification requise.")), IdempotencyMiddleware())
    authenticated.get("me", use: AuthController.me)
    authenticated.post("me", "password", use: AuthController.changePassword)
    authenticated.get("me", "tokens", use: AuthController.tokens)
    authenticated.delete("auth", "tokens", ":tokenID", use: AuthController.revoke)

    authenticated.get("requests", use: RequestsController.list)
    authenticated.post("requests", use: RequestsController.create)
    authenticated.get("requests", ":requestID", use: RequestsController.show)
    authenticated.patch("requests", ":requestID", use: RequestsController.update)
    authenticated.get("requests", ":requestID", "history", use: RequestsController.history)
    authenticated.get("requests", ":requestID", "export.zip", use: RequestsController.export)
    authenticated.get("requests", ":requestID", "attestation.pdf", use: AttestationController.pdf)
    authenticated.post("requests", ":requestID", "actions", ":action", use: RequestsController.perform)
    authenticated.get("review", "queue", use: RequestsController.queue)

    authenticated.get("drimboxes", use: RegistryController.list)
    authenticated.get("drimboxes", ":drimboxID", use: RegistryController.show)
    authenticated.post("drimboxes", ":drimboxID", "exclusion", use: RegistryController.exclude)
    authenticated.post("certificates", "inspection", use: CertificateController.inspect)

    // Streamed: admitted by the upload gate (after authentication, before the idempotency
    // middleware reads the body), then read up to the document limit by the handler.
    api.grouped(BearerTokenAuthenticator(), AuthenticatedUser.guardMiddleware(throwing: Abort(.unauthorized, reason: "Authentification requise.")),
                UploadGate(limit: app.edc.settings.concurrentUploads), IdempotencyMiddleware())
        .on(.POST, "documents", body: .stream, use: DocumentsController.upload)
    authenticated.get("documents", ":documentID", use: DocumentsController.download)

    let admin = authenticated.grouped("admin")
    admin.get("operators", use: AdminController.operators)
    admin.post("operators", use: AdminController.createOperator)
    admin.patch("operators", ":operatorID", use: AdminController.correctOperator)
    admin.get("users", use: AdminController.users)
    admin.post("users", use: AdminController.createUser)
    admin.post("users", ":userID", "disable", use: AdminController.disableUser)
    admin.post("users", ":userID", "enable", use: AdminController.enableUser)
    admin.post("users", ":userID", "unlock", use: AdminController.unlockUser)
    admin.post("users", ":userID", "password", use: AdminController.resetPassword)
    admin.get("users", ":userID", "tokens", use: AdminController.userTokens)
    admin.delete("users", ":userID", "tokens", use: AdminController.revokeUserTokens)
    admin.post("users", ":userID", "tokens", use: AdminController.issueToken)
    admin.delete("tokens", ":tokenID", use: AdminController.revokeToken)
    admin.get("audit", "verification", use: AdminController.verifyAudit)
    admin.get("outbox", use: AdminController.outboxSummary)
    admin.get("outbox", "dead-letters", use: AdminController.deadLetters)
    admin.post("outbox", ":eventID", "retry", use: AdminController.retryOutboxEvent)
    admin.get("liste-blanche", "publication", use: WhitelistController.publicationStatus)
    admin.post("liste-blanche", "publication", use: WhitelistController.publishNow)
}
