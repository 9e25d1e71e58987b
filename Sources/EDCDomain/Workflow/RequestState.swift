/// States of a request: draft → submitted → in review ⇄ correction requested → approved | rejected,
/// plus withdrawn by the operator.
public enum RequestState: String, CaseIterable, Codable, Sendable {
    case draft
    case submitted
    case inReview
    case correctionRequested
    case approved
    case rejected
    case withdrawn

    public var isFinal: Bool { self == .approved || self == .rejected || self == .withdrawn }

    /// Whether the request waits for an ANS reviewer (the review queue).
    public var awaitsReview: Bool { self == .submitted || self == .inReview }

    /// Whether the operator may still edit the request's content.
    public var isEditableByOperator: Bool { self == .draft || self == .correctionRequested }

    public var label: String {
        switch self {
        case .draft: "Brouillon"
        case .submitted: "Déposée"
        case .inReview: "En instruction"
        case .correctionRequested: "Correction demandée"
        case .approved: "Acceptée"
        case .rejected: "Refusée"
        case .withdrawn: "Abandonnée"
        }
    }
}
