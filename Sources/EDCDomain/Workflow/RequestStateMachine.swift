import Foundation

/// The state machine of a request. The graph is the same for every kind except that only an
/// operator change has a `consent` step; kind-specific guards (DRIMbox state, documents, consent)
/// are checked by the workflow service with `RequestGuards` before the effects apply.
public enum RequestStateMachine {
    public struct Rule: Sendable, Hashable {
        public var action: RequestAction
        public var from: Set<RequestState>
        public var to: RequestState?  // nil: the state does not change (consent)
        public var roles: Set<Role>
        public var requiresReason: Bool
    }

    /// Every transition of a request of this kind.
    public static func rules(for kind: RequestKind) -> [RequestAction: Rule] {
        var rules: [RequestAction: Rule] = [
            .submit: Rule(action: .submit, from: [.draft], to: .submitted, roles: [.operatorUser], requiresReason: false),
            .startReview: Rule(action: .startReview, from: [.submitted], to: .inReview, roles: [.reviewer, .administrator], requiresReason: false),
            .requestCorrection: Rule(action: .requestCorrection, from: [.submitted, .inReview], to: .correctionRequested, roles: [.reviewer, .administrator], requiresReason: true),
            .resubmit: Rule(action: .resubmit, from: [.correctionRequested], to: .submitted, roles: [.operatorUser], requiresReason: false),
            .approve: Rule(action: .approve, from: [.submitted, .inReview], to: .approved, roles: [.reviewer, .administrator], requiresReason: false),
            .reject: Rule(action: .reject, from: [.submitted, .inReview], to: .rejected, roles: [.reviewer, .administrator], requiresReason: true),
            .withdraw: Rule(action: .withdraw, from: [.draft, .submitted, .inReview, .correctionRequested], to: .withdrawn, roles: [.operatorUser], requiresReason: false),
        ]
        if kind == .operatorChange {
            rules[.consent] = Rule(action: .consent, from: [.submitted, .inReview], to: nil, roles: [.operatorUser], requiresReason: false)
        }
        return rules
    }

    /// The state after `action`, or the reason it is refused.
    public static func target(
        kind: RequestKind, from state: RequestState, action: RequestAction, role: Role, reason: String?
    ) throws(WorkflowError) -> RequestState {
        guard let rule = rules(for: kind)[action] else {
            throw WorkflowError(
                kind: .illegalTransition, code: "request.action_not_applicable",
                userMessage: "L'action « \(action.label) » n'existe pas pour une demande de type « \(kind.label) ».",
                technicalDetail: "action \(action.rawValue) is not defined for request kind \(kind.rawValue)")
        }
        guard rule.from.contains(state) else {
            throw WorkflowError(
                kind: .illegalTransition, code: "request.illegal_transition",
                userMessage: "Impossible de « \(action.label) » une demande à l'état « \(state.label) ».",
                technicalDetail: "action \(action.rawValue) not allowed from state \(state.rawValue) (kind \(kind.rawValue))")
        }
        guard rule.roles.contains(role) else {
            throw WorkflowError(
                kind: .forbidden, code: "request.role_forbidden",
                userMessage: "Votre profil ne permet pas de « \(action.label) » cette demande.",
                technicalDetail: "role \(role.rawValue) may not fire \(action.rawValue)")
        }
        if rule.requiresReason, (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw WorkflowError.guardFailed(
                "request.reason_required", "Un motif est obligatoire pour « \(action.label) ».",
                "action \(action.rawValue) requires a non-empty reason")
        }
        return rule.to ?? state
    }
}
