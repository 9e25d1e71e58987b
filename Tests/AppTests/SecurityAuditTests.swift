@testable import App
import EDCDomain
import Fluent
import EDCTestSupport
import Documents
import Foundation
import NIOCore
import NIOPosix
import Persistence
import Testing
import Vapor
import VaporTesting

/// Security audit, findings 5 and 7 to 10.
@Suite("Security audit: headers, limits, counterpart view, refused input, bounded resources")
struct SecurityAuditTests {
    // MARK: Finding 5 — headers

    @Test("every response carries nosniff, a deny-all CSP with frame-ancestors, and API responses are not cached")
    func headers() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            for (path, account) in [("/api/v1/me", world.operatorA as World.Account?), ("/api/v1/requests/\(UUID())", world.operatorA), ("/liste-blanche/signataire.pem", nil), ("/q/health/live", nil)] {
                let response = try await app.send(.GET, path, as: account)
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(response.headers.first(name: "Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'", "\(path)")
                #expect(response.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                #expect(response.headers.first(name: "Strict-Transport-Security") == nil, "\(path): no HSTS unless configured")
            }
            let me = try await app.send(.GET, "/api/v1/me", as: world.operatorA)
            #expect(me.headers.first(name: .cacheControl) == "no-store")
            let login = try await app.send(.POST, "/api/v1/auth/tokens", json: #"{"email": "\#(world.operatorA.user.email)", "password": "\#(World.password)"}"#)
            #expect(login.status == .created)
            #expect(login.headers.first(name: .cacheControl) == "no-store")
        }
    }

    @Test("HSTS is sent when configured")
    func hsts() async throws {
        try await withTestApp({ $0.hsts = true }) { app in
            let response = try await app.send(.GET, "/q/health/live")
            #expect(response.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
        }
    }

    // MARK: Finding 7 — exact limits

    /// Limits are enforced while the body streams in: checked against the real server.
    func post(_ app: Application, _ url: String, _ headers: HTTPHeaders, _ body: ByteBuffer) async throws -> ClientResponse {
        try await app.client.post(URI(string: url), headers: headers) { $0.body = body }
    }

    @Test("a JSON body of exactly the limit is read (422 for its content), one byte more is 413")
    func jsonLimit() async throws {
        try await withTestApp({ $0.maxJSONBody = 4096 }) { app in
            let world = try await World.make(app)
            func body(size: Int) -> ByteBuffer {
                let start = #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [], "comment": ""#
                let end = #""}}"#
                return ByteBuffer(string: start + String(repeating: "a", count: size - start.utf8.count - end.utf8.count) + end)
            }
            var headers = world.operatorA.headers
            headers.contentType = .json
            try await app.withRunningServer { base in
                let exact = try await post(app, base + "/api/v1/requests", headers, body(size: 4096))
                #expect(exact.status == .unprocessableEntity)
                let over = try await post(app, base + "/api/v1/requests", headers, body(size: 4097))
                #expect(over.status == .payloadTooLarge)
            }
        }
    }

    @Test("a document of exactly the limit is accepted, one byte more is 413, with or without a trailing slash and an Idempotency-Key")
    func documentLimit() async throws {
        try await withTestApp({ $0.maxDocumentSize = 64 * 1024; $0.maxJSONBody = 1024 }) { app in
            let world = try await World.make(app)
            func pdf(_ size: Int) -> ByteBuffer { ByteBuffer(bytes: MinimalPDF.bytes(text: "limite", size: size)) }
            try await app.withRunningServer { base in
                for path in ["/api/v1/documents?kind=cgi&filename=a.pdf", "/api/v1/documents/?kind=cgi&filename=a.pdf"] {
                    var headers = world.operatorA.headers
                    headers.replaceOrAdd(name: .contentType, value: "application/pdf")
                    headers.replaceOrAdd(name: "Idempotency-Key", value: UUID().uuidString)
                    let exact = try await post(app, base + path, headers, pdf(64 * 1024))
                    #expect(exact.status == .created, "\(path)")
                    headers.replaceOrAdd(name: "Idempotency-Key", value: UUID().uuidString)
                    let over = try await post(app, base + path, headers, pdf(64 * 1024 + 1))
                    #expect(over.status == .payloadTooLarge, "\(path)")
                }
            }
        }
    }

    // MARK: Finding 8 — the counterpart of an operator change

    @Test("the counterpart sees an operator change only once submitted; an unregistered SIREN is answered like a registered one; consent is given once")
    func counterpartView() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let toB = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "operatorChange", "drimboxID": "\#(drimboxID)", "payload": {"targetOperatorSIREN": "552100554"}}"#)
            let toUnknown = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "operatorChange", "drimboxID": "\#(drimboxID)", "payload": {"targetOperatorSIREN": "383474814"}}"#)
            #expect(toB.status == .created && toUnknown.status == .created, "\(toB.text) \(toUnknown.text)")
            let toSelf = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "operatorChange", "drimboxID": "\#(drimboxID)", "payload": {"targetOperatorSIREN": "732829320"}}"#)
            #expect(toSelf.status == .unprocessableEntity)

            let id = try #require(toB.json["id"] as? String)
            #expect(try await app.send(.GET, "/api/v1/requests/\(id)", as: world.operatorB).status == .notFound)
            #expect(try await app.send(.GET, "/api/v1/requests/\(id)/history", as: world.operatorB).status == .notFound)
            #expect(try await app.send(.POST, "/api/v1/requests/\(id)/actions/consent", as: world.operatorB).status == .notFound)
            _ = try await api.act("submit", on: id, as: world.operatorA)
            #expect(try await app.send(.GET, "/api/v1/requests/\(id)", as: world.operatorB).status == .ok)
            _ = try await api.act("consent", on: id, as: world.operatorB)
            let again = try await app.send(.POST, "/api/v1/requests/\(id)/actions/consent", as: world.operatorB)
            #expect(again.status == .conflict)
            let history = try await app.send(.GET, "/api/v1/requests/\(id)/history", as: world.operatorB)
            #expect((history.json(array: ()) ?? []).filter { $0["action"] as? String == "consent" }.count == 1)
        }
    }

    @Test("after an operator change the new operator sees only its own tenure: no earlier history, attestation or exclusion detail")
    func tenure() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let excluded = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cgiBreach", "detail": "Détail confidentiel sur A"}"#)
            #expect(excluded.status == .ok, "\(excluded.text)")
            let change = try await api.create(as: world.operatorA, #"{"kind": "operatorChange", "drimboxID": "\#(drimboxID)", "submit": true, "payload": {"targetOperatorSIREN": "552100554"}}"#)
            let id = try #require(change["id"] as? String)
            _ = try await api.act("consent", on: id, as: world.operatorB)
            _ = try await api.act("approve", on: id, as: world.reviewer)

            let seenByB = try await api.drimbox(drimboxID, as: world.operatorB)
            #expect((seenByB["attestations"] as? [Any])?.isEmpty ?? true, "\(seenByB)")
            let events = (seenByB["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(events == ["operatorChange"], "\(events)")
            #expect(seenByB["exclusionDetail"] == nil)
            #expect(seenByB["exclusionReason"] as? String == "cgiBreach")
            let seenByANS = try await api.drimbox(drimboxID, as: world.reviewer)
            #expect(seenByANS["exclusionDetail"] as? String == "Détail confidentiel sur A")
            #expect((seenByANS["history"] as? [Any])?.count ?? 0 > 1)
        }
    }

    // MARK: Finding 9 — refused characters and strict input

    @Test("free text and file names refuse control and bidi-override characters", arguments: [
        ("comment", "\u{202E}"), ("comment", "\u{0000}"), ("comment", "\u{0085}"),
    ])
    func freeTextRefused(_ field: String, _ character: String) async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let body = try JSONSerialization.data(withJSONObject: ["kind": "declaration", "payload": ["clients": ["732829320"], "pacs": [["sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"]], "comment": "Note\(character)interne"]])
            let response = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: String(decoding: body, as: UTF8.self))
            #expect(response.status == .unprocessableEntity)
            #expect((response.json["errors"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == "payload.comment" && $0["code"] as? String == "text.forbidden_character" })
        }
    }

    @Test("a file name with a bidi override or a control character is refused", arguments: ["cgi%E2%80%AEfdp.exe", "cgi%00.pdf", "..%2Fcgi.pdf"])
    func filenameRefused(_ filename: String) async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let response = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=\(filename)", as: world.operatorA, headers: ["Content-Type": "application/pdf"], body: ByteBuffer(bytes: MinimalPDF.bytes(text: "cgi")))
            #expect(response.status == .unprocessableEntity, "\(response.text)")
            #expect((response.json["errors"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == "filename" })
        }
    }

    @Test("duplicate JSON keys are refused; a UUID followed by %00 is not found; the idempotency key covers the media type")
    func strictInput() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let duplicate = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "declaration", "kind": "withdrawal", "payload": {}}"#)
            #expect(duplicate.status == .unprocessableEntity)
            #expect((duplicate.json["errors"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "body.duplicate_key" })
            let escaped = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "declaration", "k\u0069nd": "withdrawal", "payload": {}}"#)
            #expect((escaped.json["errors"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "body.duplicate_key" })

            let created = try await api(app, world).create(as: world.operatorA, #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}]}}"#)
            let id = try #require(created["id"] as? String)
            #expect(try await app.send(.GET, "/api/v1/requests/\(id)", as: world.operatorA).status == .ok)
            #expect(try await app.send(.GET, "/api/v1/requests/\(id)%00", as: world.operatorA).status == .notFound)

            let key = UUID().uuidString
            let json = #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}]}}"#
            let first = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, headers: ["Idempotency-Key": key, "Content-Type": "application/json"], body: ByteBuffer(string: json))
            #expect(first.status == .created)
            let replay = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, headers: ["Idempotency-Key": key, "Content-Type": "application/json"], body: ByteBuffer(string: json))
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(replay.headers.first(name: .location) == first.headers.first(name: .location), "a replayed 201 keeps its Location")
            #expect(replay.headers.first(name: .location) != nil)
            let otherType = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, headers: ["Idempotency-Key": key, "Content-Type": "text/plain"], body: ByteBuffer(string: json))
            #expect(otherType.status == .unprocessableEntity)
            #expect((otherType.json["errors"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "idempotency.mismatch" })
        }
    }

    func api(_ app: Application, _ world: World) -> JourneyAPI { JourneyAPI(app: app, world: world) }

    // MARK: Finding 10 — bounded resources

    @Test("a deeply nested body is refused before decoding")
    func nestedBody() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let nested = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
            let payload = "[" + Array(repeating: nested, count: 40).joined(separator: ",") + "]"
            let response = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, json: #"{"kind": "declaration", "payload": \#(payload)}"#)
            #expect(response.status == .unprocessableEntity)
            #expect((response.json["errors"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "body.too_deep" })
            let shallow = String(repeating: "[", count: 31) + String(repeating: "]", count: 31)
            #expect(throws: Never.self) { try JSONShape.check(Array(shallow.utf8)) }
        }
    }

    @Test("JSON values decode in linear time: a failure deep inside is reported, not retried as the other container kind")
    func jsonValueFailsOnce() throws {
        // 30 levels of arrays around an invalid number: with retries this is 2^30 attempts.
        let text = String(repeating: "[", count: 30) + "1e999" + String(repeating: "]", count: 30)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a": [1, {"b": null}], "c": "d"}"#.utf8))
        #expect(value == .object(["a": .array([.number(1), .object(["b": .null])]), "c": .string("d")]))
    }

    @Test("an operator's documents stay within its quota")
    func quota() async throws {
        try await withTestApp({ $0.documentQuota = 1000 }) { app in
            let world = try await World.make(app)
            let document = ByteBuffer(bytes: MinimalPDF.bytes(text: "quota", size: 600))
            let first = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=a.pdf", as: world.operatorA, headers: ["Content-Type": "application/pdf"], body: document)
            #expect(first.status == .created)
            let second = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=b.pdf", as: world.operatorA, headers: ["Content-Type": "application/pdf"], body: document)
            #expect(second.status == .unprocessableEntity)
            #expect((second.json["errors"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "document.quota" })
            let otherOperator = try await app.send(.POST, "/api/v1/documents?kind=cgi&filename=b.pdf", as: world.operatorB, headers: ["Content-Type": "application/pdf"], body: document)
            #expect(otherOperator.status == .created)
        }
    }

    @Test("housekeeping deletes documents never attached to a request after the delay, keeps attached ones, and purges old idempotency records and sign-in failures")
    func housekeeping() async throws {
        let clock = TestClock.app()
        try await withJourney({ $0.clock = { clock.now }; $0.orphanDocumentAge = 3600 }) { app, world, api in
            let orphan = try await api.upload(kind: "cgi", as: world.operatorA)
            let attached = try await api.upload(kind: "cgi", as: world.operatorA)
            _ = try await api.create(as: world.operatorA, #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}], "cgiDocumentID": "\#(attached)"}}"#)
            _ = try await app.send(.POST, "/api/v1/auth/tokens", json: #"{"email": "nobody@example.fr", "password": "wrong password"}"#)
            _ = try await app.send(.POST, "/api/v1/requests", as: world.operatorA, headers: ["Idempotency-Key": "k1", "Content-Type": "application/json"], body: ByteBuffer(string: "{}"))

            #expect(try await app.edc.housekeeping.run() == Housekeeping.Report())
            clock.advance(by: 2 * 86_400)
            let report = try await app.edc.housekeeping.run()
            #expect(report.orphanDocuments == 1)
            #expect(report.idempotencyRecords == 1)
            #expect(report.signInFailures == 1)
            #expect(try await DocumentModel.find(UUID(uuidString: orphan), on: app.db) == nil)
            #expect(try await DocumentModel.find(UUID(uuidString: attached), on: app.db) != nil)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .documentPurge).count() == 1)
            #expect(try await AuditLog.verify(on: app.db).isIntact)
        }
    }

    @Test("uploads beyond the concurrency limit are refused at once with 503, before their body is read")
    func uploadGate() async throws {
        try await withTestApp { app in
            struct Parked: AsyncResponder {
                let started: AsyncStream<Void>.Continuation
                let release: AsyncStream<Void>
                func respond(to request: Request) async throws -> Response {
                    started.yield()
                    for await _ in release { break }
                    return Response(status: .created)
                }
            }
            let gate = UploadGate(limit: 1)
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
            let parked = Parked(started: startedContinuation, release: release)
            let first = Task { try await gate.respond(to: Request(application: app, on: app.eventLoopGroup.next()), chainingTo: parked) }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            await #expect(throws: UploadsBusy.self) {
                _ = try await gate.respond(to: Request(application: app, on: app.eventLoopGroup.next()), chainingTo: parked)
            }
            releaseContinuation.yield()
            let firstResponse = try await first.value
            #expect(firstResponse.status == .created)
            #expect(UploadsBusy().status == .serviceUnavailable)
        }
    }

    @Test("a connection that stops mid-request is closed after the idle timeout")
    func idleTimeout() async throws {
        try await withTestApp({ $0.idleTimeoutSeconds = 1 }) { app in
            try await app.withRunningServer { base in
                let port = try #require(URL(string: base)?.port)
                let closed = app.eventLoopGroup.next().makePromise(of: Void.self)
                /// Sends half a request head as soon as connected (on the event loop, so that a busy
                /// test process cannot let the idle timeout run out before it), then waits.
                final class HalfRequest: ChannelInboundHandler, Sendable {
                    typealias InboundIn = ByteBuffer
                    typealias OutboundOut = ByteBuffer
                    let closed: EventLoopPromise<Void>
                    init(_ closed: EventLoopPromise<Void>) { self.closed = closed }
                    func channelActive(context: ChannelHandlerContext) {
                        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "GET /q/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")), promise: nil)
                    }
                    func channelInactive(context: ChannelHandlerContext) { closed.succeed(()) }
                }
                let channel = try await ClientBootstrap(group: app.eventLoopGroup)
                    .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(HalfRequest(closed)) } }
                    .connect(host: "127.0.0.1", port: port).get()
                // The server, not the test, ends this wait: by closing the silent connection. Bounded,
                // so that a server that never closes fails the test instead of hanging it.
                struct StillOpen: Error {}
                let bound = channel.eventLoop.scheduleTask(in: .seconds(30)) { closed.fail(StillOpen()) }
                try await closed.futureResult.get()
                bound.cancel()
                #expect(!channel.isActive)
            }
        }
    }

    @Test("text logs escape control characters: an input cannot forge a log line")
    func logInjection() {
        #expect(SingleLineLogHandler.escaped("bad cursor x\nlevel=critical forged") == "bad cursor x\\u{a}level=critical forged")
        #expect(SingleLineLogHandler.escaped("é ok") == "é ok")
        #expect(SingleLineLogHandler.escaped(.string("a\u{202E}b")) == .string("a\\u{202e}b"))
    }

    @Test("edits keep the old payload in the audit, and an approval that changes the operator's data records old and new values")
    func auditTrail() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let created = try await api.create(as: world.operatorA, #"{"kind": "declaration", "payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}], "comment": "première"}}"#)
            let id = try #require(created["id"] as? String)
            let edited = try await app.send(.PATCH, "/api/v1/requests/\(id)", as: world.operatorA, json: #"{"payload": {"clients": ["732829320"], "pacs": [{"sourceHostname": "s.example.fr", "viewerHostname": "v.example.fr"}], "comment": "seconde"}}"#)
            #expect(edited.status == .ok)
            let update = try #require(try await AuditEntryModel.query(on: app.db).filter(\.$action == .requestUpdate).first())
            #expect(update.data.contains("première") && update.data.contains("seconde"))

            _ = try await api.integratedProvisionally(as: world.operatorB, pacs: 1)
            let change = try #require(try await AuditEntryModel.query(on: app.db).filter(\.$action == .operatorUpdate).first())
            let data = try JSONSerialization.jsonObject(with: Data(change.data.utf8)) as? [String: String] ?? [:]
            #expect(data["supportEmail.old"] == "support@b.example.fr")
            #expect(data["supportEmail.new"] == "support@op.example.fr")
        }
    }

    @Test("edc serve refuses --demo on a public address or with PostgreSQL, and PostgreSQL without a document key")
    func unsafeDefaults() async throws {
        var settings = Settings()
        settings.seedDemoData = true
        #expect(settings.servingProblems().isEmpty)
        settings.hostname = "0.0.0.0"
        #expect(settings.servingProblems().count == 1)
        settings.forceDemo = true
        #expect(settings.servingProblems().isEmpty)
        settings.forceDemo = false
        settings.hostname = "127.0.0.1"
        settings.database = .postgres(url: "postgres://u:p@127.0.0.1/db")
        settings.documentKey = Data(repeating: 1, count: 32)
        #expect(settings.servingProblems().count == 1)
        settings.seedDemoData = false
        #expect(settings.servingProblems().isEmpty)
        settings.documentKey = nil
        #expect(settings.servingProblems().count == 1)

        try await withTestApp { app in
            let edc = try EDCProcess(app: app)
            let outcome = try await edc.run(["serve", "--demo", "--hostname", "0.0.0.0", "--port", "0"], killAt: nil)
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("--demo"), "\(outcome.output)")
        }
    }

    // MARK: Issue 7 — the API contract

    @Test("a path that exists with other methods answers 405 with Allow; an unknown path stays 404", arguments: [
        ("TRACE", "/api/v1/me", "GET, HEAD"), ("DELETE", "/liste-blanche.xml", "GET, HEAD"),
        ("PUT", "/api/v1/requests/6A0E2E60-0F7B-4C4F-9B7E-3A4C0E1B2D3F", "GET, HEAD, PATCH"),
    ])
    func methodNotAllowed(_ method: String, _ path: String, _ allow: String) async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let response = try await app.send(HTTPMethod(rawValue: method), path, as: world.operatorA)
            #expect(response.status == .methodNotAllowed, "\(response.text)")
            #expect(response.headers.first(name: "Allow") == allow)
            #expect(response.headers.contentType?.subType == "problem+json")
            #expect(try await app.send(.GET, "/api/v1/nothing-here", as: world.operatorA).status == .notFound)
        }
    }

    @Test("a malformed query string is a 422 with the field, not a bare 400")
    func malformedQuery() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            let wrongType = try await app.send(.GET, "/api/v1/requests?limit=abc", as: world.operatorA)
            #expect(wrongType.status == .unprocessableEntity, "\(wrongType.text)")
            #expect((wrongType.json["errors"] as? [[String: Any]] ?? []).contains { $0["field"] as? String == "limit" })
            let broken = try await app.send(.GET, "/api/v1/liste-blanche/versions?%C3%28=1", as: world.operatorA)
            #expect(broken.status == .unprocessableEntity, "\(broken.text)")
        }
    }
}
