@testable import App
import Documents
import Foundation
import Testing
import Vapor
import VaporTesting

/// Runs `body` with a configured application, its `World` of accounts and the journey steps.
func withJourney(_ adjust: (inout Settings) -> Void = { _ in }, _ body: (Application, World, JourneyAPI) async throws -> Void) async throws {
    try await withTestApp(adjust) { app in
        let world = try await World.make(app)
        try await body(app, world, JourneyAPI(app: app, world: world))
    }
}

/// The steps of the operator journey through the JSON API, each asserting its HTTP status: the one
/// place tests declare, integrate and act on requests.
struct JourneyAPI {
    let app: Application
    let world: World

    func upload(kind: String, as account: World.Account) async throws -> String {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        let response = try await app.send(.POST, "/api/v1/documents?kind=\(kind)&filename=\(kind).pdf", as: account, headers: headers, body: ByteBuffer(bytes: MinimalPDF.bytes(text: "\(kind) \(UUID())")))
        #expect(response.status == .created, "\(response.text)")
        return try #require(response.json["id"] as? String)
    }

    func create(as account: World.Account, _ json: String) async throws -> [String: Any] {
        let response = try await app.send(.POST, "/api/v1/requests", as: account, json: json)
        #expect(response.status == .created, "\(response.text)")
        return response.json
    }

    func act(_ action: String, on id: String, as account: World.Account, reason: String? = nil) async throws -> [String: Any] {
        let body = reason.map { #"{"reason": "\#($0)"}"# }
        let response = try await app.send(.POST, "/api/v1/requests/\(id)/actions/\(action)", as: account, json: body)
        #expect(response.status == .ok, "\(action): \(response.text)")
        return response.json
    }

    func drimbox(_ id: String, as account: World.Account) async throws -> [String: Any] {
        let response = try await app.send(.GET, "/api/v1/drimboxes/\(id)", as: account)
        #expect(response.status == .ok, "\(response.text)")
        return response.json
    }

    /// A DRIMbox of `account`'s operator, declared and approved; returns its id and registry identifier.
    func declaredDRIMbox(as account: World.Account, pacs: Int) async throws -> (String, Int) {
        let cgi = try await upload(kind: "cgi", as: account)
        let pacsJSON = (1...pacs).map { #"{"sourceHostname": "src\#($0).example.fr", "viewerHostname": "view\#($0).example.fr"}"# }.joined(separator: ",")
        let declaration = try await create(as: account, """
            {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"], "pacs": [\(pacsJSON)], "cgiDocumentID": "\(cgi)"}}
            """)
        let approved = try await act("approve", on: try #require(declaration["id"] as? String), as: world.reviewer)
        let drimboxID = try #require(approved["drimboxID"] as? String)
        let drimbox = try await self.drimbox(drimboxID, as: account)
        return (drimboxID, try #require(drimbox["identifier"] as? Int))
    }

    /// The body of a submitted integration of a declared DRIMbox: one certificate per FQDN pair,
    /// whose DN is `dn(pacsIndex)` (by default a valid IGC-Santé-like DN naming the operator).
    /// Any text may be passed: the body is built by JSONSerialization, so it is always valid JSON.
    func integrationJSON(drimboxID: String, identifier: Int, pacs: Int = 1, operatorName: String = "Opérateur A", dn: ((Int) -> String)? = nil) throws -> String {
        let certificates: [[String: String]] = (1...pacs).map { index in
            let fqdn = "db\(index).\(identifier).mesimagesmedicales.fr"
            return ["dbFQDN": fqdn, "dn": dn?(index) ?? "CN=\(fqdn),OU=318751275100020,O=\(operatorName),ST=Paris (75),C=FR"]
        }
        let body: [String: Any] = [
            "kind": "integration", "drimboxID": drimboxID, "submit": true, "payload": [
                "operatorName": operatorName, "supportPhone": "01 23 45 67 89", "supportEmail": "support@op.example.fr",
                "certificates": certificates,
            ],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A DRIMbox of `account`'s operator declared, then integrated with one DN per pair (provisional).
    func integratedProvisionally(as account: World.Account, pacs: Int) async throws -> (String, Int) {
        let (drimboxID, identifier) = try await declaredDRIMbox(as: account, pacs: pacs)
        let me = try await app.send(.GET, "/api/v1/me", as: account)
        let operatorName = try #require(me.json["operatorName"] as? String)
        let integration = try await create(as: account, try integrationJSON(drimboxID: drimboxID, identifier: identifier, pacs: pacs, operatorName: operatorName))
        _ = try await act("approve", on: try #require(integration["id"] as? String), as: world.reviewer)
        return (drimboxID, identifier)
    }

    /// Files `json` as `account` and expects a 422 naming `field` (with `code`, when given), the
    /// database left exactly as it was.
    func expectRefused(_ json: String, as account: World.Account, field: String, code: String? = nil, _ comment: Comment? = nil) async throws {
        let before = try await databaseFingerprint(app)
        let response = try await app.send(.POST, "/api/v1/requests", as: account, json: json)
        #expect(response.status == .unprocessableEntity, "\(comment?.description ?? ""): \(response.text)")
        let errors = response.json["errors"] as? [[String: Any]] ?? []
        #expect(errors.contains { $0["field"] as? String == field && (code == nil || $0["code"] as? String == code) }, "\(comment?.description ?? ""): \(errors)")
        #expect(try await databaseFingerprint(app) == before)
    }
}
