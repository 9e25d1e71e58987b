/// Registry state of a DRIMbox: declared (FQDNs reserved) → provisional (white-listed, VA due)
/// → integrated ⇄ excluded; withdrawn is final.
public enum DRIMboxState: String, CaseIterable, Codable, Sendable {
    case declared
    case provisional
    case integrated
    case excluded
    case withdrawn

    /// Whether the DRIMbox belongs on the white list and on the status page.
    public var isTrusted: Bool { self == .provisional || self == .integrated }

    public var label: String {
        switch self {
        case .declared: "Déclarée"
        case .provisional: "Intégrée (provisoire)"
        case .integrated: "Intégrée (définitive)"
        case .excluded: "Exclue"
        case .withdrawn: "Retirée"
        }
    }
}

/// What moves a DRIMbox from one registry state to another.
public enum DRIMboxEvent: String, CaseIterable, Codable, Sendable {
    /// Declaration approved: the DRIMbox enters the registry (its first history row; no source state).
    case declaration
    /// Integration request approved: on the white list, VA document due.
    case provisionalIntegration
    /// VA document approved.
    case definitiveIntegration
    /// ANS (or EDC, for a missed VA deadline) excludes it.
    case exclusion
    /// Re-integration request approved.
    case reintegration
    /// Withdrawal request approved.
    case withdrawal
    /// A modification or operator change approved: the state stays, the content changes.
    case modification
    case operatorChange
}

public enum DRIMboxStateMachine {
    /// Source states of each event and the resulting state (nil: unchanged).
    public static let rules: [DRIMboxEvent: (from: Set<DRIMboxState>, to: DRIMboxState?)] = [
        .declaration: ([], .declared),
        .provisionalIntegration: ([.declared], .provisional),
        .definitiveIntegration: ([.provisional], .integrated),
        .exclusion: ([.provisional, .integrated], .excluded),
        .reintegration: ([.excluded], .provisional),
        .withdrawal: ([.declared, .provisional, .integrated, .excluded], .withdrawn),
        .modification: ([.declared, .provisional, .integrated], nil),
        .operatorChange: ([.declared, .provisional, .integrated, .excluded], nil),
    ]

    public static func target(from state: DRIMboxState, event: DRIMboxEvent) throws(WorkflowError) -> DRIMboxState {
        guard let rule = rules[event], rule.from.contains(state) else {
            let allowed = (rules[event]?.from ?? []).map(\.label).sorted().joined(separator: ", ")
            throw WorkflowError(
                kind: .illegalTransition, code: "drimbox.illegal_transition",
                userMessage: "Cette opération n'est pas possible pour une DRIMbox à l'état « \(state.label) » (états possibles : \(allowed)).",
                technicalDetail: "DRIMbox event \(event.rawValue) not allowed from state \(state.rawValue)")
        }
        return rule.to ?? state
    }

    /// The request kind whose approval fires `event`, and the event a kind fires.
    public static func event(for kind: RequestKind) -> DRIMboxEvent? {
        switch kind {
        case .declaration: nil
        case .integration: .provisionalIntegration
        case .vaDocument: .definitiveIntegration
        case .reintegration: .reintegration
        case .modification: .modification
        case .withdrawal: .withdrawal
        case .operatorChange: .operatorChange
        }
    }
}
