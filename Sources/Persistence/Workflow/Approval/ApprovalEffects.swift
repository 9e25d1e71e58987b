import EDCDomain
import FluentKit
import Foundation

/// What approving a request does to the registry, kind by kind (SPEC §3): one file per kind
/// (`ApprovalEffects+<Kind>.swift`). Runs inside the approval's transaction; guards are re-checked
/// against the registry as it is now. Every DRIMbox state change goes through `RegistryWriter`.
struct ApprovalEffects {
    let context: WriteContext
    let configuration: WorkflowConfiguration
    let principal: Principal

    var database: any Database { context.database }
    var registry: RegistryWriter { RegistryWriter(context: context, principal: principal) }

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
        case .declaration(let declaration): try await declare(request: request, declaration: declaration)
        case .integration(let integration): try await integrate(try drimbox.orThrow(), integration, request: request)
        case .vaDocument: try await acceptVADocument(try drimbox.orThrow(), request: request)
        case .reintegration(let reintegration): try await reintegrate(try drimbox.orThrow(), reintegration, request: request)
        case .modification(let modification): try await modify(try drimbox.orThrow(), modification, request: request)
        case .withdrawal: try await withdraw(try drimbox.orThrow(), request: request)
        case .operatorChange: try await changeOperator(try drimbox.orThrow(), request: request)
        }
    }

    // MARK: Shared by several kinds

    /// Reserves one FQDN pair for the DRIMbox: never assigned before, to anyone.
    func reserve(_ pair: FQDNPair, hostnames: PACSHostnames, drimbox: DRIMboxModel) async throws {
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

    /// Sets the certificate DN of each named pair, audited with the previous DN.
    func setCertificates(_ certificates: [CertificateDNAssignment], of drimbox: DRIMboxModel) async throws {
        guard !certificates.isEmpty else { return }
        let pairs = try await RegistryChecks(database: database, configuration: configuration).pairsOf(drimbox)
        for certificate in certificates {
            guard let pair = pairs.first(where: { $0.dbFQDN == certificate.dbFQDN.value }) else { continue }
            let previous = pair.certificateDN
            pair.certificateDN = certificate.dn.description
            pair.updatedAt = context.now
            try await pair.save(on: database)
            try await context.audit(principal.auditActor, action: .drimboxSetCertificate, entity: .drimbox, entityID: String(drimbox.identifier), data: [
                "db": pair.dbFQDN, "dn": certificate.dn.description, "dn.old": previous ?? "",
            ])
        }
    }
}

extension Optional where Wrapped == DRIMboxModel {
    func orThrow() throws -> DRIMboxModel {
        guard let self else { throw PersistenceError.corrupted("request without its DRIMbox") }
        return self
    }
}
