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

    /// One line of a definition list: a label and a text (a link, a fixed-width value), or
    /// several lines.
    struct DetailItem: Encodable {
        var label: String
        var text: String?
        var lines: [String]
        var hasLines: Bool
        var href: String?
        var mono: Bool

        init(_ label: String, _ text: String?, href: String? = nil, mono: Bool = false) {
            self.label = label
            self.text = text
            self.lines = []
            self.hasLines = false
            self.href = href
            self.mono = mono
        }

        init(_ label: String, lines: [String], mono: Bool = false) {
            self.label = label
            self.text = lines.isEmpty ? "—" : nil
            self.lines = lines
            self.hasLines = !lines.isEmpty
            self.mono = mono
        }
    }

    /// One step of a request's history, as both timelines show it.
    struct TimelineEntry: Encodable {
        var at: String
        var title: String
        var states: String?
        var actor: String
        var reason: String?
    }
}
