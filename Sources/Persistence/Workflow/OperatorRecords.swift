import EDCDomain
import FluentKit
import Foundation

/// What may change in an operator's registry data. `nil` leaves a field as it is.
public struct OperatorDataChange: Sendable, Hashable {
    public var legalName: Name?
    public var supportPhone: FrenchPhoneNumber?
    public var supportEmail: EmailAddress?
    public var responsibleContact: ContactLine?

    public init(legalName: Name? = nil, supportPhone: FrenchPhoneNumber? = nil, supportEmail: EmailAddress? = nil, responsibleContact: ContactLine? = nil) {
        self.legalName = legalName
        self.supportPhone = supportPhone
        self.supportEmail = supportEmail
        self.responsibleContact = responsibleContact
    }

    public var isEmpty: Bool { legalName == nil && supportPhone == nil && supportEmail == nil && responsibleContact == nil }
}

/// The one write path for an operator's registry data, from an approved request or an ANS
/// correction: audited with old and new values, and, since the white list shows the operator's
/// name and contacts on every entry of every one of its DRIMboxes, all those entries are marked
/// changed (`DateMAJ`) and the list is rebuilt.
struct OperatorRecords {
    let context: WriteContext

    /// Applies `change` to `owner`; returns whether anything changed.
    @discardableResult
    func apply(_ change: OperatorDataChange, to owner: OperatorModel, by actor: AuditActor, cause: String, reason: String? = nil) async throws -> Bool {
        var data: [String: String] = ["cause": cause]
        func set(_ name: String, _ keyPath: ReferenceWritableKeyPath<OperatorModel, String>, _ value: String?) {
            guard let value, owner[keyPath: keyPath] != value else { return }
            data["\(name).old"] = owner[keyPath: keyPath]
            data["\(name).new"] = value
            owner[keyPath: keyPath] = value
        }
        set("legalName", \.legalName, change.legalName?.value)
        set("supportPhone", \.supportPhone, change.supportPhone?.value)
        set("supportEmail", \.supportEmail, change.supportEmail?.value)
        if let contact = change.responsibleContact?.value, owner.responsibleContact != contact {
            data["responsibleContact.old"] = owner.responsibleContact ?? ""
            data["responsibleContact.new"] = contact
            owner.responsibleContact = contact
        }
        guard data.count > 1 else { return false }
        if let reason { data["reason"] = reason }
        try await owner.save(on: context.database)
        try await context.audit(actor, action: .operatorUpdate, entity: .`operator`, entityID: owner.siren, data: data)
        let drimboxes = try await DRIMboxModel.query(on: context.database).filter(\.$operatorID == owner.requireID()).all()
        try await FQDNPairModel.touch(drimboxIDs: drimboxes.compactMap(\.id), at: context.now, on: context.database)
        for drimbox in drimboxes where drimbox.state.isTrusted {
            try await context.enqueue(.registryChanged(.init(drimboxID: try drimbox.requireID(), cause: .operatorCorrection)))
        }
        return true
    }
}

extension WorkflowService {
    /// ANS corrects an operator's registry data (name, contacts), with a reason; audited with the
    /// old and new values, and the white list is rebuilt when anything it shows changed.
    public func correctOperator(_ principal: Principal, operatorID: UUID, change: OperatorDataChange, reason: FreeText) async throws -> OperatorModel {
        guard principal.role.isANS else { throw NotFoundError(entity: "operator", id: operatorID.uuidString) }
        var problems: [ValidationError] = []
        if change.isEmpty {
            problems.append(ValidationError(code: "operator.correction_empty", userMessage: "La correction ne modifie rien.", technicalDetail: "operator correction changes nothing"))
        }
        if reason.isEmpty {
            problems.append(ValidationError(code: "operator.correction_reason", field: "reason", userMessage: "Indiquez le motif de la correction.", technicalDetail: "operator correction without a reason"))
        }
        if !problems.isEmpty { throw ValidationErrors(problems) }
        return try await store.write { context in
            guard let owner = try await OperatorModel.find(operatorID, on: context.database) else {
                throw NotFoundError(entity: "operator", id: operatorID.uuidString)
            }
            try await OperatorRecords(context: context).apply(change, to: owner, by: principal.auditActor, cause: "correction", reason: reason.value)
            return owner
        }
    }
}
