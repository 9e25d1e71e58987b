import EDCDomain
import FluentKit
import Foundation

/// Registry changes ANS makes on its own, without an operator's request (besides exclusion):
/// withdrawing a DRIMbox (an operator that stopped trading, a DRIMbox abandoned) and re-integrating
/// an excluded one (an exclusion lifted once its cause is cleared). Each needs a reason, goes
/// through `RegistryWriter` (state machine, versioned save, append-only transition, audit, white
/// list rebuild) and is refused (`NotFoundError`) to anyone but ANS.
extension WorkflowService {
    /// ANS withdraws a DRIMbox: it leaves the white list if it was on it; its FQDNs stay reserved
    /// for ever. From any state but withdrawn. With `expectedVersion`, refused (409) if the
    /// DRIMbox changed since the caller read it.
    public func withdrawByANS(_ principal: Principal, drimboxID: UUID, reason: String?, expectedVersion: Int? = nil) async throws -> DRIMboxModel {
        guard principal.role.isANS else { throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString) }
        let reason = try Self.requiredReason(reason, what: "du retrait")
        return try await store.write { context in
            guard let drimbox = try await DRIMboxModel.find(drimboxID, on: context.database) else {
                throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
            }
            try await RegistryWriter(context: context, principal: principal).change(drimbox, .withdrawal, requestID: nil, reason: reason, expectedVersion: expectedVersion) {
                $0.vaDueAt = nil
            }
            return drimbox
        }
    }

    /// ANS re-integrates an excluded DRIMbox: back on the white list provisionally, a new VA
    /// document due (as after a re-integration request). Refused after an exclusion for a
    /// cyber-security incident: that needs the operator's re-integration request with a newly
    /// signed CGI (SPEC §3, situation 2).
    public func reintegrateByANS(_ principal: Principal, drimboxID: UUID, reason: String?, expectedVersion: Int? = nil) async throws -> DRIMboxModel {
        guard principal.role.isANS else { throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString) }
        let reason = try Self.requiredReason(reason, what: "de la réintégration")
        let vaDeadline = configuration.vaDeadline
        return try await store.write { context in
            guard let drimbox = try await DRIMboxModel.find(drimboxID, on: context.database) else {
                throw NotFoundError(entity: "drimbox", id: drimboxID.uuidString)
            }
            if drimbox.state == .excluded, let exclusion = drimbox.exclusionReason, exclusion.reintegrationRequiresNewCGI {
                throw WorkflowError.guardFailed(
                    "drimbox.reintegration_needs_request",
                    "Cette DRIMbox a été exclue pour « \(exclusion.label) » : sa réintégration passe par une demande de l'opérateur avec de nouvelles conditions générales signées.",
                    "DRIMbox \(drimbox.identifier) was excluded for \(exclusion.rawValue); ANS cannot re-integrate it directly")
            }
            try await RegistryWriter(context: context, principal: principal).change(drimbox, .reintegration, requestID: nil, reason: reason, expectedVersion: expectedVersion) { drimbox in
                drimbox.exclusionReason = nil
                drimbox.exclusionDetail = nil
                drimbox.excludedAt = nil
                drimbox.vaDueAt = context.now.addingTimeInterval(vaDeadline)
            }
            return drimbox
        }
    }

    /// A non-empty reason of at most `FreeText.maximumLength` characters, or a French error on
    /// `reason` ("Indiquez le motif " + `what`, e.g. "du retrait").
    static func requiredReason(_ reason: String?, what: String) throws -> String {
        guard let text = try FreeText.validated(reason, field: "reason"), !text.isEmpty else {
            throw ValidationErrors([ValidationError(
                code: "drimbox.reason_required", field: "reason",
                userMessage: "Indiquez le motif \(what).",
                technicalDetail: "ANS registry change without a reason")])
        }
        return text.value
    }
}
