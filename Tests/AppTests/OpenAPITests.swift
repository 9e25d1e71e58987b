@testable import App
import Documents
import Foundation
import Testing
import Vapor
import VaporTesting

/// Keeps `Resources/openapi.json` true: it is served, valid OpenAPI 3.1 for an independent
/// validator, lists exactly the routes the application registers, says which ones need a token,
/// and real responses of a small flow conform to the schemas it documents.
///
/// The validation runs in Python (`openapi-spec-validator`, `jsonschema`): a missing interpreter
/// or package makes these tests fail, never skip.
@Suite("The OpenAPI document describes the API as it is")
struct OpenAPITests {
    static let httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
    /// `/api/v1` operations that must be callable without a bearer token (others may be too, if documented so).
    static let publicAPIOperations: Set<String> = ["POST /api/v1/auth/tokens", "GET /api/v1/openapi.json"]

    // MARK: Served

    @Test("GET /api/v1/openapi.json serves the document as JSON, without a token, with openapi 3.1")
    func served() async throws {
        try await withTestApp { app in
            let response = try await app.send(.GET, "/api/v1/openapi.json")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.headers.contentType?.type == "application" && response.headers.contentType?.subType == "json",
                    "Content-Type is \(response.headers.first(name: .contentType) ?? "missing")")
            let served = Data(response.body.readableBytesView)
            #expect(served == OpenAPIDocument.data, "the served bytes differ from Resources/openapi.json")
            let document = try Self.parse(served)
            let version = document["openapi"] as? String
            #expect(version?.hasPrefix("3.1") == true, "openapi is \(version ?? "missing")")
            let paths = document["paths"] as? [String: Any] ?? [:]
            #expect(paths.keys.contains { $0.hasPrefix("/api/v1/") }, "the document has no /api/v1 path")
        }
    }

    // MARK: Routes ⇄ operations

    @Test("every /api/v1 route is documented with its method, and every documented operation is a route")
    func routesAndOperationsMatch() async throws {
        try await withTestApp { app in
            let routes = Set(app.routes.all.map(Self.operationKey(of:)))
            let apiRoutes = routes.filter { $0.split(separator: " ").last?.hasPrefix("/api/v1/") == true }
            let documented = Set(try Self.operations(in: try Self.document()).map(\.key))
            #expect(apiRoutes.count >= 20, "suspiciously few /api/v1 routes: \(apiRoutes.sorted())")

            let undocumented = apiRoutes.subtracting(documented).sorted()
            #expect(undocumented.isEmpty, """
                routes missing from openapi.json (Vapor `:name` is OpenAPI `{name}`):
                \(undocumented.joined(separator: "\n"))
                """)
            let phantom = documented.subtracting(routes).sorted()
            #expect(phantom.isEmpty, """
                operations in openapi.json that no route serves:
                \(phantom.joined(separator: "\n"))
                """)
        }
    }

    @Test("operations have a unique operationId, a summary and a known tag; path parameters are declared")
    func operationsAreComplete() throws {
        let document = try Self.document()
        let declaredTags = Set(((document["tags"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
        var seenIDs: [String: String] = [:]
        for operation in try Self.operations(in: document) {
            let id = operation.object["operationId"] as? String ?? ""
            #expect(!id.isEmpty, "\(operation.key): no operationId")
            if let other = seenIDs[id] { Issue.record("operationId \(id) is used by both \(other) and \(operation.key)") }
            seenIDs[id] = operation.key
            #expect(!(operation.object["summary"] as? String ?? "").isEmpty, "\(operation.key): no summary")
            let tags = operation.object["tags"] as? [String] ?? []
            #expect(!tags.isEmpty && Set(tags).isSubset(of: declaredTags), "\(operation.key): tags \(tags) not among \(declaredTags.sorted())")
            let responses = operation.object["responses"] as? [String: Any] ?? [:]
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(operation.key): no success response")

            let parameters = try Self.parameters(of: operation, in: document)
            let pathNames = Set(parameters.filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
            let templated = Set(operation.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
            #expect(pathNames == templated, "\(operation.key): path parameters \(pathNames.sorted()) for template \(templated.sorted())")
        }
    }

    // MARK: Security and idempotency

    @Test("security: documented public exactly where the server answers without a token; secured operations answer and document 401")
    func securityMatchesBehaviour() async throws {
        let document = try Self.document()
        let schemes = ((document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]) ?? [:]
        let bearer = schemes["bearerAuth"] as? [String: Any]
        #expect(bearer?["type"] as? String == "http" && bearer?["scheme"] as? String == "bearer", "components.securitySchemes.bearerAuth must be HTTP bearer")
        let global = document["security"] as? [[String: Any]] ?? []
        #expect(global.count == 1 && global.first?["bearerAuth"] != nil, "global security must be [{bearerAuth: []}]")

        try await withTestApp { app in
            var secured = 0
            for operation in try Self.operations(in: document) {
                let security = operation.object["security"] as? [[String: Any]]
                let documentedPublic = security?.isEmpty == true
                // Outside the API everything is public, except `/metrics` (its own bearer token).
                if Self.publicAPIOperations.contains(operation.key) || (!operation.path.hasPrefix("/api/v1/") && operation.path != "/metrics") {
                    #expect(documentedPublic, "\(operation.key) must be documented public (security: [])")
                }
                let concretePath = operation.path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
                    switch segment {
                    case "{action}": "submit"
                    case "{version}": "1"
                    case _ where segment.hasPrefix("{"): UUID().uuidString
                    default: String(segment)
                    }
                }.joined(separator: "/")
                let response = try await app.send(HTTPMethod(rawValue: operation.method.uppercased()), concretePath)
                let responses = operation.object["responses"] as? [String: Any] ?? [:]
                if documentedPublic {
                    #expect(response.status != .unauthorized, "\(operation.key) is documented public (security: []) but answered 401 without a token")
                } else {
                    secured += 1
                    #expect(response.status == .unauthorized, "\(operation.key) answered \(response.status.code) without a token: document it public (security: []) or protect it")
                    #expect(responses["401"] != nil, "\(operation.key): the 401 response is not documented")
                }
            }
            #expect(secured >= 20, "suspiciously few secured operations: \(secured)")
        }
    }

    @Test("state-changing POSTs document Idempotency-Key, and their success responses Idempotent-Replayed")
    func idempotencyIsDocumented() throws {
        let document = try Self.document()
        let posts = try Self.operations(in: document).filter { $0.method == "post" && $0.path.hasPrefix("/api/v1/") && !Self.publicAPIOperations.contains($0.key) }
        #expect(!posts.isEmpty)
        for operation in posts {
            let parameters = try Self.parameters(of: operation, in: document)
            let key = parameters.first { $0["in"] as? String == "header" && $0["name"] as? String == "Idempotency-Key" }
            #expect(key != nil, "\(operation.key): Idempotency-Key header not documented")
            let responses = operation.object["responses"] as? [String: Any] ?? [:]
            for (status, value) in responses where status.hasPrefix("2") {
                let response = try Self.resolved(value, in: document)
                let headers = (response["headers"] as? [String: Any] ?? [:]).keys.map { $0.lowercased() }
                #expect(headers.contains("idempotent-replayed"), "\(operation.key) \(status): Idempotent-Replayed header not documented")
            }
        }
    }

    // MARK: Independent validator

    @Test("openapi-spec-validator accepts the document as OpenAPI 3.1")
    func validOpenAPI() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("openapi.json")
        try OpenAPIDocument.data.write(to: file)
        let result = try Self.python(["-c", "from openapi_spec_validator import validate; import json,sys; validate(json.load(open(sys.argv[1]))); print('valid')", file.path])
        #expect(result.status == 0, """
            openapi-spec-validator refused openapi.json (exit \(result.status)); needs `pip install openapi-spec-validator==0.9.0`:
            \(result.output)
            """)
    }

    // MARK: Responses conform to the schemas

    @Test("responses of a real flow conform to the documented status, media type, headers and JSON schema")
    func responsesConform() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var log = ExchangeLog()

            // Sign in, and who am I.
            let login = try await log.record("login", app.exchange(.POST, "/api/v1/auth/tokens", json: #"{"email": "user@a.example.fr", "password": "\#(World.password)", "tokenName": "openapi"}"#), .created)
            let token = try #require(login.json["token"] as? String)
            let tokenID = try #require(login.json["id"] as? String)
            var signedIn = HTTPHeaders()
            signedIn.bearerAuthorization = BearerAuthorization(token: token)
            try await log.record("bad password", app.exchange(.POST, "/api/v1/auth/tokens", json: #"{"email": "user@a.example.fr", "password": "wrong password!"}"#), .unauthorized)
            try await log.record("login as text", app.exchange(.POST, "/api/v1/auth/tokens", headers: ["Content-Type": "text/plain"], body: ByteBuffer(string: "user@a.example.fr")), .unsupportedMediaType)
            try await log.record("me", app.exchange(.GET, "/api/v1/me", headers: signedIn), .ok)
            try await log.record("me as ANS", app.exchange(.GET, "/api/v1/me", as: world.reviewer), .ok)
            try await log.record("no token", app.exchange(.GET, "/api/v1/requests"), .unauthorized)

            // A document, uploaded once and replayed with the same Idempotency-Key.
            var upload = HTTPHeaders()
            upload.contentType = HTTPMediaType(type: "application", subType: "pdf")
            upload.replaceOrAdd(name: "Idempotency-Key", value: "openapi-upload-1")
            let pdf = ByteBuffer(bytes: MinimalPDF.bytes(text: "CGI \(UUID())"))
            let document = try await log.record("upload", app.exchange(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.operatorA, headers: upload, body: pdf), .created)
            let replayed = try await log.record("upload replayed", app.exchange(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.operatorA, headers: upload, body: pdf), .created)
            #expect(replayed.headers.first(name: "Idempotent-Replayed") == "true")
            let cgi = try #require(document.json["id"] as? String)
            try await log.record("download", app.exchange(.GET, "/api/v1/documents/\(cgi)", as: world.operatorA), .ok)
            var png = HTTPHeaders()
            png.contentType = .png
            try await log.record("upload lies about its type", app.exchange(.POST, "/api/v1/documents?kind=cgi&filename=x.png", as: world.operatorA, headers: png, body: pdf), .unprocessableEntity)
            try await log.record("upload by ANS", app.exchange(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.reviewer, headers: upload, body: pdf), .forbidden)

            // A declaration filed submitted, another kept as a draft.
            let declarationJSON = """
                {"kind": "declaration", "submit": true, "payload": {
                  "clients": ["383 474 814", "443061841"],
                  "pacs": [{"sourceHostname": "DBX-SRC.clinique.example", "viewerHostname": "dbx-view.clinique.example."}],
                  "cgiDocumentID": "\(cgi)", "comment": "Centre d'imagerie du Parc"}}
                """
            let declaration = try await log.record("create declaration", app.exchange(.POST, "/api/v1/requests", as: world.operatorA, json: declarationJSON), .created)
            let declarationID = try #require(declaration.json["id"] as? String)
            let draft = try await log.record("create draft", app.exchange(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "a.example.fr", "viewerHostname": "b.example.fr"}]}}"#), .created)
            let draftID = try #require(draft.json["id"] as? String)
            try await log.record("patch draft", app.exchange(.PATCH, "/api/v1/requests/\(draftID)", as: world.operatorA, json: #"{"payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "a.example.fr", "viewerHostname": "c.example.fr"}]}, "version": 1}"#), .ok)
            try await log.record("patch stale version", app.exchange(.PATCH, "/api/v1/requests/\(draftID)", as: world.operatorA, json: #"{"payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "a.example.fr", "viewerHostname": "d.example.fr"}]}, "version": 1}"#), .conflict)

            // Refusals: bad SIREN, unknown field, wrong kind of payload, bad query.
            let badSIREN = try await log.record("bad SIREN", app.exchange(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "declaration", "payload": {"clients": ["123456789"], "pacs": [{"sourceHostname": "a.example.fr", "viewerHostname": "b.example.fr"}]}}"#), .unprocessableEntity)
            let errors = badSIREN.json["errors"] as? [[String: Any]] ?? []
            #expect(errors.contains { $0["field"] as? String == "payload.clients[0]" && $0["code"] as? String == "siren.checksum" }, "\(badSIREN.text)")
            try await log.record("unknown field", app.exchange(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "withdrawal", "drimboxID": "\#(UUID())", "payload": {"reason": "Fin", "extra": 1}}"#), .unprocessableEntity)
            try await log.record("filed by ANS", app.exchange(.POST, "/api/v1/requests", as: world.reviewer, json: #"{"kind": "withdrawal", "drimboxID": "\#(UUID())", "payload": {"reason": "Fin"}}"#), .forbidden)
            try await log.record("unknown DRIMbox", app.exchange(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "withdrawal", "drimboxID": "\#(UUID())", "payload": {"reason": "Fin"}}"#), .notFound)
            try await log.record("limit out of range", app.exchange(.GET, "/api/v1/requests?limit=0", as: world.operatorA), .unprocessableEntity)
            try await log.record("unknown state filter", app.exchange(.GET, "/api/v1/drimboxes?state=lost", as: world.operatorA), .unprocessableEntity)

            // Reading requests.
            try await log.record("get request", app.exchange(.GET, "/api/v1/requests/\(declarationID)", as: world.operatorA), .ok)
            try await log.record("get unknown request", app.exchange(.GET, "/api/v1/requests/\(UUID())", as: world.operatorA), .notFound)
            try await log.record("get other operator's request", app.exchange(.GET, "/api/v1/requests/\(declarationID)", as: world.operatorB), .notFound)
            let firstPage = try await log.record("list, first page", app.exchange(.GET, "/api/v1/requests?limit=1", as: world.operatorA), .ok)
            let cursor = try #require(firstPage.json["nextCursor"] as? String, "\(firstPage.text)")
            try await log.record("list, next page", app.exchange(.GET, "/api/v1/requests?limit=1&cursor=\(cursor)&kind=declaration", as: world.operatorA), .ok)
            try await log.record("list by state", app.exchange(.GET, "/api/v1/requests?state=submitted", as: world.reviewer), .ok)
            try await log.record("review queue", app.exchange(.GET, "/api/v1/review/queue?kind=declaration", as: world.reviewer), .ok)
            try await log.record("review queue as operator", app.exchange(.GET, "/api/v1/review/queue", as: world.operatorA), .notFound)

            // Actions: review, a refused role, approval, an impossible action.
            try await log.record("start review", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/startReview", as: world.reviewer), .ok)
            try await log.record("operator approves", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/approve", as: world.operatorA), .forbidden)
            try await log.record("reject without reason", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/reject", as: world.reviewer, json: "{}"), .unprocessableEntity)
            let approved = try await log.record("approve", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/approve", as: world.reviewer, json: #"{"version": 3}"#, headers: ["Idempotency-Key": "openapi-approve-1"]), .ok)
            try await log.record("approve again", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/approve", as: world.reviewer), .conflict)
            try await log.record("unknown action", app.exchange(.POST, "/api/v1/requests/\(declarationID)/actions/escalate", as: world.reviewer), .notFound)
            try await log.record("history", app.exchange(.GET, "/api/v1/requests/\(declarationID)/history", as: world.operatorA), .ok)
            try await log.record("withdraw draft", app.exchange(.POST, "/api/v1/requests/\(draftID)/actions/withdraw", as: world.operatorA, json: #"{"reason": "Doublon."}"#), .ok)

            // The registry.
            let drimboxID = try #require(approved.json["drimboxID"] as? String, "\(approved.text)")
            try await log.record("list DRIMboxes", app.exchange(.GET, "/api/v1/drimboxes", as: world.operatorA), .ok)
            try await log.record("list DRIMboxes by state", app.exchange(.GET, "/api/v1/drimboxes?state=declared&limit=10", as: world.reviewer), .ok)
            try await log.record("get DRIMbox", app.exchange(.GET, "/api/v1/drimboxes/\(drimboxID)", as: world.operatorA), .ok)
            try await log.record("exclude declared DRIMbox", app.exchange(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cgiBreach"}"#), .conflict)
            try await log.record("exclusion as operator", app.exchange(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.operatorA, json: #"{"reason": "cgiBreach"}"#), .notFound)
            try await log.record("exclusion, bad reason", app.exchange(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "boredom"}"#), .unprocessableEntity)

            // Administration.
            try await log.record("operators", app.exchange(.GET, "/api/v1/admin/operators", as: world.reviewer), .ok)
            let createdOperator = try await log.record("create operator", app.exchange(.POST, "/api/v1/admin/operators", as: world.admin, json: #"{"legalName": "Opérateur C", "siren": "383474814", "supportPhone": "01 02 03 04 05", "supportEmail": "support@c.example.fr", "responsibleContact": "Mme C"}"#), .created)
            let operatorC = try #require(createdOperator.json["id"] as? String)
            let user = try await log.record("create user", app.exchange(.POST, "/api/v1/admin/users", as: world.admin, json: #"{"email": "robot@c.example.fr", "displayName": "Robot C", "role": "operator", "operatorID": "\#(operatorC)", "password": "a long enough password"}"#), .created)
            let userID = try #require(user.json["id"] as? String)
            try await log.record("create user as reviewer", app.exchange(.POST, "/api/v1/admin/users", as: world.reviewer, json: #"{"email": "x@c.example.fr", "displayName": "X", "role": "reviewer", "password": "a long enough password"}"#), .notFound)
            let issued = try await log.record("issue token", app.exchange(.POST, "/api/v1/admin/users/\(userID)/tokens", as: world.admin, json: #"{"name": "robot", "lifetimeDays": 30}"#), .created)
            let issuedID = try #require(issued.json["id"] as? String)
            try await log.record("issue token, bad lifetime", app.exchange(.POST, "/api/v1/admin/users/\(userID)/tokens", as: world.admin, json: #"{"name": "robot", "lifetimeDays": 0}"#), .unprocessableEntity)
            try await log.record("revoke token", app.exchange(.DELETE, "/api/v1/admin/tokens/\(issuedID)", as: world.admin), .noContent)
            try await log.record("audit verification", app.exchange(.GET, "/api/v1/admin/audit/verification", as: world.admin), .ok)

            // The white list: publish now, then its public history.
            let published = try await log.record("publish white list", app.exchange(.POST, "/api/v1/admin/liste-blanche/publication", as: world.admin), .created)
            let version = try #require(published.json["version"] as? Int, "\(published.text)")
            try await log.record("publish as reviewer", app.exchange(.POST, "/api/v1/admin/liste-blanche/publication", as: world.reviewer), .notFound)
            try await log.record("white list versions", app.exchange(.GET, "/api/v1/liste-blanche/versions?limit=5"), .ok)
            try await log.record("white list version", app.exchange(.GET, "/api/v1/liste-blanche/versions/\(version)"), .ok)
            try await log.record("white list version XML", app.exchange(.GET, "/api/v1/liste-blanche/versions/\(version)/xml"), .ok)
            try await log.record("white list diff", app.exchange(.GET, "/api/v1/liste-blanche/versions/\(version)/diff?from=0"), .ok)
            try await log.record("white list unknown version", app.exchange(.GET, "/api/v1/liste-blanche/versions/\(version + 1000)"), .notFound)
            try await log.record("current white list", app.exchange(.GET, "/liste-blanche.xml"), .ok)
            try await log.record("signer certificate", app.exchange(.GET, "/liste-blanche/signataire.pem"), .ok)

            // Public endpoints, then sign out.
            try await log.record("openapi", app.exchange(.GET, "/api/v1/openapi.json"), .ok)
            try await log.record("health", app.exchange(.GET, "/q/health"), .ok)
            try await log.record("liveness", app.exchange(.GET, "/q/health/live"), .ok)
            try await log.record("readiness", app.exchange(.GET, "/q/health/ready"), .ok)
            try await log.record("metrics", app.exchange(.GET, "/metrics", headers: app.metricsHeaders), .ok)
            try await log.record("revoke own token", app.exchange(.DELETE, "/api/v1/auth/tokens/\(tokenID)", headers: signedIn), .noContent)
            try await log.record("revoked token", app.exchange(.GET, "/api/v1/me", headers: signedIn), .unauthorized)

            let result = try Self.conformance(of: log.exchanges)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    // MARK: - Helpers

    struct Operation {
        var path: String
        var method: String
        var object: [String: Any]
        var key: String { "\(method.uppercased()) \(path)" }
    }

    /// The exchanges of a flow, each checked for its expected status and kept for the schema check.
    struct ExchangeLog {
        var exchanges: [[String: Any]] = []

        /// Records with the request line, which `TestingHTTPResponse` does not keep.
        @discardableResult
        mutating func record(_ name: String, _ request: (method: HTTPMethod, path: String, response: TestingHTTPResponse), _ expected: HTTPStatus,
                             sourceLocation: SourceLocation = #_sourceLocation) -> TestingHTTPResponse {
            let response = request.response
            #expect(response.status == expected, "\(name): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
            let contentType = response.headers.first(name: .contentType) ?? ""
            let isJSON = contentType.contains("json")
            exchanges.append([
                "name": name,
                "method": request.method.rawValue,
                "path": request.path,
                "status": Int(response.status.code),
                "contentType": contentType,
                "headers": response.headers.map { $0.name.lowercased() },
                "bodyLength": response.body.readableBytes,
                "body": isJSON ? response.text : "",
            ])
            return response
        }
    }

    static func document() throws -> [String: Any] {
        try parse(OpenAPIDocument.data)
    }

    static func parse(_ data: Data) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DetailedError(detail: "openapi.json is not a JSON object")
        }
        return object
    }

    static func operations(in document: [String: Any]) throws -> [Operation] {
        let paths = try #require(document["paths"] as? [String: Any], "openapi.json has no paths")
        return paths.sorted { $0.key < $1.key }.flatMap { path, item -> [Operation] in
            let item = item as? [String: Any] ?? [:]
            return httpMethods.compactMap { method in
                (item[method] as? [String: Any]).map { Operation(path: path, method: method, object: $0) }
            }
        }
    }

    /// Parameters of the operation and of its path item, `$ref`s resolved.
    static func parameters(of operation: Operation, in document: [String: Any]) throws -> [[String: Any]] {
        let item = (document["paths"] as? [String: Any])?[operation.path] as? [String: Any] ?? [:]
        let all = (item["parameters"] as? [Any] ?? []) + (operation.object["parameters"] as? [Any] ?? [])
        return try all.map { try resolved($0, in: document) }
    }

    static func resolved(_ value: Any, in document: [String: Any]) throws -> [String: Any] {
        var object = value as? [String: Any] ?? [:]
        var hops = 0
        while let reference = object["$ref"] as? String {
            hops += 1
            guard reference.hasPrefix("#/"), hops < 10 else { throw DetailedError(detail: "unsupported $ref \(reference)") }
            var node: Any = document
            for token in reference.dropFirst(2).split(separator: "/") {
                let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard let next = (node as? [String: Any])?[key] else { throw DetailedError(detail: "dangling $ref \(reference)") }
                node = next
            }
            object = node as? [String: Any] ?? [:]
        }
        return object
    }

    /// `GET /api/v1/requests/:requestID` → `GET /api/v1/requests/{requestID}`.
    static func operationKey(of route: Route) -> String {
        let path = route.path.map { component -> String in
            switch component {
            case .constant(let text): text
            case .parameter(let name): "{\(name)}"
            case .anything: "*"
            case .catchall: "**"
            }
        }.joined(separator: "/")
        return "\(route.method.rawValue) /\(path)"
    }

    /// Validates the recorded exchanges against the document with `jsonschema` (Draft 2020-12).
    static func conformance(of exchanges: [[String: Any]]) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let documentFile = directory.appendingPathComponent("openapi.json")
        let exchangesFile = directory.appendingPathComponent("exchanges.json")
        let scriptFile = directory.appendingPathComponent("conform.py")
        try OpenAPIDocument.data.write(to: documentFile)
        try JSONSerialization.data(withJSONObject: exchanges, options: [.prettyPrinted, .sortedKeys]).write(to: exchangesFile)
        try Data(conformanceScript.utf8).write(to: scriptFile)
        return try python([scriptFile.path, documentFile.path, exchangesFile.path])
    }

    /// Runs `python3` with `arguments`; output and errors together. A missing interpreter is a failure.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outputURL = directory.appendingPathComponent("output")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        if process.terminationStatus == 127 {
            Issue.record("python3 is not installed; it and `pip install openapi-spec-validator==0.9.0 jsonschema` are needed by OpenAPITests")
        } else if text.contains("ModuleNotFoundError") {
            Issue.record("a Python package is missing (pip install openapi-spec-validator==0.9.0 jsonschema): \(text)")
        }
        return (process.terminationStatus, text)
    }

    /// Finds, for each exchange, the documented operation and response, then checks the status is
    /// documented, the media type and notable headers are documented, and the JSON body validates
    /// against the schema (objects closed, so an undocumented field is a failure).
    static let conformanceScript = #"""
        import json, sys
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        BASE = "urn:edc:openapi"
        CHECKED_HEADERS = ["idempotent-replayed", "location", "www-authenticate", "content-disposition"]

        doc = json.load(open(sys.argv[1], encoding="utf-8"))
        exchanges = json.load(open(sys.argv[2], encoding="utf-8"))

        def close_objects(node):
            # Responses must not carry undocumented fields: close every object schema left open.
            if isinstance(node, dict):
                if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node and "unevaluatedProperties" not in node:
                    node["additionalProperties"] = False
                for value in node.values():
                    close_objects(value)
            elif isinstance(node, list):
                for value in node:
                    close_objects(value)

        close_objects(doc)
        registry = Registry().with_resource(BASE, Resource.from_contents(doc, default_specification=DRAFT202012))

        def escape(token):
            return token.replace("~", "~0").replace("/", "~1")

        def resolve(pointer):
            node = doc
            for token in pointer.lstrip("/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
            return node

        def template_for(path):
            segments = path.split("/")
            best = None
            for template in doc.get("paths", {}):
                parts = template.split("/")
                if len(parts) != len(segments):
                    continue
                if all(a == b or (a.startswith("{") and a.endswith("}") and b) for a, b in zip(parts, segments)):
                    score = sum(1 for a in parts if not a.startswith("{"))
                    if best is None or score > best[0]:
                        best = (score, template)
            return best[1] if best else None

        failures = []
        checked = 0
        for exchange in exchanges:
            method = exchange["method"].lower()
            path = exchange["path"].split("?")[0]
            status = str(exchange["status"])
            label = f'{exchange["name"]} ({exchange["method"]} {exchange["path"]} -> {status})'
            template = template_for(path)
            if template is None:
                failures.append(f"{label}: no documented path matches")
                continue
            operation = doc["paths"][template].get(method)
            if operation is None:
                failures.append(f"{label}: {method.upper()} is not documented for {template}")
                continue
            responses = operation.get("responses", {})
            key = status if status in responses else (status[0] + "XX" if status[0] + "XX" in responses else ("default" if "default" in responses else None))
            if key is None:
                failures.append(f"{label}: status {status} is not documented (documented: {', '.join(sorted(responses))})")
                continue
            pointer = f"/paths/{escape(template)}/{method}/responses/{key}"
            response = responses[key]
            while "$ref" in response:
                pointer = response["$ref"][1:]
                response = resolve(pointer)
            documented_headers = {name.lower() for name in response.get("headers", {})}
            for header in CHECKED_HEADERS:
                if header in exchange["headers"] and header not in documented_headers:
                    failures.append(f"{label}: header {header} is sent but not documented for this response")
            content = response.get("content")
            media = (exchange.get("contentType") or "").split(";")[0].strip().lower()
            if not content:
                if exchange["bodyLength"] > 0:
                    failures.append(f"{label}: documented without content, but the response has a {exchange['bodyLength']}-byte body")
                checked += 1
                continue
            if media not in content:
                failures.append(f"{label}: media type '{media}' is not documented (documented: {', '.join(content)})")
                continue
            if not media.endswith("json") or "schema" not in content[media]:
                checked += 1
                continue
            try:
                instance = json.loads(exchange["body"])
            except ValueError as error:
                failures.append(f"{label}: body is not JSON ({error})")
                continue
            if media == "application/problem+json" and isinstance(instance, dict) and instance.get("status") != exchange["status"]:
                failures.append(f"{label}: problem status {instance.get('status')} differs from the HTTP status")
            schema = {"$ref": BASE + "#" + pointer + "/content/" + escape(media) + "/schema"}
            validator = Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
            for error in errors[:8]:
                where = "/" + "/".join(str(p) for p in error.absolute_path)
                failures.append(f"{label}: at {where}: {error.message[:300]}")
            checked += 1

        if failures:
            print(f"{len(failures)} mismatch(es) between responses and the OpenAPI document:")
            for failure in failures:
                print(" - " + failure)
            sys.exit(1)
        if checked != len(exchanges):
            print(f"only {checked} of {len(exchanges)} exchanges were checked")
            sys.exit(1)
        print(f"{checked} responses conform to the OpenAPI document")
        """#
}

extension Application {
    /// `send`, keeping the request line for `OpenAPITests.ExchangeLog`.
    fileprivate func exchange(_ method: HTTPMethod, _ path: String, as account: World.Account? = nil, json: String? = nil,
                          headers: HTTPHeaders = [:], body: ByteBuffer? = nil) async throws -> (method: HTTPMethod, path: String, response: TestingHTTPResponse) {
        (method, path, try await send(method, path, as: account, json: json, headers: headers, body: body))
    }
}
