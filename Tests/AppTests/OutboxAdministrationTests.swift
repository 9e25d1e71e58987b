@testable import App
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// Administrators see the outbox (backlog, dead letters) and retry a dead letter; /metrics shows
/// the backlog, the age of its oldest event and the failures per topic.
@Suite("The outbox, as administrators and monitoring see it")
struct OutboxAdministrationTests {
    @Test("a notification refused for good is a dead letter with the server's reply; an administrator sees it and retries it (audited); others get 404; /metrics counts it")
    func deadLetterLifecycle() async throws {
        let clock = TestClock.app()
        try await withJourney({
            $0.clock = { clock.now }
            $0.outbox.runInBackground = false
            $0.outbox.consumers = [.notification: { _ in throw OutboxDeliveryFailure("550 5.1.1 <contact@a.example.fr>: boîte inconnue", permanent: true) }]
        }) { app, world, api in
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            let summaryBefore = try await app.send(.GET, "/api/v1/admin/outbox", as: world.admin)
            #expect(summaryBefore.status == .ok)
            let pending = try #require(try Self.topic("notification", in: summaryBefore))
            #expect((pending["pending"] as? Int ?? 0) >= 1)

            let worker = try #require(app.edc.outbox)
            // The notifications fail; the attestation the approval issued is rendered.
            #expect(try await worker.drain() == (pending["pending"] as? Int ?? 0) + 1)
            let tried = try #require(pending["pending"] as? Int)

            let letters = try await app.send(.GET, "/api/v1/admin/outbox/dead-letters", as: world.admin)
            #expect(letters.status == .ok)
            let items = try #require(try JSONSerialization.jsonObject(with: Data(letters.body.readableBytesView)) as? [String: Any])["items"] as? [[String: Any]]
            let first = try #require(items?.first)
            #expect(items?.count == tried)
            #expect(first["lastError"] as? String == "550 5.1.1 <contact@a.example.fr>: boîte inconnue")
            #expect(first["topic"] as? String == "notification")
            #expect((first["payload"] as? [String: Any])?["event"] as? String != nil)

            let scrape = try await app.send(.GET, "/metrics", headers: app.metricsHeaders)
            let metrics = String(buffer: scrape.body)
            #expect(metrics.contains("edc_outbox_dead_letters{topic=\"notification\"} \(tried)"), "\(metrics)")
            #expect(metrics.contains("edc_outbox_backlog_events{topic=\"notification\"} 0"))
            #expect(metrics.contains("edc_outbox_failures_total{topic=\"notification\",outcome=\"dead_letter\"}"))

            // Nobody but administrators sees or touches the outbox.
            let id = try #require(first["id"] as? String)
            for account in [world.operatorA.self, world.reviewer] {
                #expect(try await app.send(.GET, "/api/v1/admin/outbox", as: account).status == .notFound)
                #expect(try await app.send(.GET, "/api/v1/admin/outbox/dead-letters", as: account).status == .notFound)
                #expect(try await app.send(.POST, "/api/v1/admin/outbox/\(id)/retry", as: account).status == .notFound)
            }

            let retried = try await app.send(.POST, "/api/v1/admin/outbox/\(id)/retry", as: world.admin)
            #expect(retried.status == .ok)
            let retriedJSON = try #require(try JSONSerialization.jsonObject(with: Data(retried.body.readableBytesView)) as? [String: Any])
            #expect(retriedJSON["deadAt"] == nil && retriedJSON["attempts"] as? Int == 0)
            let audit = try await AuditEntryModel.query(on: app.db).filter(\.$action == .outboxRetry).all()
            #expect(audit.count == 1 && audit.first?.entityID == id && audit.first?.actorID == world.admin.user.id)
            // Retrying what is no longer a dead letter, or an unknown id, is 404.
            #expect(try await app.send(.POST, "/api/v1/admin/outbox/\(id)/retry", as: world.admin).status == .notFound)
            #expect(try await app.send(.POST, "/api/v1/admin/outbox/\(UUID())/retry", as: world.admin).status == .notFound)
            let summaryAfter = try await app.send(.GET, "/api/v1/admin/outbox", as: world.admin)
            #expect(try Self.topic("notification", in: summaryAfter)?["due"] as? Int == 1)
        }
    }

    static func topic(_ name: String, in response: TestingHTTPResponse) throws -> [String: Any]? {
        let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (json?["topics"] as? [[String: Any]])?.first { $0["topic"] as? String == name }
    }
}
