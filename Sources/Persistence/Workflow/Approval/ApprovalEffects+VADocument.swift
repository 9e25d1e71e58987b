import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// The integration becomes definitive (nothing the white list shows changes).
    func acceptVADocument(_ drimbox: DRIMboxModel, request: RequestModel) async throws {
        try await registry.change(drimbox, .definitiveIntegration, requestID: request.id) { $0.vaDueAt = nil }
    }
}
