import Vapor

/// The table of contents of the HTTP interface. Keep `Resources/openapi.json` in step (a test checks it).
func routes(_ app: Application) throws {
    app.get("q", "health", use: HealthController.ready)
    app.get("q", "health", "live", use: HealthController.live)
    app.get("q", "health", "ready", use: HealthController.ready)
    app.get("metrics", use: EDCMetrics.scrape)

    let api = app.grouped("api", "v1")
    api.get("openapi.json", use: OpenAPIDocument.serve)
    api.post("auth", "tokens", use: AuthController.login)

    let authenticated = api.grouped(BearerTokenAuthenticator(), AuthenticatedUser.guardMiddleware(), IdempotencyMiddleware())
    authenticated.get("me", use: AuthController.me)
    authenticated.delete("auth", "tokens", ":tokenID", use: AuthController.revoke)

    authenticated.get("requests", use: RequestsController.list)
    authenticated.post("requests", use: RequestsController.create)
    authenticated.get("requests", ":requestID", use: RequestsController.show)
    authenticated.patch("requests", ":requestID", use: RequestsController.update)
    authenticated.get("requests", ":requestID", "history", use: RequestsController.history)
    authenticated.post("requests", ":requestID", "actions", ":action", use: RequestsController.perform)
    authenticated.get("review", "queue", use: RequestsController.queue)

    authenticated.get("drimboxes", use: RegistryController.list)
    authenticated.get("drimboxes", ":drimboxID", use: RegistryController.show)
    authenticated.post("drimboxes", ":drimboxID", "exclusion", use: RegistryController.exclude)

    authenticated.on(.POST, "documents", body: .collect(maxSize: ByteCount(value: app.edc.settings.maxDocumentSize)), use: DocumentsController.upload)
    authenticated.get("documents", ":documentID", use: DocumentsController.download)

    let admin = authenticated.grouped("admin")
    admin.get("operators", use: AdminController.operators)
    admin.post("operators", use: AdminController.createOperator)
    admin.post("users", use: AdminController.createUser)
    admin.post("users", ":userID", "tokens", use: AdminController.issueToken)
    admin.delete("tokens", ":tokenID", use: AdminController.revokeToken)
    admin.get("audit", "verification", use: AdminController.verifyAudit)
}
