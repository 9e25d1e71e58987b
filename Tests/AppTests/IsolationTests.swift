@testable import App
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

@Suite("Operators never see each other's data")
struct IsolationTests {
    /// Operator B's objects, one of each kind a route can name.
    struct BObjects {
        var requestID: String
        var drimboxID: String
        var documentID: String
        var tokenID: String
        /// An outbox event about B's requests (the outbox is for administrators only).
        var eventID: String
    }

    @Test("for every route with an object in its path, operator A gets 404 on operator B's object")
    func everyRouteIsIsolated() async throws {
        try await withJourney { app, world, api in
            let objects = try await Self.makeObjectsOfB(app: app, world: world, api: api)

            var checked: [String] = []
            for route in app.routes.all where route.path.contains(where: { if case .parameter = $0 { true } else { false } }) {
                guard route.path.first?.description == "api" else { continue }
                // The white list and its history are public: no operator owns them.
                if route.path.contains(where: { $0.description == "liste-blanche" }) { continue }
                let path = route.path.map { component -> String in
                    guard case .parameter(let name) = component else { return component.description }
                    switch name {
                    case "requestID": return objects.requestID
                    case "drimboxID": return objects.drimboxID
                    case "documentID": return objects.documentID
                    case "tokenID": return objects.tokenID
                    case "eventID": return objects.eventID
                    case "userID": return world.operatorB.user.id!.uuidString
                    case "operatorID": return world.operatorBID.uuidString
                    case "action": return "withdraw"
                    default:
                        Issue.record("route \(route.description) has a parameter \(name) that this test does not know")
                        return name
                    }
                }.joined(separator: "/")
                let body: String? = route.method == .GET || route.method == .DELETE ? nil : "{}"
                let response = try await app.send(route.method, "/" + path, as: world.operatorA, json: body)
                #expect(response.status == .notFound, "\(route.method) /\(path) answered \(response.status.code): \(response.text)")
                checked.append("\(route.method) \(route.path.map(\.description).joined(separator: "/"))")
            }
            #expect(checked.count >= 10, "routes checked: \(checked)")

            // Lists show only A's own objects.
            let requests = try await app.send(.GET, "/api/v1/requests", as: world.operatorA)
            #expect((requests.json["items"] as? [Any])?.isEmpty == true)
            let drimboxes = try await app.send(.GET, "/api/v1/drimboxes", as: world.operatorA)
            #expect((drimboxes.json["items"] as? [Any])?.isEmpty == true)
            let queue = try await app.send(.GET, "/api/v1/review/queue", as: world.operatorA)
            #expect(queue.status == .notFound)
        }
    }

    @Test("a request or a token of another operator is not even revealed by an error message")
    func sameAnswerForMissingAndForeign() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let objects = try await Self.makeObjectsOfB(app: app, world: world, api: JourneyAPI(app: app, world: world))
            let foreign = try await app.send(.GET, "/api/v1/requests/\(objects.requestID)", as: world.operatorA)
            let missing = try await app.send(.GET, "/api/v1/requests/\(UUID().uuidString)", as: world.operatorA)
            #expect(foreign.status == missing.status)
            #expect(foreign.text == missing.text)
        }
    }

    static func makeObjectsOfB(app: Application, world: World, api: JourneyAPI) async throws -> BObjects {
        let cgi = try await api.upload(kind: "cgi", as: world.operatorB)
        let declaration = try await api.create(as: world.operatorB, """
            {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"],
              "pacs": [{"sourceHostname": "src.b.example", "viewerHostname": "view.b.example"}], "cgiDocumentID": "\(cgi)"}}
            """)
        let approved = try await api.act("approve", on: try #require(declaration["id"] as? String), as: world.reviewer)
        let second = try await api.create(as: world.operatorB, """
            {"kind": "withdrawal", "drimboxID": "\(try #require(approved["drimboxID"] as? String))", "payload": {"reason": "Fin de contrat"}}
            """)
        let token = try await app.edc.accounts.issueToken(by: AuditActor(userID: nil, role: .system), for: world.operatorB.user, name: "b", lifetime: nil)
        let event = try #require(try await OutboxEventModel.query(on: app.db).filter(\.$topic == .notification).first())
        return BObjects(
            requestID: try #require(second["id"] as? String), drimboxID: try #require(approved["drimboxID"] as? String),
            documentID: cgi, tokenID: token.id.uuidString, eventID: try event.requireID().uuidString)
    }
}
