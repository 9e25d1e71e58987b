import EDCDomain
import FluentKit
import Foundation

extension WorkflowService {
    /// ANS excludes a DRIMbox: it leaves the white list at once. With `expectedVersion`, refused
    /// (409) if the DRIMbox changed since the caller read it.
    public func exclude(_ principal: Principal, drimboxID: UUID, reason: ExclusionReason, detail: String?, expectedVersion: Int? = nil) async throws -> DRIMboxModel {
        guard principal.role.isANS || principal.role == .system else {
            throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
        }
        let detail = try FreeText.validated(detail, field: "detail").flatMap { $0.isEmpty ? nil : $0.value }
        return try await store.write { context in
            guard let drimbox = try await DRIMboxModel.find(drimboxID, on: context.database) else {
                throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
            }
            try await excludeInTransaction(drimbox, principal: principal, reason: reason, detail: detail, expectedVersion: expectedVersion, context: context)
            return drimbox
        }
    }

    /// Excludes every provisional DRIMbox whose VA document deadline has passed.
    @discardableResult
    public func excludeOverdueVA() async throws -> [Int] {
        try await store.write { context in
            let overdue = try await DRIMboxModel.query(on: context.database)
                .filter(\.$state == .provisional)
                .filter(\.$vaDueAt < context.now)
                .all()
            for drimbox in overdue {
                try await excludeInTransaction(drimbox, principal: .system, reason: .vaNotProvided, detail: "Échéance du document de VA dépassée.", context: context)
            }
            return overdue.map(\.identifier)
        }
    }

    /// The reminder thresholds before a VA document's due date, in days.
    public static let vaReminderDays = [30, 7, 1]

    /// Sends (as `notification` events) the VA-deadline reminders that are due: for each
    /// provisional DRIMbox whose VA document is due within 30 days, the reminder of the smallest
    /// threshold reached (30, 7 or 1 day), once per threshold and due date. Audited. Returns the
    /// DRIMbox identifiers and thresholds reminded.
    public func remindVADeadlines() async throws -> [(identifier: Int, days: Int)] {
        try await store.write { context in
            let horizon = context.now.addingTimeInterval(Double(Self.vaReminderDays.max()!) * 86_400)
            let soon = try await DRIMboxModel.query(on: context.database)
                .filter(\.$state == .provisional)
                .filter(\.$vaDueAt >= context.now)
                .filter(\.$vaDueAt <= horizon)
                .all()
            var reminded: [(identifier: Int, days: Int)] = []
            for drimbox in soon {
                guard let dueAt = drimbox.vaDueAt else { continue }
                let left = dueAt.timeIntervalSince(context.now) / 86_400
                guard let threshold = Self.vaReminderDays.filter({ left <= Double($0) }).min() else { continue }
                if drimbox.vaRemindedFor == dueAt, let sent = drimbox.vaReminderDays, sent <= threshold { continue }
                drimbox.vaReminderDays = threshold
                drimbox.vaRemindedFor = dueAt
                try await drimbox.save(on: context.database)
                try await context.audit(AuditActor(userID: nil, role: .system), action: .drimboxVAReminder, entity: .drimbox, entityID: String(drimbox.identifier), data: [
                    "days": String(threshold), "dueAt": ISO8601DateFormatter().string(from: dueAt),
                ])
                try await context.enqueue(.notification(.vaDeadline(.init(drimboxID: try drimbox.requireID(), operatorID: drimbox.operatorID, dueAt: dueAt, days: threshold))))
                reminded.append((drimbox.identifier, threshold))
            }
            return reminded
        }
    }

    private func excludeInTransaction(_ drimbox: DRIMboxModel, principal: Principal, reason: ExclusionReason, detail: String?, expectedVersion: Int? = nil, context: WriteContext) async throws {
        try await RegistryWriter(context: context, principal: principal).change(drimbox, .exclusion, requestID: nil, reason: reason.rawValue, expectedVersion: expectedVersion) { drimbox in
            drimbox.exclusionReason = reason
            drimbox.exclusionDetail = detail
            drimbox.excludedAt = context.now
            drimbox.vaDueAt = nil
        }
        try await context.enqueue(.notification(.drimboxExcluded(.init(drimboxID: try drimbox.requireID(), operatorID: drimbox.operatorID, reason: reason, detail: detail))))
    }
}
