import Accounts
import Crypto
import EDCDomain
import Foundation
import Persistence
import Vapor

/// The web pages' session: cookie names, the authenticator that turns the cookie into the signed-in
/// user (the same `AuthenticatedUser` and `Principal` as the API), and the anti-forgery check.
enum WebCookies {
    static let session = "edc_session"
    /// Anti-forgery token of forms shown before sign-in (double submit: cookie and field agree).
    static let anonymousCSRF = "edc_csrf"
    static let flash = "edc_flash"
}

extension Request {
    private struct WebSessionKey: StorageKey { typealias Value = WebSessions.Current }

    /// The browser session of this request, when its cookie names a live one.
    var webSession: WebSessions.Current? {
        get { storage[WebSessionKey.self] }
        set { storage[WebSessionKey.self] = newValue }
    }

    /// The anti-forgery token forms of this page must carry.
    var csrfToken: String {
        if let session = webSession { return session.session.csrfToken }
        if let token = storage[AnonymousCSRFKey.self] { return token }
        let existing = cookies[WebCookies.anonymousCSRF]?.string
        let token = existing.flatMap { (value: String) -> String? in value.utf8.count == 47 ? value : nil } ?? TokenHasher.generate()
        storage[AnonymousCSRFKey.self] = token
        return token
    }

    fileprivate struct AnonymousCSRFKey: StorageKey { typealias Value = String }
    fileprivate var anonymousCSRFIssued: String? { storage[AnonymousCSRFKey.self] }

    func cookie(_ value: String, maxAge: Int? = nil) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, maxAge: maxAge, path: "/", isSecure: edc.settings.web.secureCookies ?? false, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Reads the session cookie: a live session signs its user in for this request. A session still
/// waiting for its second factor only reaches the second-factor pages.
struct WebSessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await Self.authenticate(request)
        let response = try await next.respond(to: request)
        // A form shown before sign-in issued an anti-forgery token: the cookie carries its twin.
        if request.webSession == nil, let token = request.anonymousCSRFIssued, request.cookies[WebCookies.anonymousCSRF]?.string != token {
            response.cookies[WebCookies.anonymousCSRF] = request.cookie(token)
        }
        return response
    }

    /// Signs the request's user in from its session cookie (also used by the error pages of
    /// paths no route matched, which this middleware never saw).
    static func authenticate(_ request: Request) async throws {
        guard request.webSession == nil, let token = request.cookies[WebCookies.session]?.string,
              let current = try await request.edc.webSessions.find(token: token) else { return }
        request.webSession = current
        if !current.session.secondFactorPending {
            request.auth.login(AuthenticatedUser(
                user: current.user,
                principal: Principal(userID: current.user.id, role: current.user.role, operatorID: current.user.operatorID),
                tokenID: nil))
        }
    }
}

/// Pages for signed-in users: anyone else goes to the sign-in page (and comes back after).
struct WebSignInRequired: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(AuthenticatedUser.self) else {
            if request.webSession?.session.secondFactorPending == true { return request.seeOther("/connexion/verification") }
            let target = request.method == .GET ? request.url.path : ""
            return request.seeOther(target.isEmpty ? "/connexion" : "/connexion?suite=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_"))) ?? "")")
        }
        return try await next.respond(to: request)
    }
}

/// Pages of ANS staff: anyone else gets 404, as for everything they may not see.
struct WebANSOnly: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try request.requireANS()
        return try await next.respond(to: request)
    }
}

/// Pages of operator users.
struct WebOperatorOnly: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard try request.principal.role == .operatorUser else { throw Abort(.notFound) }
        return try await next.respond(to: request)
    }
}

/// Every state-changing web request must carry the anti-forgery token of its session (or, before
/// sign-in, the twin of its cookie) in the `_csrf` field: otherwise 403 and nothing happens.
struct CSRFProtection: AsyncMiddleware {
    static let field = "_csrf"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method != .GET, request.method != .HEAD else { return try await next.respond(to: request) }
        let expected: String?
        if let session = request.webSession {
            expected = session.session.csrfToken
        } else {
            expected = request.cookies[WebCookies.anonymousCSRF]?.string
        }
        // A body larger than the server's first read arrives as a stream, which the route would
        // collect only after this middleware: collect it here (a file upload up to the document
        // limit, anything else up to the JSON body limit), or the token could not be read.
        if request.body.data == nil {
            let multipart = request.headers.contentType?.type == "multipart"
            let limit = multipart ? request.edc.settings.maxDocumentSize + 1_048_576 : request.application.routes.defaultMaxBodySize.value
            _ = try await request.body.collect(max: limit).get()
        }
        // Middleware runs before the route collects the body: collect it here, or a form whose
        // body arrives in several pieces (a file) would be read half-way and refused.
        let limit = request.headers.contentType?.type == "multipart" ? request.edc.settings.maxDocumentSize + 1024 * 1024 : request.edc.settings.maxJSONBody
        _ = try await request.body.collect(max: limit).get()
        let given = try? request.content.get(String.self, at: Self.field)
        guard let expected, let given, Self.equal(expected, given) else {
            request.logger.info("web form refused: anti-forgery token missing or wrong", metadata: ["path": .string(request.url.path)])
            throw Abort(.forbidden, reason: "Ce formulaire a expiré ou ne provient pas d'EDC. Rechargez la page et recommencez.")
        }
        return try await next.respond(to: request)
    }

    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Request {
    /// A one-shot message for the next page (after a redirect).
    func seeOther(_ location: String, flash: String) -> Response {
        let response = seeOther(location)
        response.cookies[WebCookies.flash] = cookie(flash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "", maxAge: 120)
        return response
    }

    /// 303 See Other (after a POST, the browser GETs the new page).
    func seeOther(_ location: String) -> Response {
        redirect(to: location, redirectType: .normal)
    }
}
