import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// On the white list provisionally, with the certificate DNs; the operator's name and support
    /// contacts as given; the VA document is due by an absolute date.
    func integrate(_ drimbox: DRIMboxModel, _ integration: IntegrationPayload, request: RequestModel) async throws {
        try await setCertificates(integration.certificates, of: drimbox)
        if let owner = try await OperatorModel.find(drimbox.operatorID, on: database) {
            try await OperatorRecords(context: context).apply(
                OperatorDataChange(legalName: integration.operatorName, supportPhone: integration.supportPhone, supportEmail: integration.supportEmail),
                to: owner, by: principal.auditActor, cause: "request \(request.number)")
        }
        try await registry.change(drimbox, .provisionalIntegration, requestID: request.id) { drimbox in
            drimbox.vaDueAt = context.now.addingTimeInterval(configuration.vaDeadline)
        }
    }
}
