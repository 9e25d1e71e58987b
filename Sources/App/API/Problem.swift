import EDCDomain
import Foundation
import Persistence
import Vapor

/// An RFC 9457 problem document. `detail` is French, for users; logs get the English detail.
struct Problem: Content {
    struct FieldError: Content, Equatable {
        var field: String?
        var code: String
        var detail: String
    }

    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var errors: [FieldError]?
}

/// Turns every error into `application/problem+json`, and logs the technical cause.
/// Not async on purpose: a global async middleware costs a task and a thread hop on every request,
/// including the conditional GETs of `/liste-blanche.xml` that DRIMboxes poll.
struct ProblemMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in try Self.response(for: error, request: request) }
    }

    /// The problem response for `error`, logged at a level matching its status.
    static func response(for error: any Error, request: Request, log: Bool = true) throws -> Response {
        let (status, problem, technical) = describe(error)
        if log && status.code >= 500 {
            request.logger.error("request failed", metadata: ["error": .string(technical), "path": .string(request.url.path)])
        } else if log {
            request.logger.info("request refused", metadata: ["status": .stringConvertible(status.code), "error": .string(technical)])
        }
        let response = Response(status: status, body: .init(data: try encoder.encode(problem)))
        // An error's own headers (Retry-After on 429 and 503) travel with its problem document.
        if let abort = error as? any AbortError {
            for (name, value) in abort.headers where name.lowercased() != "content-type" { response.headers.replaceOrAdd(name: name, value: value) }
        }
        response.headers.replaceOrAdd(name: .contentType, value: "application/problem+json; charset=utf-8")
        if status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        return response
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func describe(_ error: any Error) -> (HTTPResponseStatus, Problem, String) {
        func problem(_ status: HTTPResponseStatus, _ code: String, _ title: String, _ detail: String, _ errors: [Problem.FieldError]? = nil) -> Problem {
            Problem(type: "urn:edc:problem:\(code)", title: title, status: Int(status.code), detail: detail, code: code, errors: errors)
        }
        switch error {
        case let errors as ValidationErrors:
            let fields = errors.errors.map { Problem.FieldError(field: $0.field, code: $0.code, detail: $0.userMessage) }
            let detail = errors.errors.count == 1 ? errors.errors[0].userMessage : "\(errors.errors.count) champs sont invalides."
            return (.unprocessableEntity, problem(.unprocessableEntity, "validation", "Données invalides", detail, fields),
                    errors.errors.map(\.description).joined(separator: "; "))
        case let error as ValidationError:
            return describe(ValidationErrors([error]))
        case let error as DecodingError:
            return describe(ValidationErrors([JSONInput.validationError(from: error)]))
        case let error as NotFoundError:
            return (.notFound, problem(.notFound, "not_found", "Introuvable", error.userMessage), error.description)
        case let error as WorkflowError:
            let status: HTTPResponseStatus = switch error.kind {
            case .illegalTransition, .conflict: .conflict
            case .forbidden: .forbidden
            case .guardFailed: .unprocessableEntity
            }
            return (status, problem(status, error.code, "Action impossible", error.userMessage), error.description)
        case let abort as any AbortError:
            let status = abort.status
            let detail: String = switch status {
            case .payloadTooLarge: "La requête dépasse la taille autorisée."
            case .unauthorized: abort.reason == status.reasonPhrase ? "Authentification requise." : abort.reason
            case .notFound: abort.reason == status.reasonPhrase ? "Élément introuvable." : abort.reason
            case .unsupportedMediaType: "Type de contenu non pris en charge."
            default: abort.reason
            }
            return (status, problem(status, "http_\(status.code)", status.reasonPhrase, detail), abort.reason)
        default:
            return (.internalServerError, problem(.internalServerError, "internal", "Erreur interne",
                    "Une erreur interne est survenue. L'équipe EDC a été prévenue."), String(reflecting: error))
        }
    }
}
