import EDCDomain
import FluentKit
import Foundation

/// Validation of a request's content against what the registry holds: the target DRIMbox,
/// its FQDN pairs, documents, the other operator. Field paths match the API's JSON.
struct RegistryChecks {
    let database: any Database
    let configuration: WorkflowConfiguration

    /// The DRIMbox a request is about, visible to the principal; nil for a declaration.
    func targetDRIMbox(kind: RequestKind, id: UUID?, principal: Principal) async throws -> DRIMboxModel? {
        guard kind.targetsExistingDRIMbox else {
            if id != nil {
                throw ValidationErrors([ValidationError(
                    code: "request.drimbox_unexpected", field: "drimboxID",
                    userMessage: "Une déclaration ne porte pas sur une DRIMbox existante.",
                    technicalDetail: "declaration must not name a drimboxID")])
            }
            return nil
        }
        guard let id else {
            throw ValidationErrors([ValidationError(
                code: "request.drimbox_required", field: "drimboxID",
                userMessage: "Indiquez la DRIMbox concernée.", technicalDetail: "\(kind.rawValue) requires drimboxID")])
        }
        guard let drimbox = try await DRIMboxModel.find(id, on: database), principal.canSee(ownedBy: drimbox.operatorID) else {
            throw NotFoundError(entity: "drimbox", id: id.uuidString)
        }
        return drimbox
    }

    /// All problems of the payload; returns the counterpart operator of an operator change.
    func validate(_ payload: RequestPayload, drimbox: DRIMboxModel?, operatorID: UUID, forSubmission: Bool) async throws -> UUID? {
        var problems = payload.problems()
        var counterpart: UUID?
        var pairs: [FQDNPairModel] = []
        if let drimbox { pairs = try await pairsOf(drimbox) }

        for reference in payload.documentReferences {
            let document = try await DocumentModel.find(reference.id, on: database)
            if document == nil || document?.operatorID != operatorID {
                problems.append(ValidationError(
                    code: "document.unknown", field: reference.field,
                    userMessage: "Document introuvable.", technicalDetail: "document \(reference.id) not found for operator"))
            } else if document?.kind != reference.kind {
                problems.append(ValidationError(
                    code: "document.wrong_kind", field: reference.field,
                    userMessage: "Ce document n'est pas du type attendu.",
                    technicalDetail: "document \(reference.id) is \(document?.kind.rawValue ?? "-"), expected \(reference.kind.rawValue)"))
            }
        }

        switch payload {
        case .declaration(let declaration):
            if forSubmission, declaration.cgiDocumentID == nil {
                problems.append(ValidationError(
                    code: "declaration.cgi_required", field: "cgiDocumentID",
                    userMessage: "Joignez les conditions générales d'intégration signées.", technicalDetail: "declaration without CGI document"))
            }
        case .integration(let integration):
            problems += certificateProblems(integration.certificates, pairs: pairs, mustCoverAll: true, field: "certificates")
        case .reintegration(let reintegration):
            problems += certificateProblems(reintegration.certificates ?? [], pairs: pairs, mustCoverAll: false, field: "certificates")
            if let drimbox, drimbox.exclusionReason?.reintegrationRequiresNewCGI == true {
                if reintegration.cgiDocumentID == nil {
                    problems.append(ValidationError(
                        code: "reintegration.cgi_required", field: "cgiDocumentID",
                        userMessage: "Après une exclusion pour incident de cybersécurité, de nouvelles conditions générales d'intégration signées sont requises.",
                        technicalDetail: "reintegration after cyber exclusion requires a new CGI document"))
                } else if let id = reintegration.cgiDocumentID, let document = try await DocumentModel.find(id, on: database),
                          let excludedAt = drimbox.excludedAt, document.createdAt < excludedAt {
                    problems.append(ValidationError(
                        code: "reintegration.cgi_not_new", field: "cgiDocumentID",
                        userMessage: "Les conditions générales d'intégration doivent avoir été déposées après l'exclusion.",
                        technicalDetail: "CGI document \(id) predates the exclusion"))
                }
            }
        case .modification(let modification):
            problems += certificateProblems(modification.certificates ?? [], pairs: pairs, mustCoverAll: false, field: "certificates")
            let known = Set(pairs.map { $0.dbFQDN })
            for (index, change) in (modification.hostnameChanges ?? []).enumerated() where !known.contains(change.dbFQDN.value) {
                problems.append(ValidationError(
                    code: "modification.unknown_fqdn", field: "hostnameChanges[\(index)].dbFQDN",
                    userMessage: "Ce FQDN n'appartient pas à la DRIMbox.", technicalDetail: "\(change.dbFQDN) is not a pair of the DRIMbox"))
            }
            if pairs.count + (modification.addPACS?.count ?? 0) > DeclarationPayload.maximumPACS {
                problems.append(ValidationError(
                    code: "modification.pacs_count", field: "addPACS",
                    userMessage: "Une DRIMbox compte au plus \(DeclarationPayload.maximumPACS) PACS.", technicalDetail: "too many PACS"))
            }
        case .operatorChange(let change):
            // An unregistered SIREN is accepted like a registered one, so that the answer does not
            // tell which SIRENs are registered: such a request waits for a consent that cannot come,
            // and ANS sees it has no counterpart.
            let target = try await OperatorModel.query(on: database).filter(\.$siren == change.targetOperatorSIREN.value).first()
            if let target, target.id == operatorID {
                problems.append(ValidationError(
                    code: "operator_change.same_operator", field: "targetOperatorSIREN",
                    userMessage: "Ce SIREN est celui de votre propre organisation.",
                    technicalDetail: "operator change to the filing operator itself"))
            }
            counterpart = target?.id == operatorID ? nil : target?.id
        case .vaDocument, .withdrawal:
            break
        }
        // Field paths as in the API's JSON, where the payload is under `payload`.
        if !problems.isEmpty { throw ValidationErrors(problems.map { $0.at(field: "payload" + ($0.field.map { ".\($0)" } ?? "")) }) }
        return counterpart
    }

    func pairsOf(_ drimbox: DRIMboxModel) async throws -> [FQDNPairModel] {
        try await RegistryQueries(database: database).pairs(of: drimbox)
    }

    private func certificateProblems(_ certificates: [CertificateDNAssignment], pairs: [FQDNPairModel], mustCoverAll: Bool, field: String) -> [ValidationError] {
        var problems: [ValidationError] = []
        let byFQDN = Dictionary(uniqueKeysWithValues: pairs.map { ($0.dbFQDN, $0) })
        for (index, certificate) in certificates.enumerated() {
            guard let pair = byFQDN[certificate.dbFQDN.value] else {
                problems.append(ValidationError(
                    code: "certificate.unknown_fqdn", field: "\(field)[\(index)].dbFQDN",
                    userMessage: "Ce FQDN n'a pas été attribué à cette DRIMbox.",
                    technicalDetail: "\(certificate.dbFQDN) is not assigned to the DRIMbox"))
                continue
            }
            do {
                try CertificateDNRule.check(certificate.dn, for: FQDNPair(
                    pacsIndex: pair.pacsIndex, db: certificate.dbFQDN, viewer: try FQDN(pair.viewerFQDN)))
            } catch let error as ValidationError {
                problems.append(error.at(field: "\(field)[\(index)].dn"))
            } catch {
                problems.append(ValidationError(code: "certificate.invalid", field: "\(field)[\(index)].dn", userMessage: "DN invalide.", technicalDetail: "\(error)"))
            }
        }
        if mustCoverAll {
            let covered = Set(certificates.map(\.dbFQDN.value))
            for pair in pairs where !covered.contains(pair.dbFQDN) {
                problems.append(ValidationError(
                    code: "certificate.missing", field: field,
                    userMessage: "Indiquez le DN du certificat pour \(pair.dbFQDN).",
                    technicalDetail: "no certificate DN for \(pair.dbFQDN)"))
            }
        }
        return problems
    }
}
