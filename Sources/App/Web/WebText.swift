import EDCDomain
import Foundation

/// Words and badges both the operator portal and the back office show.
enum WebText {
    /// A DSFR badge: its text and its modifier class (the colour never says anything alone).
    struct Badge: Encodable {
        var text: String
        var kind: String
    }

    static func badge(_ state: RequestState) -> Badge {
        let kind = switch state {
        case .draft: "fr-badge--new"
        case .submitted, .inReview: "fr-badge--info"
        case .correctionRequested: "fr-badge--warning"
        case .approved: "fr-badge--success"
        case .rejected: "fr-badge--error"
        case .withdrawn: ""
        }
        return Badge(text: state.label, kind: kind)
    }

    static func badge(_ state: DRIMboxState) -> Badge {
        let kind = switch state {
        case .declared: "fr-badge--info"
        case .provisional: "fr-badge--warning"
        case .integrated: "fr-badge--success"
        case .excluded: "fr-badge--error"
        case .withdrawn: ""
        }
        return Badge(text: state.label, kind: kind)
    }
}
