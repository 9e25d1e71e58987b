@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Malformed input is refused with field errors and changes nothing")
struct InputValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status: UInt
        /// The field and code expected among the problem's `errors`, when any.
        var field: String?
        var code: String?
        var testDescription: String { name }
    }

    static let pacs = #"[{"sourceHostname": "src.example.fr", "viewerHostname": "view.example.fr"}]"#

    static let declarationCases: [Case] = [
        Case(name: "bad SIREN checksum", body: #"{"kind": "declaration", "payload": {"clients": ["732829321"], "pacs": \#(pacs)}}"#, status: 422, field: "payload.clients[0]", code: "siren.checksum"),
        Case(name: "SIREN with letters", body: #"{"kind": "declaration", "payload": {"clients": ["73282932A"], "pacs": \#(pacs)}}"#, status: 422, field: "payload.clients[0]", code: nil),
        Case(name: "no client", body: #"{"kind": "declaration", "payload": {"clients": [], "pacs": \#(pacs)}}"#, status: 422, field: "payload.clients", code: "declaration.clients_empty"),
        Case(name: "bad hostname", body: #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "-bad-.example", "viewerHostname": "v.example.fr"}]}}"#, status: 422, field: "payload.pacs[0].sourceHostname", code: nil),
        Case(name: "wrong type", body: #"{"kind": "declaration", "payload": {"clients": "732829320", "pacs": \#(pacs)}}"#, status: 422, field: "payload.clients", code: "field.type"),
        Case(name: "missing field", body: #"{"kind": "declaration", "payload": {"clients": ["732829320"]}}"#, status: 422, field: "payload.pacs", code: "field.required"),
        Case(name: "unknown top-level field", body: #"{"kind": "declaration", "admin": true, "payload": {"clients": ["732829320"], "pacs": \#(pacs)}}"#, status: 422, field: "admin", code: "field.unknown"),
        Case(name: "unknown nested field", body: #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr", "port": 8443}]}}"#, status: 422, field: "payload.pacs[0].port", code: "field.unknown"),
        Case(name: "unknown kind", body: #"{"kind": "takeover", "payload": {}}"#, status: 422, field: "kind", code: nil),
        Case(name: "not JSON", body: #"{"kind": "declaration", "#, status: 422, field: nil, code: "body.syntax"),
        Case(name: "submitting without CGI", body: #"{"kind": "declaration", "submit": true, "payload": {"clients": ["732829320"], "pacs": \#(pacs)}}"#, status: 422, field: "payload.cgiDocumentID", code: "declaration.cgi_required"),
        Case(name: "declaration naming a DRIMbox", body: #"{"kind": "declaration", "drimboxID": "6A0E2E60-0F7B-4C4F-9B7E-3A4C0E1B2D3F", "payload": {"clients": ["732829320"], "pacs": \#(pacs)}}"#, status: 422, field: "drimboxID", code: "request.drimbox_unexpected"),
    ]

    @Test("a malformed declaration gets 422 with the field in error, and the database is unchanged", arguments: declarationCases)
    func malformedDeclaration(_ testCase: Case) async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let before = try await databaseFingerprint(app)
            let response = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: testCase.body)
            #expect(response.status.code == testCase.status, "\(response.text)")
            #expect(response.headers.contentType?.subType == "problem+json")
            #expect((response.json["detail"] as? String)?.isEmpty == false)
            let errors = response.json["errors"] as? [[String: Any]] ?? []
            if let field = testCase.field {
                #expect(errors.contains { $0["field"] as? String == field && (testCase.code == nil || $0["code"] as? String == testCase.code) }, "\(errors)")
            } else if let code = testCase.code {
                #expect(errors.contains { $0["code"] as? String == code }, "\(errors)")
            }
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("certificate DNs that are malformed or do not match the assigned FQDN are refused at integration", arguments: [
        ("CN=db1.{id}.mesimagesmedicales.fr,OU=318751275100020,O=Op,C=FR,", "dn.syntax"),
        ("CN=db9.{id}.mesimagesmedicales.fr,OU=318751275100020,O=Op,C=FR", "dn.cn_mismatch"),
        ("CN=db1.{id}.mesimagesmedicales.fr,OU=118751275100020,O=Op,C=FR", "dn.ou_invalid"),
        ("CN=db1.{id}.mesimagesmedicales.fr,O=Op,C=FR", "dn.ou_missing"),
    ])
    func badCertificateDN(_ template: String, _ code: String) async throws {
        try await withJourney { app, world, api in
            let (drimboxID, identifier) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let json = try api.integrationJSON(drimboxID: drimboxID, identifier: identifier) { _ in template.replacingOccurrences(of: "{id}", with: String(identifier)) }
            try await api.expectRefused(json, as: world.operatorA, field: "payload.certificates[0].dn", code: code)
        }
    }

    @Test("an oversized body is refused with 413 and changes nothing")
    func oversizedBody() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let before = try await databaseFingerprint(app)
            let comment = String(repeating: "x", count: 300 * 1024)
            try await app.withRunningServer { baseURL in
                let response = try await app.client.post(URI(string: baseURL + "/api/v1/requests"), headers: world.operatorA.headers) { request in
                    try request.content.encode(["kind": "declaration", "comment": comment], as: .json)
                }
                #expect(response.status == .payloadTooLarge)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(try #require(response.body).readableBytesView))
                #expect(problem.detail == "La requête dépasse la taille autorisée.")
            }
            #expect(try await databaseFingerprint(app) == before)
        }
    }

    @Test("a body that is not JSON is refused with 415")
    func wrongMediaType() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var headers = HTTPHeaders()
            headers.contentType = .plainText
            let response = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, headers: headers, body: ByteBuffer(string: "kind=declaration"))
            #expect(response.status == .unsupportedMediaType)
        }
    }

    @Test("a document whose content does not match its type is refused")
    func fakeDocument() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
            let response = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=cgi.pdf", as: world.operatorA, headers: headers, body: ByteBuffer(string: "<html>not a pdf</html>"))
            #expect(response.status == .unprocessableEntity)
            #expect((response.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "document.content")
        }
    }

    @Test("without a valid token every API route answers 401", arguments: ["/api/v1/requests", "/api/v1/drimboxes", "/api/v1/review/queue", "/api/v1/me"])
    func unauthenticated(_ path: String) async throws {
        try await withTestApp { app in
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: "edc_forged")
            let anonymous = try await app.send(.GET, path)
            let forged = try await app.send(.GET, path, headers: headers)
            #expect(anonymous.status == .unauthorized)
            #expect(forged.status == .unauthorized)
        }
    }

    @Test("a revoked token no longer works")
    func revokedToken() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let login = try await app.send(.POST, "/api/v1/auth/tokens", json: #"{"email": "user@a.example.fr", "password": "\#(World.password)"}"#)
            #expect(login.status == .created)
            let token = try #require(login.json["token"] as? String)
            let id = try #require(login.json["id"] as? String)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: token)
            #expect(try await app.send(.GET, "/api/v1/me", headers: headers).status == .ok)
            #expect(try await app.send(.DELETE, "/api/v1/auth/tokens/\(id)", headers: headers).status == .noContent)
            #expect(try await app.send(.GET, "/api/v1/me", headers: headers).status == .unauthorized)
            _ = world
        }
    }

    @Test("sign-in ignores the case of the e-mail address, whatever case the account was created with")
    func emailCase() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let created = try await app.send(.POST, "/api/v1/admin/users", as: world.admin, json: #"{"email": "Jeanne.Dupont@ANS.example.fr", "displayName": "Jeanne", "role": "reviewer", "password": "\#(World.password)"}"#)
            #expect(created.status == .created, "\(created.text)")
            for spelling in ["Jeanne.Dupont@ANS.example.fr", "jeanne.dupont@ans.example.fr"] {
                let login = try await app.send(.POST, "/api/v1/auth/tokens", json: #"{"email": "\#(spelling)", "password": "\#(World.password)"}"#)
                #expect(login.status == .created, "\(spelling)")
            }
            let duplicate = try await app.send(.POST, "/api/v1/admin/users", as: world.admin, json: #"{"email": "jeanne.dupont@ans.example.fr", "displayName": "Jeanne", "role": "reviewer", "password": "\#(World.password)"}"#)
            #expect(duplicate.status == .unprocessableEntity)
        }
    }

    @Test("a wrong password gets 401 with a French message")
    func wrongPassword() async throws {
        try await withTestApp { app in
            _ = try await World.make(app)
            let response = try await app.send(.POST, "/api/v1/auth/tokens", json: #"{"email": "user@a.example.fr", "password": "nope nope nope"}"#)
            #expect(response.status == .unauthorized)
            #expect(response.json["detail"] as? String == "Adresse e-mail ou mot de passe incorrect.")
        }
    }
}
