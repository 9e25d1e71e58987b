import Documents
import Crypto
import EDCDomain
import Fluent
import Foundation
import Persistence
import Vapor

/// Upload and download of the documents attached to requests, sealed at rest.
enum DocumentsController {
    struct UploadQuery: Content {
        var kind: String
        var filename: String
    }

    /// `POST /api/v1/documents?kind=cgi&filename=cgi.pdf` with the raw file as body.
    static func upload(_ req: Request) async throws -> Response {
        let principal = try req.principal
        guard principal.role == .operatorUser, principal.operatorID != nil else {
            throw Abort(.forbidden, reason: "Seul un opérateur peut déposer un document.")
        }
        let query = try req.decodedQuery(UploadQuery.self)
        var problems: [ValidationError] = []
        let kind = DocumentKind(rawValue: query.kind)
        if kind == nil {
            problems.append(ValidationError(code: "document.kind", field: "kind", userMessage: "Type de document inconnu (cgi, vaReport, other).", technicalDetail: "unknown document kind \(query.kind)"))
        }
        var filename: Filename?
        do {
            filename = try Filename.validated(query.filename, field: "filename")
        } catch {
            problems += error.errors
        }
        let mediaType = req.headers.contentType.map { "\($0.type)/\($0.subType)" } ?? ""
        // Streamed in (the route does not collect): the body is read only once the upload is admitted
        // by `UploadGate`, and sealed straight from the received buffer, without another copy.
        let buffer = try await req.body.collect(max: req.edc.settings.maxDocumentSize + 1).get() ?? ByteBuffer()
        let content = buffer.readableBytesView
        if DocumentContent.mediaTypes.contains(mediaType) {
            if let problem = DocumentContent.problem(content, mediaType: mediaType) {
                problems.append(ValidationError(code: "document.content", field: "body", userMessage: "Le fichier n'est pas un \(mediaType == "application/pdf" ? "PDF" : mediaType == "image/png" ? "PNG" : "JPEG") valide : il est incomplet, endommagé ou d'un autre type que celui annoncé.", technicalDetail: problem))
            }
        } else {
            problems.append(ValidationError(code: "document.media_type", field: "Content-Type", userMessage: "Seuls les fichiers PDF, PNG et JPEG sont acceptés.", technicalDetail: "media type \(mediaType) refused"))
        }
        if !problems.isEmpty { throw ValidationErrors(problems) }

        guard let kind, let filename else { throw ValidationErrors(problems) }
        let stored = try await req.edc.vault.store(content, kind: kind, filename: filename, mediaType: mediaType, by: principal, quota: req.edc.settings.documentQuota, in: req.store)
        let response = Response(status: .created)
        try response.content.encode(try DocumentResource(stored))
        return response
    }

    /// `GET /api/v1/documents/{id}`: the file itself.
    static func download(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("documentID")
        let (document, content) = try await req.edc.vault.download(id, for: principal, in: req.edc.store)
        let response = Response(status: .ok, body: .init(data: content))
        response.headers.replaceOrAdd(name: HTTPHeaders.Name.contentType, value: document.mediaType)
        let asciiName = document.filename.unicodeScalars.map { $0.isASCII && $0 != "\"" ? String($0) : "_" }.joined()
        response.headers.replaceOrAdd(name: HTTPHeaders.Name.contentDisposition, value: "attachment; filename=\"\(asciiName)\"")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }
}
