import EDCDomain
import FluentKit
import Foundation

extension WorkflowService {
    /// ANS excludes a DRIMbox: it leaves the white list at once.
    public func exclude(_ principal: Principal, drimboxID: UUID, reason: ExclusionReason, detail: String?) async throws -> DRIMboxModel {
        guard principal.role.isANS || principal.role == .system else {
            throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
        }
        let detail = try FreeText.validated(detail, field: "detail").flatMap { $0.isEmpty ? nil : $0.value }
        return try await store.write { context in
            guard let drimbox = try await DRIMboxModel.find(drimboxID, on: context.database) else {
                throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
            }
            try await excludeInTransaction(drimbox, principal: principal, reason: reason, detail: detail, context: context)
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

    private func excludeInTransaction(_ drimbox: DRIMboxModel, principal: Principal, reason: ExclusionReason, detail: String?, context: WriteContext) async throws {
        let from = drimbox.state
        let to = try DRIMboxStateMachine.target(from: from, event: .exclusion)
        drimbox.state = to
        drimbox.exclusionReason = reason
        drimbox.exclusionDetail = detail
        drimbox.excludedAt = context.now
        drimbox.vaDueAt = nil
        drimbox.updatedAt = context.now
        drimbox.version += 1
        try await drimbox.save(on: context.database)
        try await FQDNPairModel.touch(drimboxIDs: [drimbox.requireID()], at: context.now, on: context.database)
        try await DRIMboxRecorder(context: context).record(drimbox, event: .exclusion, from: from, to: to, principal: principal, requestID: nil, reason: reason.rawValue)
        try await context.enqueue(.registryChanged, ["drimboxID": try drimbox.requireID().uuidString, "cause": "exclusion"])
        try await context.enqueue(.notification, [
            "event": "drimbox.excluded", "drimboxID": try drimbox.requireID().uuidString,
            "operatorID": drimbox.operatorID.uuidString, "reason": reason.rawValue,
        ])
    }
}
