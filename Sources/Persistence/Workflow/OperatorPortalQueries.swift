import EDCDomain
import FluentKit
import Foundation

/// What the operator portal asks of the workflow and the registry beyond the API's reads: the
/// actions open to a principal now, the DRIMboxes a request kind may be about, consents awaited,
/// the requests about a DRIMbox, the documents a request names. Always filtered by what the
/// principal may see.
extension WorkflowService {
    /// The actions `principal` may fire on `request` now, as `perform` would judge them before its
    /// kind-specific checks: the state machine's source states and roles, the operator side (the
    /// filing operator, or the counterpart for a consent) and a consent not given yet.
    public func availableActions(_ principal: Principal, on request: RequestModel) -> [RequestAction] {
        guard request.isVisible(to: principal) else { return [] }
        let kind = request.kind
        let state = request.state
        return RequestAction.allCases.filter { action in
            guard let rule = RequestStateMachine.rules(for: kind)[action], rule.from.contains(state), rule.roles.contains(principal.role) else { return false }
            if action == .consent, request.consentedAt != nil { return false }
            return (try? checkOperatorSide(principal, request: request, action: action)) != nil
        }
    }
}

extension RegistryQueries {
    /// The principal's DRIMboxes that a request of `kind` may be about: those in a source state of
    /// the registry event the kind's approval fires (none for a declaration), by identifier.
    public func drimboxes(for principal: Principal, eligibleFor kind: RequestKind, limit: Int = 500) async throws -> [DRIMboxModel] {
        guard let event = DRIMboxStateMachine.event(for: kind), let states = DRIMboxStateMachine.rules[event]?.from, !states.isEmpty else { return [] }
        var query = DRIMboxModel.query(on: database).filter(\.$state ~~ Array(states))
        if principal.role == .operatorUser {
            guard let operatorID = principal.operatorID else { return [] }
            query = query.filter(\.$operatorID == operatorID)
        }
        return try await query.sort(\.$identifier).limit(limit).all()
    }

    /// The FQDN pairs of each of `drimboxes` (already visible to the caller), by PACS index.
    public func pairs(of drimboxes: [DRIMboxModel]) async throws -> [UUID: [FQDNPairModel]] {
        let ids = drimboxes.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        let rows = try await FQDNPairModel.query(on: database).filter(\.$drimboxID ~~ ids).sort(\.$pacsIndex).all()
        return Dictionary(grouping: rows, by: \.drimboxID)
    }

    /// The request kinds that may be filed now about `drimbox`, by the state machine.
    public static func kinds(eligibleFor drimbox: DRIMboxModel) -> [RequestKind] {
        RequestKind.allCases.filter { kind in
            guard let event = DRIMboxStateMachine.event(for: kind) else { return false }
            return (try? DRIMboxStateMachine.target(from: drimbox.state, event: event)) != nil
        }
    }
}

extension RequestQueries {
    /// The DRIMbox each request is about, by id (requests the caller already may see: the
    /// counterpart of an operator change may read the identifier of the DRIMbox it is offered,
    /// which the white list shows anyway; whether it may open the DRIMbox is `Principal.canSee`).
    public func drimboxes(of requests: [RequestModel]) async throws -> [UUID: DRIMboxModel] {
        let ids = Array(Set(requests.compactMap(\.drimboxID)))
        guard !ids.isEmpty else { return [:] }
        let rows = try await DRIMboxModel.query(on: database).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.requireID(), $0) })
    }

    /// Operator changes offered to the principal's operator that wait for its consent, oldest first.
    public func awaitingConsent(of principal: Principal, limit: Int = 50) async throws -> [RequestModel] {
        guard principal.role == .operatorUser, let operatorID = principal.operatorID else { return [] }
        return try await RequestModel.query(on: database)
            .filter(\.$counterpartOperatorID == operatorID)
            .filter(\.$kind == .operatorChange)
            .filter(\.$state ~~ [RequestState.submitted, .inReview])
            .filter(\.$consentedAt == nil)
            .sort(\.$number).limit(limit).all()
    }

    /// The requests about `drimbox` that the principal may see, newest first.
    public func requests(about drimbox: DRIMboxModel, for principal: Principal, limit: Int = 50) async throws -> [RequestModel] {
        let rows = try await RequestModel.query(on: database).filter(\.$drimboxID == drimbox.requireID())
            .sort(\.$number, .descending).limit(limit).all()
        return rows.filter { $0.isVisible(to: principal) }
    }

    /// The documents among `ids` that the principal may see (without their content), in the
    /// order of `ids`; the others are left out. Their sealed content is not read (never open them).
    public func documents(_ ids: [UUID], for principal: Principal) async throws -> [DocumentModel] {
        guard !ids.isEmpty else { return [] }
        let rows = try await DocumentModel.query(on: database).filter(\.$id ~~ ids)
            .field(\.$id).field(\.$operatorID).field(\.$kind).field(\.$filename).field(\.$mediaType).field(\.$size).field(\.$sha256)
            .field(\.$uploadedBy).field(\.$createdAt)
            .all()
        let visible = Dictionary(uniqueKeysWithValues: try rows.filter { principal.canSee(ownedBy: $0.operatorID) }.map { (try $0.requireID(), $0) })
        return ids.compactMap { visible[$0] }
    }
}
