import EDCDomain
import FluentKit
import FluentSQL
import Foundation

/// Files requests and moves them through their state machine. Each call is one transaction that
/// writes the new state, an append-only transition row, audit entries and outbox events.
public struct WorkflowService: Sendable {
    public let store: Store
    public let configuration: WorkflowConfiguration

    public init(store: Store, configuration: WorkflowConfiguration = WorkflowConfiguration()) {
        self.store = store
        self.configuration = configuration
    }

    // MARK: Filing and editing

    /// An operator files a request (as a draft, or submitted at once).
    public func createRequest(
        _ principal: Principal, kind: RequestKind, drimboxID: UUID?, payload: RequestPayload, submit: Bool
    ) async throws -> RequestModel {
        guard principal.role == .operatorUser, let operatorID = principal.operatorID else {
            throw WorkflowError(
                kind: .forbidden, code: "request.operator_only",
                userMessage: "Seul un utilisateur opérateur peut déposer une demande.",
                technicalDetail: "role \(principal.role.rawValue) cannot file requests")
        }
        guard payload.kind == kind else {
            throw ValidationErrors([ValidationError(
                code: "request.payload_kind", field: "payload",
                userMessage: "Le contenu ne correspond pas au type de demande.",
                technicalDetail: "payload of kind \(payload.kind.rawValue) for request kind \(kind.rawValue)")])
        }
        return try await store.write { context in
            let db = context.database
            let checks = RegistryChecks(database: db, configuration: configuration)
            let drimbox = try await checks.targetDRIMbox(kind: kind, id: drimboxID, principal: principal)
            let counterpart = try await checks.validate(payload, drimbox: drimbox, operatorID: operatorID, forSubmission: submit)
            if submit, let drimbox, let event = DRIMboxStateMachine.event(for: kind) {
                _ = try DRIMboxStateMachine.target(from: drimbox.state, event: event)
            }

            let request = RequestModel()
            request.id = UUID()
            request.number = (try await RequestModel.query(on: db).max(\.$number) ?? 0) + 1
            request.kind = kind
            request.state = .draft
            request.operatorID = operatorID
            request.drimboxID = drimbox?.id
            request.counterpartOperatorID = counterpart
            request.payload = String(decoding: try payload.encoded(using: JSONText.encoder), as: UTF8.self)
            request.version = 1
            request.createdBy = principal.userID
            request.createdAt = context.now
            request.updatedAt = context.now
            try await request.create(on: db)
            try await context.audit(principal.auditActor, action: .requestCreate, entity: .request, entityID: request.number.description, data: ["kind": kind.rawValue])
            if submit {
                try await transition(request, action: .submit, to: .submitted, principal: principal, reason: nil, context: context)
            }
            return request
        }
    }

    /// The operator replaces the content of a draft or of a request sent back for correction;
    /// with `then` (submit, resubmit), fires that action on the new content in the same
    /// transaction: if the action is refused, the content is not saved either.
    public func updateRequest(_ principal: Principal, requestID: UUID, payload: RequestPayload, expectedVersion: Int?, then action: RequestAction? = nil) async throws -> RequestModel {
        try await store.write { context in
            let request = try await loadVisible(requestID, principal: principal, on: context.database)
            try checkExpectedVersion(request, expectedVersion)
            try await update(request, principal: principal, payload: payload, context: context)
            guard let action else { return request }
            return try await perform(principal, request: request, action: action, reason: nil, context: context)
        }
    }

    private func update(_ request: RequestModel, principal: Principal, payload: RequestPayload, context: WriteContext) async throws {
        guard principal.role == .operatorUser, principal.operatorID == request.operatorID else {
            throw WorkflowError(
                kind: .forbidden, code: "request.edit_forbidden",
                userMessage: "Seul l'opérateur qui a déposé la demande peut la modifier.",
                technicalDetail: "principal may not edit request \(request.number)")
        }
        let state = request.state
        guard state.isEditableByOperator else {
            throw WorkflowError(
                kind: .illegalTransition, code: "request.not_editable",
                userMessage: "Une demande à l'état « \(state.label) » ne peut plus être modifiée.",
                technicalDetail: "request \(request.number) is \(state.rawValue), not editable")
        }
        guard payload.kind == request.kind else {
            throw ValidationErrors([ValidationError(
                code: "request.payload_kind", field: "payload",
                userMessage: "Le contenu ne correspond pas au type de demande.",
                technicalDetail: "payload of kind \(payload.kind.rawValue) for request kind \(request.kind.rawValue)")])
        }
        let checks = RegistryChecks(database: context.database, configuration: configuration)
        let drimbox = try await checks.targetDRIMbox(kind: payload.kind, id: request.drimboxID, principal: principal)
        request.counterpartOperatorID = try await checks.validate(payload, drimbox: drimbox, operatorID: request.operatorID, forSubmission: false)
        let previousPayload = request.payload
        request.payload = String(decoding: try payload.encoded(using: JSONText.encoder), as: UTF8.self)
        // A consent was given to the content as it was: a new content needs a new consent.
        request.consentedAt = nil
        request.consentedBy = nil
        try await context.saveVersioned(request, expected: nil, what: "request \(request.number)")
        try await context.audit(principal.auditActor, action: .requestUpdate, entity: .request, entityID: request.number.description, data: [
            "payload.old": previousPayload, "payload.new": request.payload,
        ])
    }

    // MARK: State changes

    /// Fires `action` on a request. Approval applies the request's effects to the registry.
    public func perform(_ principal: Principal, requestID: UUID, action: RequestAction, reason: String?, expectedVersion: Int?) async throws -> RequestModel {
        try await store.write { context in
            let request = try await loadVisible(requestID, principal: principal, on: context.database)
            try checkExpectedVersion(request, expectedVersion)
            return try await perform(principal, request: request, action: action, reason: reason, context: context)
        }
    }

    private func perform(_ principal: Principal, request: RequestModel, action: RequestAction, reason: String?, context: WriteContext) async throws -> RequestModel {
        let db = context.database
        let kind = request.kind
        let state = request.state
        let trimmedReason = try FreeText.validated(reason, field: "reason")?.value
        let target = try RequestStateMachine.target(kind: kind, from: state, action: action, role: principal.role, reason: trimmedReason)
        try checkOperatorSide(principal, request: request, action: action)

        let payload = try RequestPayload.decode(kind: kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        let checks = RegistryChecks(database: db, configuration: configuration)
        switch action {
        case .submit, .resubmit:
            let drimbox = try await checks.targetDRIMbox(kind: kind, id: request.drimboxID, principal: principal)
            _ = try await checks.validate(payload, drimbox: drimbox, operatorID: request.operatorID, forSubmission: true)
            if let drimbox, let event = DRIMboxStateMachine.event(for: kind) {
                _ = try DRIMboxStateMachine.target(from: drimbox.state, event: event)
            }
        case .consent:
            guard request.consentedAt == nil else {
                throw WorkflowError(
                    kind: .conflict, code: "operator_change.consent_given",
                    userMessage: "Votre accord a déjà été donné pour cette demande.",
                    technicalDetail: "consent already given to request \(request.number)")
            }
            request.consentedAt = context.now
            request.consentedBy = principal.userID
        case .approve:
            let effects = ApprovalEffects(context: context, configuration: configuration, principal: principal)
            try await effects.apply(request: request, kind: kind, payload: payload)
        default:
            break
        }
        try await transition(request, action: action, to: target, principal: principal, reason: trimmedReason, context: context)
        return request
    }

    // MARK: Helpers shared by the operations

    func transition(_ request: RequestModel, action: RequestAction, to target: RequestState, principal: Principal, reason: String?, context: WriteContext) async throws {
        let db = context.database
        let from = request.state
        request.state = target
        if action == .submit || action == .resubmit { request.submittedAt = context.now }
        if let reason { request.lastReason = reason }
        try await context.saveVersioned(request, expected: nil, what: "request \(request.number)")

        let row = RequestTransitionModel()
        row.id = UUID()
        row.requestID = try request.requireID()
        row.action = action
        row.fromState = from
        row.toState = target
        row.actorID = principal.userID
        row.actorRole = principal.role
        row.at = context.now
        row.reason = reason
        row.metadata = JSONText.encodeSorted(["version": String(request.version)])
        try await row.create(on: db)

        var data = ["action": action.rawValue, "from": from.rawValue, "to": target.rawValue]
        if let reason { data["reason"] = reason }
        try await context.audit(principal.auditActor, action: .request(action), entity: .request, entityID: request.number.description, data: data)
        try await context.enqueue(.notification(.request(.init(
            action: action, requestID: try request.requireID(), requestNumber: request.number, operatorID: request.operatorID, state: target))))
    }

    func checkExpectedVersion(_ request: RequestModel, _ expected: Int?) throws {
        if let expected, expected != request.version {
            throw WorkflowError.conflict("request \(request.number) is at version \(request.version), client expected \(expected)")
        }
    }

    /// Operator-side actions belong to the filing operator, except consent, which belongs to the counterpart.
    func checkOperatorSide(_ principal: Principal, request: RequestModel, action: RequestAction) throws {
        guard principal.role == .operatorUser else { return }
        let allowed = action == .consent
            ? principal.operatorID != nil && principal.operatorID == request.counterpartOperatorID
            : principal.operatorID == request.operatorID
        if !allowed {
            throw WorkflowError(
                kind: .forbidden, code: "request.wrong_operator",
                userMessage: action == .consent
                    ? "Seul l'opérateur repreneur peut donner son accord."
                    : "Seul l'opérateur qui a déposé la demande peut faire cette action.",
                technicalDetail: "operator \(principal.operatorID?.uuidString ?? "-") may not \(action.rawValue) request \(request.number)")
        }
    }

    func loadVisible(_ id: UUID, principal: Principal, on db: any Database) async throws -> RequestModel {
        guard let request = try await RequestModel.find(id, on: db), request.isVisible(to: principal) else {
            throw NotFoundError(entity: "request", id: id.uuidString)
        }
        return request
    }
}

extension RequestModel {
    /// The filing operator and ANS see a request; the counterpart of an operator change sees it
    /// once it is submitted (never the other operator's draft).
    public func isVisible(to principal: Principal) -> Bool {
        principal.canSee(ownedBy: operatorID)
            || (principal.operatorID != nil && principal.operatorID == counterpartOperatorID && state != .draft)
    }
}

extension Principal {
    var auditActor: AuditActor { AuditActor(userID: userID, role: role) }
}
