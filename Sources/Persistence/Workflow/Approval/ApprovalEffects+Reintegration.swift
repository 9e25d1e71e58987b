import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// Back on the white list provisionally after an exclusion, with new DNs if given; a new VA
    /// document is due.
    func reintegrate(_ drimbox: DRIMboxModel, _ reintegration: ReintegrationPayload, request: RequestModel) async throws {
        try await setCertificates(reintegration.certificates ?? [], of: drimbox)
        try await registry.change(drimbox, .reintegration, requestID: request.id) { drimbox in
            drimbox.exclusionReason = nil
            drimbox.exclusionDetail = nil
            drimbox.excludedAt = nil
            drimbox.vaDueAt = context.now.addingTimeInterval(configuration.vaDeadline)
        }
    }
}
