import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// The DRIMbox moves to the counterpart, which must have consented; every entry of it on the
    /// white list now shows the new operator.
    func changeOperator(_ drimbox: DRIMboxModel, request: RequestModel) async throws {
        guard request.consentedAt != nil, let counterpart = request.counterpartOperatorID else {
            throw WorkflowError.guardFailed(
                "operator_change.consent_missing", "L'opérateur repreneur n'a pas encore donné son accord.",
                "operator change \(request.number) approved without counterpart consent")
        }
        try await registry.change(drimbox, .operatorChange, requestID: request.id, listContentChanged: true, touchEntries: true) { $0.operatorID = counterpart }
    }
}
