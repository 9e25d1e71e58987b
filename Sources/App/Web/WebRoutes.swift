import Foundation
import Leaf
import LeafKit
import Vapor

/// Leaf templates from the app's resources (cached unless `EDC_TEMPLATES_RELOAD` points at a
/// source directory to edit them live), and the static files.
func configureWeb(_ app: Application, settings: Settings) throws {
    guard let views = Bundle.module.resourceURL?.appendingPathComponent("Views").path,
          let publicFiles = Bundle.module.resourceURL?.appendingPathComponent("Public").path else {
        throw SettingsError("the app's Views and Public resources are missing from its bundle")
    }
    let directory = ProcessInfo.processInfo.environment["EDC_TEMPLATES_RELOAD"].flatMap { $0.isEmpty ? nil : $0 } ?? views
    app.leaf.sources = .singleSource(NIOLeafFiles(fileio: app.fileio, limits: [.toSandbox, .requireExtensions], sandboxDirectory: directory, viewDirectory: directory))
    app.leaf.cache.isEnabled = directory == views
    app.views.use(.leaf)
    StaticFiles(dsfrDirectory: settings.web.dsfrDirectory, publicDirectory: publicFiles, stateBrand: settings.web.stateBrand).register(app)
}

/// The web pages' routes; see `PublicPages`, `AccountPages`, `OperatorPages` and `ReviewPages`.
func webRoutes(_ app: Application) {
    let web = app.grouped(WebSessionAuthenticator(), CSRFProtection())
    web.get(use: PublicPages.home)
    web.get("connexion", use: PublicPages.signInPage)
    web.post("connexion", use: PublicPages.signIn)
    web.post("deconnexion", use: PublicPages.signOut)
    web.get("guides", ":guide", use: PublicPages.guide)
    AccountPages.register(web)

    let signedIn = web.grouped(WebSignInRequired())
    AccountPages.registerSignedIn(signedIn)
    OperatorTokenPages.register(signedIn)
    OperatorPages.register(signedIn.grouped("espace").grouped(WebOperatorOnly()))
    ReviewPages.register(signedIn.grouped("ans").grouped(WebANSOnly()))
}

/// Errors on the pages are pages too (French, in the layout), not problem documents: for any
/// request outside the API and operations endpoints whose client accepts HTML.
struct WebErrorPages: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            guard Self.wantsPage(request) else { return request.eventLoop.makeFailedFuture(error) }
            let promise = request.eventLoop.makePromise(of: Response.self)
            promise.completeWithTask { try await Self.page(for: error, request: request) }
            return promise.futureResult
        }
    }

    static func wantsPage(_ request: Request) -> Bool {
        let path = request.url.path
        for prefix in ["/api/", "/q/", "/metrics", "/liste-blanche", "/dsfr/", "/static/", "/attestations/"] where path.hasPrefix(prefix) { return false }
        return request.headers[.accept].contains { $0.contains("text/html") }
    }

    struct ErrorContent: Encodable {
        var status: Int
        var message: String
    }

    static func page(for error: any Error, request: Request) async throws -> Response {
        let (status, problem, technical) = ProblemMiddleware.describe(error)
        if status.code >= 500 {
            request.logger.error("page failed", metadata: ["error": .string(technical), "path": .string(request.url.path)])
        } else {
            request.logger.info("page refused", metadata: ["status": .stringConvertible(status.code), "error": .string(technical)])
        }
        let title: String = switch status.code {
        case 404: "Page introuvable"
        case 403: "Action refusée"
        case 401: "Connexion requise"
        case 409: "Action impossible"
        case 413: "Envoi trop volumineux"
        case 429: "Trop de demandes"
        case 500...: "Erreur du service"
        default: "Demande refusée"
        }
        // A path no route matched never went through the session middleware: the page still shows who is signed in.
        try? await WebSessionAuthenticator.authenticate(request)
        let message = status == .notFound ? "La page demandée n'existe pas, ou vous n'avez pas accès à son contenu." : problem.detail
        return try await request.page("erreur", title: title, content: ErrorContent(status: Int(status.code), message: message), status: status)
    }
}
