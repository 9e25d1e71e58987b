import FluentKit
import Foundation
import Logging
import SQLKit

/// Why a delivery failed. A permanent failure (a mail server's 5xx, a payload that cannot be
/// rendered) goes to the dead letters at once; any other error is retried with backoff.
public struct OutboxDeliveryFailure: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var permanent: Bool
    public init(_ reason: String, permanent: Bool) {
        self.reason = reason
        self.permanent = permanent
    }
    public var description: String { reason }
}

/// Hands the outbox events of its topics to their consumers, at least once, from any number of
/// instances sharing one database.
///
/// - **Claims with leases.** An instance takes a due event by setting `claimed_by` and
///   `lease_until` with a conditional `UPDATE … RETURNING` (the row must still be unprocessed,
///   alive and unleased): on PostgreSQL, of two instances racing for one row, the second one's
///   update re-reads the row and matches nothing; SQLite serialises writers. A crashed holder's
///   lease expires and the event is taken over.
/// - **Retries.** A failure records the attempt and its error, and makes the event due again after
///   an exponential delay with jitter (`baseDelay` × 2^(attempts−1), at most `maximumDelay`, times a
///   random factor in 0.5…1). After `maximumAttempts`, or at once for a permanent failure, the
///   event becomes a dead letter (`dead_at`), retried only by an administrator (`retry(_:)`).
/// - A consumer must be idempotent per event id: a delivery can be repeated when an instance dies
///   between delivering and recording it (the mailer derives the `Message-ID` from the event id).
public final class OutboxWorker: Sendable {
    public typealias Deliver = @Sendable (OutboxEventModel) async throws -> Void

    public struct Settings: Sendable {
        /// This instance's name in `claimed_by`.
        public var instanceID = "edc-\(UUID().uuidString.prefix(8).lowercased())"
        /// How long a claim protects an event from other instances: longer than any delivery.
        public var lease: TimeInterval = 300
        public var maximumAttempts = 8
        public var baseDelay: TimeInterval = 30
        public var maximumDelay: TimeInterval = 6 * 3600
        /// How often the loop looks for due events without being nudged.
        public var pollInterval: TimeInterval = 15
        /// Deliveries in flight at once in this instance (each claims its own events).
        public var concurrency = 4
        public init() {}
    }

    /// What monitoring sees (the app wires these to its metrics).
    public struct Observer: Sendable {
        public var delivered: @Sendable (OutboxTopic) -> Void = { _ in }
        public var failed: @Sendable (OutboxTopic, _ dead: Bool) -> Void = { _, _ in }
        public init() {}
    }

    let database: any Database
    let clock: @Sendable () -> Date
    public let consumers: [OutboxTopic: Deliver]
    public let settings: Settings
    let observer: Observer
    public let logger: Logger
    let random: @Sendable () -> Double

    public init(
        database: any Database, clock: @escaping @Sendable () -> Date, consumers: [OutboxTopic: Deliver],
        settings: Settings = Settings(), observer: Observer = Observer(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1) }
    ) {
        self.database = database
        self.clock = clock
        self.consumers = consumers
        self.settings = settings
        self.observer = observer
        self.logger = logger
        self.random = random
    }

    /// Delivers due events until none is left (or `limit` deliveries); returns how many were tried.
    @discardableResult
    public func drain(limit: Int = .max) async throws -> Int {
        var tried = 0
        while tried < limit, let event = try await claimNext() {
            await deliver(event)
            tried += 1
        }
        return tried
    }

    /// `drain()` by `settings.concurrency` claimers at once; returns how many events were tried.
    @discardableResult
    public func drainConcurrently() async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<max(1, settings.concurrency) { group.addTask { try await self.drain() } }
            var total = 0
            for try await count in group { total += count }
            return total
        }
    }

    /// The next due event of a consumed topic, now claimed by this instance; nil when none is due.
    public func claimNext() async throws -> OutboxEventModel? {
        guard let sql = database as? any SQLDatabase else { throw OutboxDeliveryFailure("the outbox worker needs an SQL database", permanent: true) }
        let topics = Array(consumers.keys)
        guard !topics.isEmpty else { return nil }
        let now = clock()
        let candidates = try await OutboxEventModel.query(on: database)
            .filter(\.$topic ~~ topics)
            .filter(\.$processedAt == nil)
            .filter(\.$deadAt == nil)
            .filter(\.$availableAt <= now)
            .group(.or) { $0.filter(\.$leaseUntil == nil).filter(\.$leaseUntil < now) }
            .sort(\.$availableAt)
            .sort(\.$createdAt)
            .limit(8)
            .all()
        let leaseUntil = now.addingTimeInterval(settings.lease)
        for candidate in candidates {
            guard let id = candidate.id else { continue }
            let claimed = try await sql.update(OutboxEventModel.schema)
                .set("claimed_by", to: settings.instanceID)
                .set("lease_until", to: leaseUntil)
                .where("id", .equal, id)
                .where("processed_at", .is, SQLLiteral.null)
                .where("dead_at", .is, SQLLiteral.null)
                .where { $0.where("lease_until", .is, SQLLiteral.null).orWhere("lease_until", .lessThan, now) }
                .returning("id")
                .all()
            if !claimed.isEmpty {
                candidate.claimedBy = settings.instanceID
                candidate.leaseUntil = leaseUntil
                return candidate
            }
        }
        return nil
    }

    /// Hands a claimed event to its consumer and records the outcome.
    public func deliver(_ event: OutboxEventModel) async {
        guard let consume = consumers[event.topic] else { return }
        do {
            try await consume(event)
            try await record(event, failure: nil)
            observer.delivered(event.topic)
        } catch {
            let failure = (error as? OutboxDeliveryFailure) ?? OutboxDeliveryFailure(String(describing: error), permanent: false)
            do {
                let dead = try await record(event, failure: failure)
                observer.failed(event.topic, dead)
                logger.log(level: dead ? .error : .warning, "outbox delivery failed", metadata: [
                    "event": .string(event.id?.uuidString ?? "?"), "topic": .string(event.topic.rawValue),
                    "attempt": .stringConvertible(event.attempts), "dead": .stringConvertible(dead), "error": .string(failure.reason),
                ])
            } catch {
                // The lease runs out and the event is tried again.
                logger.error("outbox delivery outcome not recorded", metadata: ["event": .string(event.id?.uuidString ?? "?"), "error": .string("\(error)")])
            }
        }
    }

    /// Records a delivery (failure nil) or a failed attempt; returns whether the event is now dead.
    /// Only while this instance holds the event: a lease taken over meanwhile wins.
    @discardableResult
    func record(_ event: OutboxEventModel, failure: OutboxDeliveryFailure?) async throws -> Bool {
        guard let sql = database as? any SQLDatabase, let id = event.id else { return false }
        let now = clock()
        var update = sql.update(OutboxEventModel.schema)
            .set("claimed_by", to: SQLLiteral.null)
            .set("lease_until", to: SQLLiteral.null)
            .set("last_attempt_at", to: now)
        var dead = false
        if let failure {
            let attempts = event.attempts + 1
            dead = failure.permanent || attempts >= settings.maximumAttempts
            event.attempts = attempts
            update = update.set("attempts", to: attempts).set("last_error", to: String(failure.reason.prefix(2000)))
            if dead {
                update = update.set("dead_at", to: now)
            } else {
                update = update.set("available_at", to: now.addingTimeInterval(retryDelay(afterAttempts: attempts)))
            }
        } else {
            update = update.set("processed_at", to: now).set("attempts", to: event.attempts + 1)
        }
        try await update.where("id", .equal, id).where("claimed_by", .equal, settings.instanceID).run()
        return dead
    }

    /// The wait before attempt `attempts + 1`: exponential, capped, with jitter.
    public func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        let exponential = settings.baseDelay * pow(2, Double(max(0, attempts - 1)))
        return min(settings.maximumDelay, exponential) * random()
    }
}

/// The worker in the background: woken after a commit that enqueued events of its topics, and
/// every `pollInterval` (events due after a backoff, other instances' events, expired leases).
public struct OutboxLoop: Sendable {
    private let loop: BackgroundLoop

    public init(worker: OutboxWorker) {
        loop = BackgroundLoop(interval: .milliseconds(Int64(worker.settings.pollInterval * 1000))) {
            do {
                try await worker.drainConcurrently()
            } catch {
                worker.logger.error("outbox worker: cannot claim events", metadata: ["error": .string(String(reflecting: error))])
            }
        }
    }

    public func start() async { await loop.start() }
    public func nudge() async { await loop.nudge() }
    public func stop() async { await loop.stop() }
}

/// What administrators see of the outbox, and the one thing they can do: retry a dead letter.
public enum OutboxAdministration {
    public struct TopicSummary: Codable, Sendable, Equatable {
        public var topic: String
        public var pending: Int
        public var due: Int
        public var claimed: Int
        public var dead: Int
        /// Seconds since the oldest pending (not dead, not processed) event was written.
        public var oldestPendingAgeSeconds: Int?
    }

    public static func summary(on database: any Database, now: Date) async throws -> [TopicSummary] {
        var result: [TopicSummary] = []
        for topic in OutboxTopic.allCases {
            let open = OutboxEventModel.query(on: database).filter(\.$topic == topic).filter(\.$processedAt == nil)
            let pending = try await open.copy().filter(\.$deadAt == nil).count()
            let due = try await open.copy().filter(\.$deadAt == nil).filter(\.$availableAt <= now).count()
            let claimed = try await open.copy().filter(\.$deadAt == nil).filter(\.$leaseUntil > now).count()
            let dead = try await open.copy().filter(\.$deadAt != nil).count()
            let oldest = try await open.copy().filter(\.$deadAt == nil).sort(\.$createdAt).first()
            result.append(TopicSummary(
                topic: topic.rawValue, pending: pending, due: due, claimed: claimed, dead: dead,
                oldestPendingAgeSeconds: oldest.map { Int(now.timeIntervalSince($0.createdAt)) }))
        }
        return result
    }

    public static func deadLetters(on database: any Database, limit: Int = 200) async throws -> [OutboxEventModel] {
        try await OutboxEventModel.query(on: database).filter(\.$processedAt == nil).filter(\.$deadAt != nil)
            .sort(\.$deadAt, .descending).limit(limit).all()
    }

    /// Makes a dead letter due again (attempts start over), audited; nil when `id` is not a dead letter.
    public static func retry(_ id: UUID, by actor: AuditActor, in context: WriteContext) async throws -> OutboxEventModel? {
        guard let event = try await OutboxEventModel.query(on: context.database).filter(\.$id == id)
            .filter(\.$processedAt == nil).filter(\.$deadAt != nil).first() else { return nil }
        try await context.audit(actor, action: .outboxRetry, entity: .outboxEvent, entityID: id.uuidString, data: [
            "topic": event.topic.rawValue, "attempts": String(event.attempts), "lastError": String((event.lastError ?? "").prefix(500)),
        ])
        event.deadAt = nil
        event.attempts = 0
        event.availableAt = context.now
        event.claimedBy = nil
        event.leaseUntil = nil
        try await event.save(on: context.database)
        return event
    }
}
