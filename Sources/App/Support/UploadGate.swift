import NIOConcurrencyHelpers
import Vapor

/// At most `limit` document uploads are read at once; another one is refused at once with 503 and
/// `Retry-After`, before its body is read. With the 20 MiB cap this bounds the memory uploads use
/// (the audit saw 8 parallel uploads take the process from 141 to 760 MB).
final class UploadGate: AsyncMiddleware, Sendable {
    private let limit: Int
    private let inFlight = NIOLockedValueBox(0)

    init(limit: Int) {
        self.limit = limit
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let admitted = inFlight.withLockedValue { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else { throw UploadsBusy() }
        defer { inFlight.withLockedValue { $0 -= 1 } }
        return try await next.respond(to: request)
    }
}

struct UploadsBusy: AbortError {
    var status: HTTPResponseStatus { .serviceUnavailable }
    var reason: String { "Trop de dépôts de documents en cours : réessayez dans un instant." }
    var headers: HTTPHeaders { ["Retry-After": "2"] }
}
