import FluentKit
import Foundation

/// Removes what has no use after a while, so that no table grows without bound:
/// documents never attached to a request, stored idempotent responses, stale sign-in failures,
/// ended browser sessions and expired password links.
public struct Housekeeping: Sendable {
    public struct Report: Sendable, Equatable {
        public var orphanDocuments = 0
        public var idempotencyRecords = 0
        public var signInFailures = 0
        public var webSessions = 0
        public var passwordResetLinks = 0

        public init() {}
    }

    let store: Store
    /// A document no request refers to, older than this, is deleted.
    public var orphanDocumentAge: TimeInterval
    /// Stored responses for `Idempotency-Key` are kept this long.
    public var idempotencyRetention: TimeInterval
    /// Failed sign-ins are forgotten this long after the last one (and after any lock ran out).
    public var signInFailureRetention: TimeInterval

    public init(store: Store, orphanDocumentAge: TimeInterval, idempotencyRetention: TimeInterval, signInFailureRetention: TimeInterval) {
        self.store = store
        self.orphanDocumentAge = orphanDocumentAge
        self.idempotencyRetention = idempotencyRetention
        self.signInFailureRetention = signInFailureRetention
    }

    /// One pass; at most `batch` orphan documents are removed per pass, audited.
    public func run(batch: Int = 500) async throws -> Report {
        var report = Report()
        let now = store.clock()
        let candidates = try await DocumentModel.query(on: store.database)
            .filter(\.$createdAt < now.addingTimeInterval(-orphanDocumentAge))
            .field(\.$id).field(\.$operatorID).field(\.$createdAt).sort(\.$createdAt).limit(batch).all()
        var orphans: [DocumentModel] = []
        for document in candidates {
            // Payloads hold document ids as JSON strings (upper-case UUIDs).
            let id = try document.requireID().uuidString
            if try await RequestModel.query(on: store.database).filter(\.$payload ~~ id).count() == 0 {
                orphans.append(document)
            }
        }
        if !orphans.isEmpty {
            let found = orphans.map { (id: $0.id, operatorID: $0.operatorID) }
            report.orphanDocuments = try await store.write { context in
                var removed = 0
                for document in found {
                    // Re-checked under the write lock: a request may have named it since.
                    guard let id = document.id else { continue }
                    guard try await RequestModel.query(on: context.database).filter(\.$payload ~~ id.uuidString).count() == 0 else { continue }
                    try await DocumentModel.query(on: context.database).filter(\.$id == id).delete()
                    try await context.audit(AuditActor(userID: nil, role: .system), action: .documentPurge, entity: .document, entityID: id.uuidString, data: [
                        "operatorID": document.operatorID.uuidString, "reason": "never attached to a request",
                    ])
                    removed += 1
                }
                return removed
            }
        }
        let idempotencyCutoff = now.addingTimeInterval(-idempotencyRetention)
        report.idempotencyRecords = try await IdempotencyRecordModel.query(on: store.database).filter(\.$createdAt < idempotencyCutoff).count()
        if report.idempotencyRecords > 0 {
            try await store.write { context in
                try await IdempotencyRecordModel.query(on: context.database).filter(\.$createdAt < idempotencyCutoff).delete()
            }
        }
        let signInCutoff = now.addingTimeInterval(-signInFailureRetention)
        let stale = SignInFailureModel.query(on: store.database).filter(\.$lastFailureAt < signInCutoff)
            .group(.or) { $0.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < now) }
        report.signInFailures = try await stale.count()
        if report.signInFailures > 0 {
            try await store.write { context in
                try await SignInFailureModel.query(on: context.database).filter(\.$lastFailureAt < signInCutoff)
                    .group(.or) { $0.filter(\.$lockedUntil == nil).filter(\.$lockedUntil < now) }.delete()
            }
        }
        // Browser sessions a day after they ended (signed out, revoked, past their end, or idle two
        // days: longer than any idle limit), and password links a day after they expired.
        let dayAgo = now.addingTimeInterval(-86_400)
        let ended = WebSessionModel.query(on: store.database).group(.or) {
            $0.filter(\.$expiresAt < dayAgo).filter(\.$revokedAt < dayAgo).filter(\.$lastSeenAt < now.addingTimeInterval(-2 * 86_400))
        }
        report.webSessions = try await ended.count()
        if report.webSessions > 0 {
            try await store.write { context in
                try await WebSessionModel.query(on: context.database).group(.or) {
                    $0.filter(\.$expiresAt < dayAgo).filter(\.$revokedAt < dayAgo).filter(\.$lastSeenAt < now.addingTimeInterval(-2 * 86_400))
                }.delete()
            }
        }
        report.passwordResetLinks = try await PasswordResetModel.query(on: store.database).filter(\.$expiresAt < dayAgo).count()
        if report.passwordResetLinks > 0 {
            try await store.write { context in
                try await PasswordResetModel.query(on: context.database).filter(\.$expiresAt < dayAgo).delete()
            }
        }
        return report
    }
}
