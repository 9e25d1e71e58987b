import EDCDomain
import FluentKit
import Foundation

/// The one path that changes a DRIMbox's registry state, for approvals and exclusions alike:
/// 1. the state machine gives the new state (or refuses the event);
/// 2. `update` sets the other fields;
/// 3. the row is saved with its version checked (`expectedVersion`, and no other change since it
///    was read) and bumped;
/// 4. the transition is recorded (append-only row and audit entry);
/// 5. when the DRIMbox enters or leaves the white list, or (on it) what the list shows changed,
///    its entries are marked changed (`DateMAJ`) as needed and `registry.changed` is enqueued.
struct RegistryWriter {
    let context: WriteContext
    let principal: Principal

    func change(
        _ drimbox: DRIMboxModel, _ event: DRIMboxEvent, requestID: UUID?, reason: String? = nil, expectedVersion: Int? = nil,
        listContentChanged: Bool = false, touchEntries: Bool = false,
        update: (DRIMboxModel) throws -> Void = { _ in }
    ) async throws {
        let from = drimbox.state
        let to = try DRIMboxStateMachine.target(from: from, event: event)
        drimbox.state = to
        try update(drimbox)
        try await context.saveVersioned(drimbox, expected: expectedVersion, what: "DRIMbox \(drimbox.identifier)")
        try await record(drimbox, event: event, from: from, to: to, requestID: requestID, reason: reason)
        let trustChanged = from.isTrusted != to.isTrusted
        // Entries appear on or leave the white list: their DateMAJ is now. (Provisional to
        // integrated changes nothing the list shows.)
        if trustChanged || touchEntries {
            try await FQDNPairModel.touch(drimboxIDs: [drimbox.requireID()], at: context.now, on: context.database)
        }
        if trustChanged || (to.isTrusted && listContentChanged) {
            try await context.enqueue(.registryChanged(.init(drimboxID: try drimbox.requireID(), cause: .drimbox(event))))
        }
    }

    /// Writes the append-only transition row and its audit entry.
    func record(_ drimbox: DRIMboxModel, event: DRIMboxEvent, from: DRIMboxState?, to: DRIMboxState, requestID: UUID?, reason: String?) async throws {
        let row = DRIMboxTransitionModel()
        row.id = UUID()
        row.drimboxID = try drimbox.requireID()
        row.event = event
        row.fromState = from
        row.toState = to
        row.actorID = principal.userID
        row.actorRole = principal.role
        row.requestID = requestID
        row.at = context.now
        row.reason = reason
        try await row.create(on: context.database)
        var data = ["event": event.rawValue, "to": to.rawValue]
        if let from { data["from"] = from.rawValue }
        if let reason { data["reason"] = reason }
        try await context.audit(principal.auditActor, action: .drimbox(event), entity: .drimbox, entityID: String(drimbox.identifier), data: data)
    }
}
