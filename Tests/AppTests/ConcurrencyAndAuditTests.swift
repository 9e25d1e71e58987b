@testable import App
import Fluent
import Documents
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

@Suite("Concurrent changes, idempotency and the audit chain")
struct ConcurrencyAndAuditTests {
    @Test("two reviewers approving the same request at once: exactly one succeeds, the other gets 409")
    func concurrentApprovals() async throws {
        try await withJourney { app, world, api in
            for round in 1...5 {
                let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
                let request = try await api.create(as: world.operatorA, """
                    {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"],
                      "pacs": [{"sourceHostname": "s\(round).example.fr", "viewerHostname": "v\(round).example.fr"}], "cgiDocumentID": "\(cgi)"}}
                    """)
                let id = try #require(request["id"] as? String)
                async let first = app.send(.POST, "/api/v1/requests/\(id)/actions/approve", as: world.reviewer)
                async let second = app.send(.POST, "/api/v1/requests/\(id)/actions/approve", as: world.secondReviewer)
                let statuses = [try await first.status, try await second.status].map(\.code).sorted()
                #expect(statuses == [200, 409], "round \(round): \(statuses)")
            }
            // Exactly one DRIMbox per approved declaration, and one approval transition each.
            #expect(try await DRIMboxModel.query(on: app.db).count() == 5)
            #expect(try await RequestTransitionModel.query(on: app.db).filter(\.$action == .approve).count() == 5)
            #expect(try await AuditLog.verify(on: app.db).isIntact)
        }
    }

    @Test("a stale version is refused with 409 and the request is unchanged")
    func optimisticLocking() async throws {
        try await withJourney { app, world, api in
            let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
            let request = try await api.create(as: world.operatorA, """
                {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}], "cgiDocumentID": "\(cgi)"}}
                """)
            let id = try #require(request["id"] as? String)
            let version = try #require(request["version"] as? Int)
            _ = try await api.act("startReview", on: id, as: world.reviewer)
            let stale = try await app.send(.POST, "/api/v1/requests/\(id)/actions/approve", as: world.secondReviewer, json: #"{"version": \#(version)}"#)
            #expect(stale.status == .conflict)
            #expect(stale.json["code"] as? String == "conflict")
            let current = try await app.send(.GET, "/api/v1/requests/\(id)", as: world.reviewer)
            #expect(current.json["state"] as? String == "inReview")
        }
    }

    @Test("the same Idempotency-Key replays the first response; with another body it is refused")
    func idempotency() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let body = #"{"kind": "declaration", "payload": {"clients": ["383474814"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}]}}"#
            let key: HTTPHeaders = ["Idempotency-Key": "c0ffee-1"]
            let first = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: body, headers: key)
            let retry = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: body, headers: key)
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(first.json["id"] as? String == retry.json["id"] as? String)
            #expect(try await RequestModel.query(on: app.db).count() == 1)

            let other = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: body.replacingOccurrences(of: "s.example.fr", with: "t.example.fr"), headers: key)
            #expect(other.status == .unprocessableEntity)
            #expect((other.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "idempotency.mismatch")

            // Keys belong to a user: another user may use the same key for its own request.
            let otherUser = try await app.send(.POST, "/api/v1/requests", as: world.operatorB, json: body, headers: key)
            #expect(otherUser.status == .created)
            #expect(try await RequestModel.query(on: app.db).count() == 2)
        }
    }

    @Test("a response that carries a new API token is never stored for replay, whatever the path spelling", arguments: ["tokens", "tokens/"])
    func tokensNeverStored(_ suffix: String) async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let path = "/api/v1/admin/users/\(world.operatorA.user.id!.uuidString)/\(suffix)"
            let response = try await app.send(.POST, path, as: world.admin, json: #"{"name": "machine"}"#, headers: ["Idempotency-Key": "k1"])
            #expect(response.status == .created)
            let token = try #require(response.json["token"] as? String)
            let stored = try await IdempotencyRecordModel.query(on: app.db).all()
            #expect(stored.allSatisfy { !String(decoding: $0.body, as: UTF8.self).contains(token) })
            #expect(stored.isEmpty)
        }
    }

    @Test("a password longer than bcrypt's 72 bytes is refused rather than silently truncated")
    func longPassword() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let response = try await app.send(.POST, "/api/v1/admin/users", as: world.admin, json: #"{"email": "long@ans.example.fr", "displayName": "Long", "role": "reviewer", "password": "\#(String(repeating: "a", count: 100))"}"#)
            #expect(response.status == .unprocessableEntity)
            #expect((response.json["errors"] as? [[String: Any]])?.first?["code"] as? String == "user.password_length")
        }
    }

    @Test("on the real server, a large streamed body is part of the idempotency check")
    func idempotencyWithStreamedBody() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            try await app.withRunningServer { baseURL in
                func upload(_ marker: String) async throws -> ClientResponse {
                    var headers = world.operatorA.headers
                    headers.replaceOrAdd(name: "Idempotency-Key", value: "same-key")
                    headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
                    let content = MinimalPDF.bytes(text: marker, padding: 300 * 1024)
                    return try await app.client.post(URI(string: baseURL + "/api/v1/documents?kind=cgi&filename=cgi.pdf"), headers: headers) { request in
                        request.body = ByteBuffer(bytes: content)
                    }
                }
                let first = try await upload("first")
                let second = try await upload("second")
                #expect(first.status == .created)
                #expect(second.status == .unprocessableEntity)
                #expect(try await DocumentModel.query(on: app.db).count() == 1)
            }
        }
    }

    @Test("the audit chain detects a modified entry, a deleted entry and a truncated tail", arguments: ["modify", "delete-middle", "delete-last"])
    func auditTampering(_ tampering: String) async throws {
        try await withJourney { app, world, api in
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 2)
            let intact = try await AuditLog.verify(on: app.db)
            #expect(intact.isIntact)
            #expect(intact.entries > 5)

            let entries = try await AuditEntryModel.query(on: app.db).sort(\.$seq).all()
            switch tampering {
            case "modify":
                let victim = entries[2]
                victim.data = #"{"kind":"forged"}"#
                try await victim.save(on: app.db)
            case "delete-middle":
                try await entries[3].delete(on: app.db)
            default:
                try await entries.last!.delete(on: app.db)
            }
            let verification = try await AuditLog.verify(on: app.db)
            #expect(!verification.isIntact)
            #expect(verification.brokenAt != nil)
            let response = try await app.send(.GET, "/api/v1/admin/audit/verification", as: world.admin)
            #expect(response.json["intact"] as? Bool == false)
        }
    }

    @Test("every state change appends an audit entry naming its actor")
    func everyChangeIsAudited() async throws {
        try await withJourney { app, world, api in
            let before = try await AuditEntryModel.query(on: app.db).count()
            let (drimboxID, _) = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let actions = try await AuditEntryModel.query(on: app.db).filter(\.$seq > before).sort(\.$seq).all()
            let names = actions.map(\.action.rawValue)  // the stored texts, unchanged by the typed action
            #expect(names.contains("document.upload"))
            #expect(names.contains("request.create"))
            #expect(names.contains("request.submit"))
            #expect(names.contains("request.approve"))
            #expect(names.contains("drimbox.declaration"))
            #expect(names.contains("attestation.issue"))
            #expect(actions.first { $0.action == .request(.approve) }?.actorID == world.reviewer.user.id)
            let stored = try await OutboxEventModel.query(on: app.db).all()
            let outbox = stored.map(\.topic)
            #expect(outbox.contains(.attestationIssued))
            #expect(outbox.contains(.notification))
            // Every stored event decodes as the typed event of its topic, as its consumer will read it.
            let events = try stored.map { try OutboxEvent($0) }
            #expect(events.contains { if case .notification(.request(let sent)) = $0 { sent.action == .approve && sent.state == .approved } else { false } })
            #expect(events.contains { if case .attestationIssued = $0 { true } else { false } })
        }
    }
}

@Suite("The DRIMbox version is checked")
struct DRIMboxVersionTests {
    @Test("an exclusion naming a DRIMbox version that is no longer current gets 409 and changes nothing; the current one succeeds and bumps it")
    func staleExclusion() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let seen = try #require(try await api.drimbox(drimboxID, as: world.reviewer)["version"] as? Int)
            let before = try await databaseFingerprint(app)
            let stale = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cgiBreach", "version": \#(seen - 1)}"#)
            #expect(stale.status == .conflict, "\(stale.text)")
            #expect(try await databaseFingerprint(app) == before)
            let current = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cgiBreach", "version": \#(seen)}"#)
            #expect(current.status == .ok, "\(current.text)")
            #expect(current.json["version"] as? Int == seen + 1)
            #expect(current.json["state"] as? String == "excluded")
        }
    }
}
