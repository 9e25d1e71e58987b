import Fluent
import Foundation
import Persistence
import Publication
import Vapor
import Whitelist
import X509

/// The public white list: the current signed file, its history and diffs between versions.
enum WhitelistController {
    static let xmlContentType = WhitelistHTTP.contentType

    /// `GET /liste-blanche.xml`: the current signed list, with ETag / Last-Modified and conditional GET.
    ///
    /// Synchronous on the event loop while the in-memory snapshot is fresh (checked against the
    /// database less than a second ago): no task is created and no thread hop happens for the
    /// many polling DRIMboxes; only the once-a-second freshness check goes through the database.
    static func current(_ req: Request) -> EventLoopFuture<Response> {
        let whitelist = req.edc.currentWhitelist
        if let snapshot = whitelist.freshSnapshot() {
            return req.eventLoop.makeSucceededFuture(response(req, snapshot))
        }
        return req.eventLoop.makeFutureWithTask {
            response(req, try await whitelist.current(on: req.db))
        }
    }

    private static func response(_ req: Request, _ snapshot: CurrentWhitelist.Snapshot?) -> Response {
        guard let snapshot else {
            let response = Response(status: .serviceUnavailable)
            response.headers.replaceOrAdd(name: .retryAfter, value: "5")
            response.headers.contentType = .plainText
            response.body = .init(string: "Liste blanche pas encore publiée.\n")
            return response
        }
        var headers = HTTPHeaders()
        WhitelistHTTP.addCacheHeaders(snapshot, to: &headers)
        if WhitelistHTTP.isNotModified(snapshot, ifNoneMatch: req.headers[.ifNoneMatch], ifModifiedSince: req.headers.first(name: .ifModifiedSince)) {
            return Response(status: .notModified, headers: headers)
        }
        headers.replaceOrAdd(name: .contentType, value: xmlContentType)
        return Response(status: .ok, headers: headers, body: .init(buffer: snapshot.body))
    }

    struct VersionResource: Content {
        var version: Int
        var generatedAt: Date
        var signingTime: Date
        var sha256: String
        var size: Int
        var entryCount: Int
        var signerSubject: String
        var url: String

        init(_ model: WhitelistVersionModel) {
            version = model.seq
            generatedAt = model.generatedAt
            signingTime = model.signingTime
            sha256 = model.sha256
            size = model.size
            entryCount = model.entryCount
            signerSubject = model.signerSubject
            url = "/api/v1/liste-blanche/versions/\(model.seq)/xml"
        }
    }

    /// `GET /api/v1/liste-blanche/versions`: every published version, newest first.
    static func versions(_ req: Request) async throws -> PageResource<VersionResource> {
        let query = try req.decodedQuery(ListQuery.self)
        let limit = try query.validatedLimit()
        let page = try await WhitelistVersions(database: req.db).page(before: try query.intCursor(), limit: limit)
        return PageResource(items: page.items.map(VersionResource.init), nextCursor: page.nextCursor)
    }

    /// `GET /api/v1/liste-blanche/versions/{version}`
    static func version(_ req: Request) async throws -> VersionResource {
        VersionResource(try await load(req, "version"))
    }

    /// `GET /api/v1/liste-blanche/versions/{version}/xml`: that version's signed file, byte for byte.
    static func versionXML(_ req: Request) async throws -> Response {
        let version = try await load(req, "version")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: xmlContentType)
        headers.replaceOrAdd(name: .eTag, value: "\"\(version.sha256.prefix(32))\"")
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
        return Response(status: .ok, headers: headers, body: .init(data: version.content))
    }

    struct DiffResource: Content {
        var from: Int
        var to: Int
        var added: [WhitelistEntry]
        var removed: [WhitelistEntry]
        var changed: [ChangeResource]
    }

    struct ChangeResource: Content {
        var old: WhitelistEntry
        var new: WhitelistEntry
    }

    /// `GET /api/v1/liste-blanche/versions/{version}/diff?from={other}`: entries added, removed and
    /// changed from `other` (default: the previous version) to `version`.
    static func diff(_ req: Request) async throws -> DiffResource {
        let (from, to, diff) = try await WhitelistVersions(database: req.db).diff(to: try versionNumber(req, "version"), from: try req.query.get(Int?.self, at: "from"))
        return DiffResource(from: from, to: to, added: diff.added, removed: diff.removed, changed: diff.changed.map { ChangeResource(old: $0.old, new: $0.new) })
    }

    /// `GET /liste-blanche/signataire.pem`: the signer certificate (and chain) a DRIMbox pins or checks.
    static func signerCertificate(_ req: Request) async throws -> Response {
        let signing = req.edc.signing
        let certificates = [signing.identity.certificate] + signing.identity.intermediates
        // One block per certificate, each ending with a newline, so OpenSSL reads them all.
        let pem = try certificates.map { try PEMFiles.pem($0).trimmingCharacters(in: .whitespacesAndNewlines) + "\n" }.joined()
        return pemResponse(pem)
    }

    /// `GET /liste-blanche/racine-test.pem`: the root of the generated test PKI (404 with a real signer).
    static func testRoot(_ req: Request) async throws -> Response {
        guard let root = req.edc.signing.testRoot else { throw Abort(.notFound, reason: "Élément introuvable.") }
        return pemResponse(try PEMFiles.pem(root).trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
    }

    /// `POST /api/v1/admin/liste-blanche/publication` (administrator): publish now, even if nothing changed.
    static func publishNow(_ req: Request) async throws -> Response {
        _ = try req.requireAdministrator()
        let outcome = try await req.edc.publisher.publishPending(force: true)
        guard let seq = outcome.publishedSeq else {
            throw Abort(.internalServerError, reason: "La publication n'a produit aucune version.")
        }
        let version = try await WhitelistVersions(database: req.db).version(seq)
        let response = Response(status: .created)
        try response.content.encode(VersionResource(version))
        return response
    }

    struct PublicationStatusResource: Content {
        struct Omission: Content {
            var identifiant: String
            var db: String
            var code: String
            var problem: String
        }

        var status: String
        var servedVersion: Int?
        var servedGeneratedAt: Date?
        var servedAgeSeconds: Int?
        var publicationLagSeconds: Int
        var maximumLagSeconds: Int
        /// Entries of trusted DRIMboxes that the next publication leaves out, and why.
        var omitted: [Omission]
    }

    /// `GET /api/v1/admin/liste-blanche/publication` (ANS): whether the served list follows the
    /// registry, and which trusted entries cannot be written (so ANS can correct them).
    static func publicationStatus(_ req: Request) async throws -> PublicationStatusResource {
        _ = try req.requireANS()
        let health = try await PublicationHealth.measure(on: req.db, startedAt: req.edc.startedAt, maximumLag: req.edc.settings.whitelist.maximumPublicationLag)
        let refused = try await req.edc.publisher.unwritableEntries(on: req.db)
        return PublicationStatusResource(
            status: health.isUp ? "UP" : "DOWN", servedVersion: health.servedVersion, servedGeneratedAt: health.servedGeneratedAt,
            servedAgeSeconds: health.servedAgeSeconds(), publicationLagSeconds: Int(health.lagSeconds), maximumLagSeconds: Int(health.maximumLagSeconds),
            omitted: refused.map { .init(identifiant: $0.entry.identifiant, db: $0.entry.db, code: $0.error.code, problem: $0.error.message) })
    }

    private static func pemResponse(_ pem: String) -> Response {
        let response = Response(status: .ok, body: .init(string: pem))
        response.headers.replaceOrAdd(name: .contentType, value: "application/x-pem-file")
        return response
    }

    private static func load(_ req: Request, _ name: String) async throws -> WhitelistVersionModel {
        try await WhitelistVersions(database: req.db).version(try versionNumber(req, name))
    }

    private static func versionNumber(_ req: Request, _ name: String) throws -> Int {
        guard let text = req.parameters.get(name), let seq = Int(text) else {
            throw NotFoundError(entity: "whitelist version", id: req.parameters.get(name) ?? "")
        }
        return seq
    }
}

/// The HTTP rules for serving the current list, shared by the Vapor route and the NIO listener.
enum WhitelistHTTP {
    static let contentType = "application/xml; charset=utf-8"

    static func addCacheHeaders(_ snapshot: CurrentWhitelist.Snapshot, to headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "ETag", value: snapshot.etag)
        headers.replaceOrAdd(name: "Last-Modified", value: snapshot.lastModifiedHeader)
        headers.replaceOrAdd(name: "Cache-Control", value: "public, max-age=60")
    }

    /// RFC 9110: If-None-Match wins over If-Modified-Since.
    static func isNotModified(_ snapshot: CurrentWhitelist.Snapshot, ifNoneMatch: [String], ifModifiedSince: String?) -> Bool {
        if !ifNoneMatch.isEmpty {
            let tags = ifNoneMatch.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            return tags.contains("*") || tags.contains(snapshot.etag) || tags.contains("W/" + snapshot.etag)
        }
        if let since = ifModifiedSince.flatMap(HTTPDate.parse) {
            return snapshot.lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }
}
