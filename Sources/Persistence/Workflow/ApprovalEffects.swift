import EDCDomain
import FluentKit
import Foundation

/// What approving a request does to the registry, kind by kind (SPEC §3). Runs inside the
/// approval's transaction; guards are re-checked against the registry as it is now.
struct ApprovalEffects {
    let context: WriteContext
    let configuration: WorkflowConfiguration
    let principal: Principal

    var database: any Database { context.database }

    func apply(request: RequestModel, kind: RequestKind, payload: RequestPayload) async throws {
        let checks = RegistryChecks(database: database, configuration: configuration)
        let drimbox = try await checks.targetDRIMbox(kind: kind, id: request.drimboxID, principal: principal)
        // The reviewer sees every DRIMbox: check that this one still belongs to the operator that
        // filed the request (it may have moved to another operator since).
        if let drimbox, drimbox.operatorID != request.operatorID {
            throw WorkflowError.guardFailed(
                "request.drimbox_operator_changed",
                "Cette DRIMbox a changé d'opérateur depuis le dépôt de la demande : la demande ne peut plus être acceptée.",
                "DRIMbox \(drimbox.identifier) belongs to operator \(drimbox.operatorID), request \(request.number) was filed by \(request.operatorID)")
        }
        _ = try await checks.validate(payload, drimbox: drimbox, operatorID: request.operatorID, forSubmission: true)

        switch payload {
        case .declaration(let declaration):
            try await declare(request: request, declaration: declaration)
        case .integration(let integration):
            let drimbox = try drimbox.orThrow()
            try await move(drimbox, .provisionalIntegration, request: request)
            try await setCertificates(integration.certificates, of: drimbox)
            if let owner = try await OperatorModel.find(drimbox.operatorID, on: database) {
                try await OperatorRecords(context: context).apply(
                    OperatorDataChange(legalName: integration.operatorName, supportPhone: integration.supportPhone, supportEmail: integration.supportEmail),
                    to: owner, by: principal.auditActor, cause: "request \(request.number)")
            }
            drimbox.vaDueAt = context.now.addingTimeInterval(configuration.vaDeadline)
            try await saveDRIMbox(drimbox)
            try await registryChanged(drimbox, "integration")
        case .vaDocument:
            let drimbox = try drimbox.orThrow()
            try await move(drimbox, .definitiveIntegration, request: request)
            drimbox.vaDueAt = nil
            try await saveDRIMbox(drimbox)
        case .reintegration(let reintegration):
            let drimbox = try drimbox.orThrow()
            try await move(drimbox, .reintegration, request: request)
            try await setCertificates(reintegration.certificates ?? [], of: drimbox)
            drimbox.exclusionReason = nil
            drimbox.exclusionDetail = nil
            drimbox.excludedAt = nil
            drimbox.vaDueAt = context.now.addingTimeInterval(configuration.vaDeadline)
            try await saveDRIMbox(drimbox)
            try await registryChanged(drimbox, "reintegration")
        case .modification(let modification):
            let drimbox = try drimbox.orThrow()
            try await move(drimbox, .modification, request: request)
            try await modify(drimbox, modification, request: request)
            try await saveDRIMbox(drimbox)
            if drimbox.state.isTrusted { try await registryChanged(drimbox, "modification") }
        case .withdrawal:
            let drimbox = try drimbox.orThrow()
            let wasTrusted = drimbox.state.isTrusted
            try await move(drimbox, .withdrawal, request: request)
            drimbox.vaDueAt = nil
            try await saveDRIMbox(drimbox)
            if wasTrusted { try await registryChanged(drimbox, "withdrawal") }
        case .operatorChange:
            let drimbox = try drimbox.orThrow()
            guard request.consentedAt != nil, let counterpart = request.counterpartOperatorID else {
                throw WorkflowError.guardFailed(
                    "operator_change.consent_missing", "L'opérateur repreneur n'a pas encore donné son accord.",
                    "operator change \(request.number) approved without counterpart consent")
            }
            try await move(drimbox, .operatorChange, request: request)
            drimbox.operatorID = counterpart
            try await saveDRIMbox(drimbox)
            try await touchPairs(of: drimbox)
            if drimbox.state.isTrusted { try await registryChanged(drimbox, "operatorChange") }
        }
    }

    // MARK: Declaration

    private func declare(request: RequestModel, declaration: DeclarationPayload) async throws {
        let identifier = (try await DRIMboxModel.query(on: database).max(\.$identifier) ?? 0) + 1
        let drimbox = DRIMboxModel(
            id: UUID(), identifier: identifier, operatorID: request.operatorID, state: .declared,
            clients: try JSONText.encode(declaration.clients.map(\.value)), updatedAt: context.now)
        try await drimbox.create(on: database)
        var assigned: [FQDNPair] = []
        for (offset, hostnames) in declaration.pacs.enumerated() {
            let pair = try configuration.namingPattern.pair(drimbox: identifier, pacs: offset + 1)
            try await reserve(pair, hostnames: hostnames, drimbox: drimbox)
            assigned.append(pair)
        }
        request.drimboxID = drimbox.id
        try await recordDRIMboxTransition(drimbox, event: .declaration, from: nil, to: .declared, request: request)
        try await context.audit(principal.auditActor, action: "drimbox.declare", entityType: "drimbox", entityID: String(identifier), data: [
            "fqdns": assigned.map { "\($0.db.value)|\($0.viewer.value)" }.joined(separator: ","),
        ])

        let owner = try await OperatorModel.find(request.operatorID, on: database)
        let attestation = AttestationModel()
        attestation.id = UUID()
        attestation.number = String(format: "ATT-%06d", identifier)
        attestation.drimboxID = try drimbox.requireID()
        attestation.requestID = try request.requireID()
        attestation.operatorID = request.operatorID
        attestation.issuedAt = context.now
        attestation.content = try JSONText.encode(AttestationContent(
            operatorName: owner?.legalName ?? "", operatorSIREN: owner?.siren ?? "", requestNumber: request.number,
            drimboxIdentifier: identifier, clients: declaration.clients.map(\.value),
            fqdnPairs: assigned.map { .init(pacsIndex: $0.pacsIndex, db: $0.db.value, viewer: $0.viewer.value) }))
        try await attestation.create(on: database)
        try await context.audit(principal.auditActor, action: "attestation.issue", entityType: "attestation", entityID: attestation.number)
        try await context.enqueue(.attestationIssued, ["attestationID": try attestation.requireID().uuidString])
    }

    private func reserve(_ pair: FQDNPair, hostnames: PACSHostnames, drimbox: DRIMboxModel) async throws {
        let taken = try await FQDNPairModel.query(on: database).group(.or) {
            $0.filter(\.$dbFQDN ~~ [pair.db.value, pair.viewer.value]).filter(\.$viewerFQDN ~~ [pair.db.value, pair.viewer.value])
        }.count()
        guard taken == 0 else {
            throw WorkflowError.guardFailed(
                "fqdn.already_assigned", "Le FQDN \(pair.db.value) a déjà été attribué : il ne peut pas l'être à nouveau.",
                "FQDN pair \(pair.db.value)/\(pair.viewer.value) is already reserved")
        }
        try await FQDNPairModel(
            id: UUID(), drimboxID: try drimbox.requireID(), pacsIndex: pair.pacsIndex, dbFQDN: pair.db.value, viewerFQDN: pair.viewer.value,
            sourceHostname: hostnames.sourceHostname.value, viewerHostname: hostnames.viewerHostname.value, updatedAt: context.now
        ).create(on: database)
    }

    // MARK: Registry changes

    private func modify(_ drimbox: DRIMboxModel, _ modification: ModificationPayload, request: RequestModel) async throws {
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
            try await context.audit(principal.auditActor, action: "drimbox.set_hostnames", entityType: "drimbox", entityID: String(drimbox.identifier), data: data)
        }
        var nextIndex = (pairs.map(\.pacsIndex).max() ?? 0) + 1
        for hostnames in modification.addPACS ?? [] {
            let pair = try configuration.namingPattern.pair(drimbox: drimbox.identifier, pacs: nextIndex)
            try await reserve(pair, hostnames: hostnames, drimbox: drimbox)
            try await context.audit(principal.auditActor, action: "drimbox.add_pacs", entityType: "drimbox", entityID: String(drimbox.identifier), data: ["db": pair.db.value, "vi": pair.viewer.value])
            nextIndex += 1
        }
        try await setCertificates(modification.certificates ?? [], of: drimbox)
    }

    private func setCertificates(_ certificates: [CertificateDNAssignment], of drimbox: DRIMboxModel) async throws {
        guard !certificates.isEmpty else { return }
        let pairs = try await RegistryChecks(database: database, configuration: configuration).pairsOf(drimbox)
        for certificate in certificates {
            guard let pair = pairs.first(where: { $0.dbFQDN == certificate.dbFQDN.value }) else { continue }
            let previous = pair.certificateDN
            pair.certificateDN = certificate.dn.description
            pair.updatedAt = context.now
            try await pair.save(on: database)
            try await context.audit(principal.auditActor, action: "drimbox.set_certificate", entityType: "drimbox", entityID: String(drimbox.identifier), data: [
                "db": pair.dbFQDN, "dn": certificate.dn.description, "dn.old": previous ?? "",
            ])
        }
    }

    private func touchPairs(of drimbox: DRIMboxModel) async throws {
        try await FQDNPairModel.touch(drimboxIDs: [drimbox.requireID()], at: context.now, on: database)
    }

    private func move(_ drimbox: DRIMboxModel, _ event: DRIMboxEvent, request: RequestModel) async throws {
        let from = drimbox.state
        let to = try DRIMboxStateMachine.target(from: from, event: event)
        drimbox.state = to
        try await recordDRIMboxTransition(drimbox, event: event, from: from, to: to, request: request)
        // Entries appear on or leave the white list: their DateMAJ is now. (Provisional to
        // integrated changes nothing the list shows.)
        if from.isTrusted != to.isTrusted {
            try await touchPairs(of: drimbox)
        }
    }

    private func saveDRIMbox(_ drimbox: DRIMboxModel) async throws {
        drimbox.updatedAt = context.now
        drimbox.version += 1
        try await drimbox.save(on: database)
    }

    private func recordDRIMboxTransition(_ drimbox: DRIMboxModel, event: DRIMboxEvent, from: DRIMboxState?, to: DRIMboxState, request: RequestModel?) async throws {
        try await DRIMboxRecorder(context: context).record(drimbox, event: event, from: from, to: to, principal: principal, requestID: request?.id, reason: nil)
    }

    private func registryChanged(_ drimbox: DRIMboxModel, _ cause: String) async throws {
        try await context.enqueue(.registryChanged, ["drimboxID": try drimbox.requireID().uuidString, "cause": cause])
    }
}

/// Writes the append-only DRIMbox transition row and its audit entry.
struct DRIMboxRecorder {
    let context: WriteContext

    func record(_ drimbox: DRIMboxModel, event: DRIMboxEvent, from: DRIMboxState?, to: DRIMboxState, principal: Principal, requestID: UUID?, reason: String?) async throws {
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
        try await context.audit(principal.auditActor, action: "drimbox.\(event.rawValue)", entityType: "drimbox", entityID: String(drimbox.identifier), data: data)
    }
}

/// What a delegation attestation states; the PDF is rendered from it.
public struct AttestationContent: Codable, Sendable, Hashable {
    public struct Pair: Codable, Sendable, Hashable {
        public var pacsIndex: Int
        public var db: String
        public var viewer: String
    }

    public var operatorName: String
    public var operatorSIREN: String
    public var requestNumber: Int
    public var drimboxIdentifier: Int
    public var clients: [String]
    public var fqdnPairs: [Pair]
}

extension Optional where Wrapped == DRIMboxModel {
    func orThrow() throws -> DRIMboxModel {
        guard let self else { throw PersistenceError.corrupted("request without its DRIMbox") }
        return self
    }
}
