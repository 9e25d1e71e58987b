import Crypto
import EDCDomain
import Fluent
import Foundation
import Persistence
import Vapor

/// `Idempotency-Key` on state-changing POSTs: the first request with a key runs; a retry with the
/// same key and the same request gets the stored response back (`Idempotent-Replayed: true`);
/// the same key with a different request is refused.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let header = "Idempotency-Key"
    /// After this long, a first attempt still marked in progress is considered abandoned.
    static let abandonedAfter: TimeInterval = 600

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, let key = request.headers.first(name: Self.header) else {
            return try await next.respond(to: request)
        }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ValidationErrors([ValidationError(code: "idempotency.key", field: Self.header, userMessage: "La clé d'idempotence doit comporter 1 à 200 caractères ASCII visibles.", technicalDetail: "bad Idempotency-Key")])
        }
        // Responses that carry a new secret (API tokens) must not be stored: no replay for them.
        // Decided on the matched route, not the raw path (`…/tokens/` routes to the same handler).
        let issuesSecret = request.route?.path.last?.description == "tokens"
        guard let userID = try request.currentUser.user.id, !issuesSecret else {
            return try await next.respond(to: request)
        }
        // The body may still be streaming: collect it (within the route's limit) before hashing it.
        // The route's limit (decided on the matched route: `/documents/` is the document route too), +1
        // as for the routes themselves: exactly the limit is accepted.
        let isDocument = request.route?.path.last?.description == "documents"
        let limit = (isDocument ? request.edc.settings.maxDocumentSize : request.edc.settings.maxJSONBody) + 1
        let body = try await request.body.collect(max: limit).get()
        var hasher = SHA256()
        // The media type is part of the request: the same bytes as JSON or as a PDF are different requests.
        hasher.update(data: Data("\(request.method.rawValue) \(request.url.path)?\(request.url.query ?? "")\n\(request.headers.first(name: .contentType) ?? "")\n".utf8))
        if let body { hasher.update(data: Data(body.readableBytesView)) }
        let requestHash = hasher.finalize().hexString

        let record = IdempotencyRecordModel()
        record.id = UUID()
        record.userID = userID
        record.key = key
        record.requestHash = requestHash
        record.status = 0
        record.contentType = ""
        record.body = Data()
        record.createdAt = request.edc.settings.clock()
        // Through the store, like every write, so that SQLite sees one writer at a time.
        do {
            try await request.store.write { context in try await record.create(on: context.database) }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            return try await replay(key: key, userID: userID, requestHash: requestHash, on: request.db, now: request.edc.settings.clock())
        }

        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            let (status, _, _) = ProblemMiddleware.describe(error)
            if status.code >= 500 { try? await request.store.write { context in try await record.delete(on: context.database) } } else {
                // A refused request is as final as an accepted one: store the problem it produced.
                let problemResponse = try ProblemMiddleware.response(for: error, request: request, log: false)
                try await store(problemResponse, in: record, on: request.store)
            }
            throw error
        }
        if response.status.code >= 500 {
            try? await request.store.write { context in try await record.delete(on: context.database) }
        } else {
            try await store(response, in: record, on: request.store)
        }
        return response
    }

    private func store(_ response: Response, in record: IdempotencyRecordModel, on store: Store) async throws {
        record.status = Int(response.status.code)
        record.contentType = response.headers.first(name: .contentType) ?? ""
        record.location = response.headers.first(name: .location)
        record.body = response.body.data ?? Data(response.body.buffer?.readableBytesView ?? ByteBuffer().readableBytesView)
        try await store.write { context in try await record.save(on: context.database) }
    }

    private func replay(key: String, userID: UUID, requestHash: String, on db: any Database, now: Date) async throws -> Response {
        guard let existing = try await IdempotencyRecordModel.query(on: db).filter(\.$userID == userID).filter(\.$key == key).first() else {
            throw Abort(.conflict, reason: "Requête en cours de traitement avec cette clé d'idempotence.")
        }
        guard existing.requestHash == requestHash else {
            throw ValidationErrors([ValidationError(code: "idempotency.mismatch", field: Self.header, userMessage: "Cette clé d'idempotence a déjà servi pour une autre requête.", technicalDetail: "Idempotency-Key reused with a different request")])
        }
        guard existing.status != 0 else {
            // A first attempt that never stored its outcome (the process stopped): let the key be used again.
            if now.timeIntervalSince(existing.createdAt) > Self.abandonedAfter {
                try await existing.delete(on: db)
                throw Abort(.conflict, reason: "La requête précédente avec cette clé n'a pas abouti : renvoyez-la.")
            }
            throw Abort(.conflict, reason: "Requête en cours de traitement avec cette clé d'idempotence.")
        }
        let response = Response(status: HTTPResponseStatus(statusCode: existing.status), body: .init(data: existing.body))
        if !existing.contentType.isEmpty { response.headers.replaceOrAdd(name: .contentType, value: existing.contentType) }
        if let location = existing.location { response.headers.replaceOrAdd(name: .location, value: location) }
        response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
        return response
    }
}
