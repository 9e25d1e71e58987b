import Documents
import EDCDomain
import Foundation
import Persistence
import Vapor

/// Operators file and follow requests; everyone acts on them through `actions/{action}`.
enum RequestsController {
    struct CreateBody: Codable {
        var kind: RequestKind
        var drimboxID: UUID?
        var submit: Bool?
        var payload: JSONValue
    }

    struct UpdateBody: Codable {
        var payload: JSONValue
        var version: Int?
    }

    struct ActionBody: Codable {
        var reason: String?
        var version: Int?
    }

    /// `GET /api/v1/requests`: the requests the caller may see, newest first.
    static func list(_ req: Request) async throws -> PageResource<RequestResource> {
        let principal = try req.principal
        let query = try req.decodedQuery(ListQuery.self)
        let page = try await RequestQueries(database: req.db).list(
            for: principal, before: try query.intCursor(), limit: try query.validatedLimit(),
            state: try query.parsed(RequestState.self, query.state, field: "state"),
            kind: try query.parsed(RequestKind.self, query.kind, field: "kind"))
        return PageResource(items: try page.items.map(RequestResource.init), nextCursor: page.nextCursor)
    }

    /// `POST /api/v1/requests`: files a request, as a draft or submitted (`"submit": true`).
    static func create(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let data = try JSONInput.body(of: req)
        let body = try JSONInput.decode(CreateBody.self, from: data)
        let payload = try decodePayload(body.payload, kind: body.kind)
        let model = try await req.workflow.createRequest(principal, kind: body.kind, drimboxID: body.drimboxID, payload: payload, submit: body.submit ?? false)
        let response = Response(status: .created)
        try response.content.encode(try RequestResource(model))
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/requests/\(try model.requireID())")
        return response
    }

    /// `GET /api/v1/requests/{id}`
    static func show(_ req: Request) async throws -> RequestResource {
        try RequestResource(try await RequestQueries(database: req.db).find(try req.uuid("requestID"), for: try req.principal))
    }

    /// `PATCH /api/v1/requests/{id}`: replaces the content of a draft or of a request under correction.
    static func update(_ req: Request) async throws -> RequestResource {
        let principal = try req.principal
        let id = try req.uuid("requestID")
        let existing = try await RequestQueries(database: req.db).find(id, for: principal)
        let body = try JSONInput.decode(UpdateBody.self, from: req)
        let payload = try decodePayload(body.payload, kind: existing.kind)
        return try RequestResource(try await req.workflow.updateRequest(principal, requestID: id, payload: payload, expectedVersion: body.version))
    }

    /// `GET /api/v1/requests/{id}/history`: every transition, oldest first.
    static func history(_ req: Request) async throws -> [TransitionResource] {
        let queries = RequestQueries(database: req.db)
        let request = try await queries.find(try req.uuid("requestID"), for: try req.principal)
        return try await queries.history(of: request).map(TransitionResource.init)
    }

    /// `GET /api/v1/requests/{id}/export.zip`: the archive of the request (form, history, audit
    /// entries, documents decrypted), for its operator and ANS; 404 for anyone else. Audited.
    static func export(_ req: Request) async throws -> Response {
        let archive = try await RequestExport(vault: req.edc.vault).archive(of: try req.uuid("requestID"), for: try req.principal, in: req.edc.store)
        return .attachment(archive.bytes, type: "application/zip", filename: archive.filename)
    }

    /// `POST /api/v1/requests/{id}/actions/{action}`: submit, resubmit, withdraw, consent (operators);
    /// startReview, requestCorrection, approve, reject (ANS).
    static func perform(_ req: Request) async throws -> RequestResource {
        let principal = try req.principal
        let id = try req.uuid("requestID")
        guard let actionName = req.parameters.get("action"), let action = RequestAction(rawValue: actionName) else {
            throw Abort(.notFound, reason: "Action inconnue.")
        }
        let body: ActionBody = req.body.data.map { $0.readableBytes > 0 } == true ? try JSONInput.decode(ActionBody.self, from: req) : ActionBody()
        return try RequestResource(try await req.workflow.perform(principal, requestID: id, action: action, reason: body.reason, expectedVersion: body.version))
    }

    /// `GET /api/v1/review/queue`: ANS review queue, oldest first.
    static func queue(_ req: Request) async throws -> PageResource<RequestResource> {
        _ = try req.requireANS()
        let query = try req.decodedQuery(ListQuery.self)
        if query.state != nil {
            throw ValidationErrors([ValidationError(code: "query.state", field: "state", userMessage: "La file d'instruction ne se filtre pas par état.", technicalDetail: "state filter not supported on the review queue")])
        }
        let page = try await RequestQueries(database: req.db).reviewQueue(
            after: try query.intCursor(), limit: try query.validatedLimit(), kind: try query.parsed(RequestKind.self, query.kind, field: "kind"))
        return PageResource(items: try page.items.map(RequestResource.init), nextCursor: page.nextCursor)
    }

    private static func decodePayload(_ value: JSONValue, kind: RequestKind) throws -> RequestPayload {
        let data = try JSONText.encoder.encode(value)
        let payload: RequestPayload
        do {
            payload = try RequestPayload.decode(kind: kind, from: data, using: JSONText.decoder)
        } catch let error as DecodingError {
            throw ValidationErrors([JSONInput.validationError(from: error, prefix: "payload")])
        }
        try JSONInput.rejectUnknownFields(in: data, comparedTo: try payload.encoded(using: JSONText.encoder), prefix: "payload")
        let problems = payload.problems().map { $0.at(field: "payload" + ($0.field.map { ".\($0)" } ?? "")) }
        if !problems.isEmpty { throw ValidationErrors(problems) }
        return payload
    }
}

extension Request {
    /// A UUID path parameter; a malformed one is simply not found.
    func uuid(_ name: String) throws -> UUID {
        // Exactly the 36 characters of a UUID: Foundation's parser stops at a NUL (`…%00`) and would accept the rest.
        guard let text = parameters.get(name), text.utf8.count == 36,
              text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }),
              let id = UUID(uuidString: text) else {
            throw Abort(.notFound, reason: "Élément introuvable.")
        }
        return id
    }
}
