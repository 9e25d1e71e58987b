/// What an actor can do to a request.
public enum RequestAction: String, CaseIterable, Codable, Sendable {
    /// Operator sends a draft for review.
    case submit
    /// Reviewer takes a submitted request.
    case startReview
    /// Reviewer sends it back to the operator, with a reason.
    case requestCorrection
    /// Operator sends the corrected request back for review.
    case resubmit
    /// Reviewer approves: the request's effects apply to the registry.
    case approve
    /// Reviewer rejects, with a reason.
    case reject
    /// Operator abandons the request.
    case withdraw
    /// The receiving operator agrees to an operator change (operatorChange only).
    case consent

    public var label: String {
        switch self {
        case .submit: "déposer"
        case .startReview: "prendre en instruction"
        case .requestCorrection: "demander une correction"
        case .resubmit: "renvoyer après correction"
        case .approve: "accepter"
        case .reject: "refuser"
        case .withdraw: "abandonner"
        case .consent: "donner son accord"
        }
    }
}
