import EDCTestSupport
import FluentKit
import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import Persistence
import Testing

/// The outbox worker on the real database (SQLite, and PostgreSQL in the test command's second
/// pass): claims, leases, retries with backoff, dead letters, several instances.
@Suite("Outbox worker: at-least-once delivery with leases, backoff and dead letters")
struct OutboxWorkerTests {
    /// Deliveries seen by a consumer, by event id.
    final class Deliveries: Sendable {
        private let seen = NIOLockedValueBox<[UUID]>([])
        func add(_ id: UUID?) { seen.withLockedValue { $0.append(id!) } }
        var all: [UUID] { seen.withLockedValue { $0 } }
    }

    static func worker(
        _ db: any Database, _ clock: TestClock, instance: String = "a", settings: (inout OutboxWorker.Settings) -> Void = { _ in },
        deliver: @escaping OutboxWorker.Deliver
    ) -> OutboxWorker {
        var values = OutboxWorker.Settings()
        values.instanceID = instance
        values.baseDelay = 10
        values.maximumDelay = 60
        values.maximumAttempts = 4
        values.lease = 120
        settings(&values)
        return OutboxWorker(database: db, clock: { clock.now }, consumers: [.notification: deliver], settings: values,
                            logger: Logger(label: "outbox-tests"), random: { 1 })
    }

    @discardableResult
    static func enqueue(_ db: any Database, _ count: Int, at date: Date, topic: OutboxTopic = .notification) async throws -> [UUID] {
        var ids: [UUID] = []
        for index in 0..<count {
            // Written one millisecond apart (so that "oldest first" has an order), all due at `date`.
            let event = OutboxEventModel(id: UUID(), topic: topic, payload: "{\"n\":\(index)}", at: date.addingTimeInterval(Double(index) / 1000 - 1))
            event.availableAt = date
            try await event.create(on: db)
            ids.append(event.id!)
        }
        return ids
    }

    static func event(_ db: any Database, _ id: UUID) async throws -> OutboxEventModel {
        try #require(try await OutboxEventModel.find(id, on: db))
    }

    @Test("each due event of a consumed topic is delivered once and marked processed; other topics and future events are left alone")
    func deliversOnce() async throws {
        try await withTestDatabase { db in
            let clock = TestClock()
            let deliveries = Deliveries()
            let ids = try await Self.enqueue(db, 3, at: clock.now)
            let later = try await Self.enqueue(db, 1, at: clock.now.addingTimeInterval(3600))
            let other = try await Self.enqueue(db, 1, at: clock.now, topic: .attestationIssued)
            let worker = Self.worker(db, clock) { deliveries.add($0.id) }
            #expect(try await worker.drain() == 3)
            #expect(try await worker.drain() == 0)
            #expect(deliveries.all == ids)
            for id in ids {
                let event = try await Self.event(db, id)
                #expect(event.processedAt == clock.now && event.attempts == 1 && event.claimedBy == nil && event.leaseUntil == nil)
            }
            #expect(try await Self.event(db, later[0]).processedAt == nil)
            #expect(try await Self.event(db, other[0]).processedAt == nil)
        }
    }

    @Test("a failing delivery is retried after an exponential, capped delay; after the last attempt it is a dead letter with its error")
    func backoffThenDead() async throws {
        try await withTestDatabase { db in
            let clock = TestClock()
            let attempts = Deliveries()
            let id = try await Self.enqueue(db, 1, at: clock.now)[0]
            let worker = Self.worker(db, clock) { event in
                attempts.add(event.id)
                throw OutboxDeliveryFailure("451 4.3.0 essayez plus tard", permanent: false)
            }
            var waits: [TimeInterval] = []
            for _ in 1...4 {
                #expect(try await worker.drain() == 1)
                #expect(try await worker.drain() == 0, "not due again before its delay")
                let event = try await Self.event(db, id)
                if event.deadAt == nil {
                    waits.append(event.availableAt.timeIntervalSince(clock.now))
                    clock.advance(by: event.availableAt.timeIntervalSince(clock.now))
                }
            }
            #expect(waits == [10, 20, 40], "base 10 s doubling (jitter factor 1 here), capped at 60 s")
            let dead = try await Self.event(db, id)
            #expect(dead.deadAt == clock.now && dead.attempts == 4 && dead.processedAt == nil)
            #expect(dead.lastError == "451 4.3.0 essayez plus tard")
            #expect(attempts.all.count == 4)
            clock.advance(days: 1)
            #expect(try await worker.drain() == 0, "a dead letter is not retried by the worker")

            // An administrator retries it: due at once, attempts start over.
            let retried = try await Store(database: db, clock: { clock.now }).write { context in
                try await OutboxAdministration.retry(id, by: AuditActor(userID: nil, role: .administrator), in: context)
            }
            #expect(retried?.deadAt == nil)
            #expect(try await OutboxAdministration.summary(on: db, now: clock.now).first { $0.topic == "notification" }?.due == 1)
        }
    }

    @Test("a permanent failure (a 5xx reply) is a dead letter at once")
    func permanentFailure() async throws {
        try await withTestDatabase { db in
            let clock = TestClock()
            let id = try await Self.enqueue(db, 1, at: clock.now)[0]
            let worker = Self.worker(db, clock) { _ in throw OutboxDeliveryFailure("550 5.1.1 boîte inconnue", permanent: true) }
            #expect(try await worker.drain() == 1)
            let event = try await Self.event(db, id)
            #expect(event.deadAt != nil && event.attempts == 1 && event.lastError == "550 5.1.1 boîte inconnue")
            let letters = try await OutboxAdministration.deadLetters(on: db)
            #expect(letters.map(\.id) == [id])
            let summary = try #require(try await OutboxAdministration.summary(on: db, now: clock.now).first { $0.topic == "notification" })
            #expect(summary.pending == 0 && summary.dead == 1)
        }
    }

    @Test("an event claimed by an instance that died is taken over when its lease expires, not before; the late instance cannot overwrite the outcome")
    func leaseTakeover() async throws {
        try await withTestDatabase { db in
            let clock = TestClock()
            let id = try await Self.enqueue(db, 1, at: clock.now)[0]
            let deliveries = Deliveries()
            let dying = Self.worker(db, clock, instance: "dying") { deliveries.add($0.id) }
            let survivor = Self.worker(db, clock, instance: "survivor") { deliveries.add($0.id) }
            // "dying" claims the event and never reports back.
            let claimed = try #require(try await dying.claimNext())
            #expect(claimed.id == id)
            #expect(try await survivor.drain() == 0, "leased to another instance")
            clock.advance(by: 121)
            #expect(try await survivor.drain() == 1, "lease expired: taken over")
            #expect(deliveries.all == [id])
            // The dying instance wakes up late: its record does not apply (the event is no longer its).
            try await dying.record(claimed, failure: OutboxDeliveryFailure("trop tard", permanent: true))
            let event = try await Self.event(db, id)
            #expect(event.processedAt != nil && event.deadAt == nil && event.lastError == nil)
        }
    }

    @Test("two instances draining the same outbox at once deliver every event exactly once")
    func twoInstances() async throws {
        try await withTestDatabase { db in
            let clock = TestClock()
            let ids = try await Self.enqueue(db, 60, at: clock.now)
            let deliveries = Deliveries()
            let first = Self.worker(db, clock, instance: "one") { deliveries.add($0.id) }
            let second = Self.worker(db, clock, instance: "two") { deliveries.add($0.id) }
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask { try await first.drain() }
                group.addTask { try await second.drain() }
                var total = 0
                for try await count in group { total += count }
                #expect(total == 60)
            }
            #expect(deliveries.all.count == 60)
            #expect(Set(deliveries.all) == Set(ids))
            let summary = try #require(try await OutboxAdministration.summary(on: db, now: clock.now).first { $0.topic == "notification" })
            #expect(summary.pending == 0 && summary.dead == 0)
        }
    }
}
