import Vapor

/// Headers every response carries, whatever produced it (handlers, errors, static files):
/// - `X-Content-Type-Options: nosniff` everywhere;
/// - a content security policy that lets nothing load and nothing frame the response
///   (`default-src 'none'; frame-ancestors 'none'`), and `X-Frame-Options: DENY` for old browsers;
/// - `Referrer-Policy: no-referrer`;
/// - `Cache-Control: no-store` on API responses (tokens, personal data) unless the handler chose
///   a caching policy itself (the public white list versions);
/// - `Strict-Transport-Security` when the service is reached over HTTPS (`EDC_HSTS`).
/// Not async on purpose, like `ProblemMiddleware`: the white list polling path stays on the event loop.
struct SecurityHeadersMiddleware: Middleware {
    let hsts: Bool

    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            Self.apply(to: &response.headers, path: request.url.path, hsts: hsts)
            return response
        }
    }

    static func apply(to headers: inout HTTPHeaders, path: String, hsts: Bool) {
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        if !headers.contains(name: "Content-Security-Policy") {
            headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
        }
        headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        if path.hasPrefix("/api/"), !headers.contains(name: .cacheControl) {
            headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if hsts {
            headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
    }
}
