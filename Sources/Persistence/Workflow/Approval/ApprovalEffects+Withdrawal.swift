import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// Decommissioned: off the white list if it was on it; its FQDNs stay reserved for ever.
    func withdraw(_ drimbox: DRIMboxModel, request: RequestModel) async throws {
        try await registry.change(drimbox, .withdrawal, requestID: request.id) { $0.vaDueAt = nil }
    }
}
