@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Health and metrics endpoints")
struct OperationsTests {
    @Test("health, liveness and readiness answer UP in MicroProfile format, with the database check")
    func health() async throws {
        try await withTestApp { app in
            for path in ["/q/health", "/q/health/ready"] {
                let response = try await app.send(.GET, path)
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "UP")
                let checks = response.json["checks"] as? [[String: Any]] ?? []
                #expect(checks.contains { $0["name"] as? String == "database" && $0["status"] as? String == "UP" })
            }
            let live = try await app.send(.GET, "/q/health/live")
            #expect(live.json["status"] as? String == "UP")
        }
    }

    @Test("readiness reports DOWN with 503 when the database cannot be reached, liveness stays UP")
    func readinessWithoutDatabase() async throws {
        try await withTestApp({ settings in
            // Nothing listens on port 1: every connection is refused at once.
            settings.database = .postgres(url: "postgres://edc@127.0.0.1:1/edc")
            settings.autoMigrate = false
            settings.whitelist.publishInBackground = false
            settings.enforceDeadlines = false
        }) { app in
            let ready = try await app.send(.GET, "/q/health/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["status"] as? String == "DOWN")
            let live = try await app.send(.GET, "/q/health/live")
            #expect(live.status == .ok)
        }
    }

    @Test("Prometheus metrics count requests by route pattern, not by raw path")
    func metrics() async throws {
        try await withTestApp { app in
            let world = try await World.make(app)
            _ = try await app.send(.GET, "/api/v1/requests/\(UUID())", as: world.operatorA)
            _ = try await app.send(.GET, "/q/health/live")
            let scrape = try await app.send(.GET, "/metrics", headers: app.metricsHeaders)
            #expect(scrape.status == .ok)
            #expect(scrape.headers.first(name: .contentType)?.hasPrefix("text/plain") == true)
            #expect(scrape.text.contains("http_requests_total"))
            #expect(scrape.text.contains(#"path="/api/v1/requests/:requestID""#))
            #expect(scrape.text.contains(#"status="404""#))
            #expect(!scrape.text.contains("/api/v1/requests/" + "0"), "no raw ids in labels")
        }
    }

    @Test("/metrics needs the configured bearer token, and is off without one", arguments: [
        ("no token", nil as String?, "metrics-token-for-tests" as String?, 401 as UInt),
        ("wrong token", "metrics-token-wrong", "metrics-token-for-tests", 401),
        ("a user's API token is not enough", "user", "metrics-token-for-tests", 401),
        ("right token", "metrics-token-for-tests", "metrics-token-for-tests", 200),
        ("not configured", "metrics-token-for-tests", nil, 404),
    ])
    func metricsAccess(_ label: String, _ sent: String?, _ configured: String?, _ status: UInt) async throws {
        try await withTestApp({ $0.metricsToken = configured }) { app in
            let world = try await World.make(app)
            var headers = HTTPHeaders()
            if let sent { headers.bearerAuthorization = BearerAuthorization(token: sent == "user" ? world.admin.token : sent) }
            let response = try await app.send(.GET, "/metrics", headers: headers)
            #expect(response.status.code == status, "\(label)")
        }
    }
}
