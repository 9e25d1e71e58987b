import Vapor

/// A path that exists with other methods answers 405 with `Allow` (RFC 9110), not 404.
/// Built once from the routes; consulted only when the router found nothing for the request.
struct MethodNotAllowedMiddleware: Middleware {
    /// Each route pattern (`nil` for a parameter) with the methods it answers.
    private let patterns: [(components: [String?], methods: [HTTPMethod])]

    init(routes: Routes) {
        var patterns: [(components: [String?], methods: [HTTPMethod])] = []
        for route in routes.all {
            let components = route.path.map { component -> String? in
                if case .constant(let text) = component { return text.lowercased() }
                return nil
            }
            if let index = patterns.firstIndex(where: { $0.components == components }) {
                patterns[index].methods.append(route.method)
            } else {
                patterns.append((components, [route.method]))
            }
        }
        self.patterns = patterns
    }

    private func allowedMethods(for path: String) -> [HTTPMethod]? {
        let segments = path.split(separator: "/").map { $0.lowercased() }
        let matching = patterns.filter { pattern in
            pattern.components.count == segments.count
                && zip(pattern.components, segments).allSatisfy { component, segment in component == nil || component == segment }
        }
        return matching.isEmpty ? nil : matching.flatMap(\.methods)
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            guard request.route == nil, (error as? any AbortError)?.status == .notFound else {
                return request.eventLoop.makeFailedFuture(error)
            }
            guard let allowed = allowedMethods(for: request.url.path), !allowed.contains(request.method) else {
                return request.eventLoop.makeFailedFuture(error)
            }
            var names = Array(Set(allowed.map(\.rawValue)))
            if allowed.contains(.GET), !allowed.contains(.HEAD) { names.append("HEAD") }
            return request.eventLoop.makeFailedFuture(MethodNotAllowed(allow: names.sorted().joined(separator: ", ")))
        }
    }
}

struct MethodNotAllowed: AbortError {
    let allow: String
    var status: HTTPResponseStatus { .methodNotAllowed }
    var reason: String { "Méthode non autorisée pour cette adresse." }
    var headers: HTTPHeaders { ["Allow": allow] }
}
