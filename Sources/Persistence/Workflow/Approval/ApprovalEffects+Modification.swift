import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// Contacts, hostnames, added PACS (new FQDN pairs), renewed certificate DNs.
    func modify(_ drimbox: DRIMboxModel, _ modification: ModificationPayload, request: RequestModel) async throws {
        let change = OperatorDataChange(supportPhone: modification.supportPhone, supportEmail: modification.supportEmail, responsibleContact: modification.responsibleContact)
        if !change.isEmpty, let owner = try await OperatorModel.find(drimbox.operatorID, on: database) {
            try await OperatorRecords(context: context).apply(change, to: owner, by: principal.auditActor, cause: "request \(request.number)")
        }
        let pairs = try await RegistryChecks(database: database, configuration: configuration).pairsOf(drimbox)
        for change in modification.hostnameChanges ?? [] {
            guard let pair = pairs.first(where: { $0.dbFQDN == change.dbFQDN.value }) else { continue }
            var data = ["db": pair.dbFQDN]
            if let source = change.sourceHostname, source.value != pair.sourceHostname {
                (data["sourceHostname.old"], data["sourceHostname.new"]) = (pair.sourceHostname, source.value)
                pair.sourceHostname = source.value
            }
            if let viewer = change.viewerHostname, viewer.value != pair.viewerHostname {
                (data["viewerHostname.old"], data["viewerHostname.new"]) = (pair.viewerHostname, viewer.value)
                pair.viewerHostname = viewer.value
            }
            guard data.count > 1 else { continue }
            try await pair.save(on: database)
            try await context.audit(principal.auditActor, action: .drimboxSetHostnames, entity: .drimbox, entityID: String(drimbox.identifier), data: data)
        }
        var nextIndex = (pairs.map(\.pacsIndex).max() ?? 0) + 1
        for hostnames in modification.addPACS ?? [] {
            let pair = try configuration.namingPattern.pair(drimbox: drimbox.identifier, pacs: nextIndex)
            try await reserve(pair, hostnames: hostnames, drimbox: drimbox)
            try await context.audit(principal.auditActor, action: .drimboxAddPACS, entity: .drimbox, entityID: String(drimbox.identifier), data: ["db": pair.db.value, "vi": pair.viewer.value])
            nextIndex += 1
        }
        if !(modification.addPACS ?? []).isEmpty {
            // New FQDN pairs: a new attestation naming them all.
            let clients = (try? JSONText.decode([String].self, from: drimbox.clients)) ?? []
            try await issueAttestation(for: drimbox, request: request, clients: clients)
        }
        try await setCertificates(modification.certificates ?? [], of: drimbox)
        // The DNs may have changed what the white list shows (operator data changes enqueue their own).
        try await registry.change(drimbox, .modification, requestID: request.id, listContentChanged: true)
    }
}
