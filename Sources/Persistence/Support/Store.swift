import EDCDomain
import FluentKit
import FluentSQL
import Foundation
import Logging

/// The entry point to persistence: a database plus the rules for writing to it.
///
/// Every write goes through `write(_:)`: one transaction that first takes the audit head lock
/// (serialising writers on PostgreSQL, across instances), so that numbering, registry
/// allocation and the audit chain never race.
public struct Store: Sendable {
    public let database: any Database
    let gate: WriteGate?
    public let clock: @Sendable () -> Date
    /// Called after each commit with the outbox topics the transaction enqueued.
    let onCommit: @Sendable (Set<OutboxTopic>) -> Void

    public init(database: any Database, clock: @escaping @Sendable () -> Date = { Date() }, onCommit: @escaping @Sendable (Set<OutboxTopic>) -> Void = { _ in }) {
        self.database = database
        self.clock = clock
        self.onCommit = onCommit
        self.gate = Self.isSQLite(database) ? WriteGate() : nil
    }

    public var isSQLite: Bool { Self.isSQLite(database) }

    static func isSQLite(_ database: any Database) -> Bool {
        (database as? any SQLDatabase)?.dialect.name == "sqlite"
    }

    /// Runs `body` in one transaction, with the audit head locked. `body` gets a `WriteContext`
    /// to append audit entries and outbox events that commit (or roll back) with its changes.
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteContext) async throws -> T) async throws -> T {
        if let gate { await gate.acquire() }
        do {
            let now = clock()
            let (result, topics) = try await database.transaction { transaction in
                let context = try await WriteContext.open(on: transaction, now: now)
                let value = try await body(context)
                try await context.close()
                return (value, context.enqueuedTopics)
            }
            if let gate { await gate.release() }
            if !topics.isEmpty { onCommit(topics) }
            return result
        } catch {
            if let gate { await gate.release() }
            throw error
        }
    }
}

/// What a write transaction can do beyond plain Fluent calls: audit and outbox.
public final class WriteContext: @unchecked Sendable {
    // Safe: a context is created for one transaction and used by its body only, sequentially.
    public let database: any Database
    public let now: Date
    private var auditSeq: Int
    private var auditHash: String
    private var audited = false
    fileprivate var enqueuedTopics: Set<OutboxTopic> = []

    private init(database: any Database, now: Date, seq: Int, hash: String) {
        self.database = database
        self.now = now
        self.auditSeq = seq
        self.auditHash = hash
    }

    static func open(on database: any Database, now: Date) async throws -> WriteContext {
        let head: (seq: Int, hash: String)
        if let sql = database as? any SQLDatabase, sql.dialect.name != "sqlite" {
            // Row lock: concurrent writers queue here until this transaction ends.
            guard let row = try await sql.raw("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").first() else {
                throw PersistenceError.corrupted("audit head row is missing")
            }
            head = (try row.decode(column: "seq", as: Int.self), try row.decode(column: "hash", as: String.self))
        } else {
            guard let row = try await AuditHeadModel.find(1, on: database) else {
                throw PersistenceError.corrupted("audit head row is missing")
            }
            head = (row.seq, row.hash)
        }
        return WriteContext(database: database, now: AuditLog.truncatedToMilliseconds(now), seq: head.seq, hash: head.hash)
    }

    /// Appends one hash-chained audit entry.
    public func audit(_ principal: AuditActor, action: AuditAction, entity: AuditEntity, entityID: String, data: [String: String] = [:]) async throws {
        let entry = AuditEntryModel()
        entry.id = UUID()
        entry.seq = auditSeq + 1
        entry.at = now
        entry.actorID = principal.userID
        entry.actorRole = principal.role.rawValue
        entry.action = action
        entry.entityType = entity.rawValue
        entry.entityID = entityID
        entry.data = JSONText.encodeSorted(data)
        entry.previousHash = auditHash
        entry.hash = AuditLog.hash(of: entry)
        try await entry.create(on: database)
        auditSeq = entry.seq
        auditHash = entry.hash
        audited = true
    }

    /// Queues an event for consumers that run after commit.
    public func enqueue(_ event: OutboxEvent) async throws {
        try await OutboxEventModel(id: UUID(), topic: event.topic, payload: try event.payloadText(), at: now).create(on: database)
        enqueuedTopics.insert(event.topic)
    }

    fileprivate func close() async throws {
        guard audited else { return }
        try await AuditHeadModel.query(on: database).filter(\.$id == 1)
            .set(\.$seq, to: auditSeq).set(\.$hash, to: auditHash).update()
    }
}

/// The actor as recorded in the audit log.
public struct AuditActor: Sendable {
    public var userID: UUID?
    public var role: Role

    public init(userID: UUID?, role: Role) {
        self.userID = userID
        self.role = role
    }
}

public enum PersistenceError: Error, Sendable, CustomStringConvertible {
    case corrupted(String)

    public var description: String {
        switch self {
        case .corrupted(let detail): "database content is inconsistent: \(detail)"
        }
    }
}
