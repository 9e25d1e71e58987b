import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// What the back office's pages share: badges, the GET filter forms, pagination links, names of
/// users and operators, dates and ages. Words and layout only: every decision is the services'.
enum ReviewText {
    /// A request action as the timeline names it.
    static func label(_ action: RequestAction) -> String {
        switch action {
        case .submit: "Soumission à l’ANS"
        case .startReview: "Prise en instruction"
        case .requestCorrection: "Correction demandée"
        case .resubmit: "Renvoi après correction"
        case .approve: "Acceptation"
        case .reject: "Refus"
        case .withdraw: "Abandon par l’opérateur"
        case .consent: "Accord de l’opérateur repreneur"
        }
    }

    /// A registry event as the DRIMbox history names it.
    static func label(_ event: DRIMboxEvent) -> String {
        switch event {
        case .declaration: "Déclaration acceptée (FQDN réservés)"
        case .provisionalIntegration: "Intégration provisoire (liste blanche)"
        case .definitiveIntegration: "Intégration définitive (document de VA accepté)"
        case .exclusion: "Exclusion"
        case .reintegration: "Réintégration"
        case .withdrawal: "Retrait"
        case .modification: "Modification"
        case .operatorChange: "Changement d’opérateur"
        }
    }

    /// Whole days from `start` to `now` (never negative).
    static func ageInDays(since start: Date, now: Date) -> Int {
        max(0, Int(now.timeIntervalSince(start) / 86_400))
    }

    /// "dans 12 jours", "aujourd’hui", "dépassée de 3 jours" (calendar days, Paris time).
    static func daysLeft(until date: Date, now: Date) -> (text: String, days: Int) {
        let days = parisCalendar.dateComponents([.day], from: parisCalendar.startOfDay(for: now), to: parisCalendar.startOfDay(for: date)).day ?? 0
        let text = switch days {
        case ..<(-1): "dépassée de \(-days) jours"
        case -1: "dépassée d’un jour"
        case 0: "aujourd’hui"
        case 1: "demain"
        default: "dans \(days) jours"
        }
        return (text, days)
    }

    static let parisCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris")!
        return calendar
    }()

    /// "12,3 ko" and the like.
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) octets" }
        let kib = Double(bytes) / 1024
        if kib < 1024 { return String(format: "%.1f ko", kib).replacingOccurrences(of: ".", with: ",") }
        return String(format: "%.1f Mo", kib / 1024).replacingOccurrences(of: ".", with: ",")
    }
}

/// A GET filter form (no anti-forgery token: it changes nothing), rendered by `ans/filtres.leaf`.
struct FilterForm: Encodable {
    struct Field: Encodable {
        var name: String
        var id: String
        var label: String
        var hint: String?
        /// select, text, number, date
        var kind: String
        var value: String
        var options: [FormField.Option]
        var error: String?
        var inputmode: String?

        static func select(_ name: String, _ label: String, choices: [(value: String, label: String)], selected: String, hint: String? = nil) -> Field {
            Field(name: name, id: "filtre-" + name, label: label, hint: hint, kind: "select", value: selected,
                  options: choices.map { FormField.Option(value: $0.value, label: $0.label, selected: $0.value == selected) })
        }

        static func input(_ name: String, _ label: String, kind: String = "text", value: String, hint: String? = nil, inputmode: String? = nil) -> Field {
            Field(name: name, id: "filtre-" + name, label: label, hint: hint, kind: kind, value: value, options: [], inputmode: inputmode)
        }
    }

    var id: String
    var action: String
    var legend: String
    var fields: [Field]
    var resetHref: String
    var hasErrors = false

    /// Puts a message next to the field `name`.
    mutating func flag(_ name: String, _ message: String) {
        guard let index = fields.firstIndex(where: { $0.name == name }) else { return }
        fields[index].error = message
        hasErrors = true
    }
}

/// Links to the first and the next page of a list read by key (`cursor` of the services).
struct Pagination: Encodable {
    var label: String
    var firstHref: String?
    var nextHref: String?

    /// nil when the list fits on one page.
    static func make(label: String, path: String, query: [(String, String?)], cursorName: String, current: String?, next: String?) -> Pagination? {
        guard current != nil || next != nil else { return nil }
        return Pagination(
            label: label,
            firstHref: current == nil ? nil : ReviewLinks.url(path, query),
            nextHref: next.map { ReviewLinks.url(path, query + [(cursorName, $0)]) })
    }
}

enum ReviewLinks {
    /// `path?name=value&…` with the empty and nil values left out, percent-encoded.
    static func url(_ path: String, _ query: [(String, String?)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let pairs = query.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// A back-office page to return to after a form (`retour`): a path under `/ans` with its
    /// query, nothing that could lead elsewhere; else `fallback`.
    static func safeReturn(_ text: String?, fallback: String) -> String {
        guard let text, text == "/ans" || text.hasPrefix("/ans?") || text.hasPrefix("/ans/"), text.utf8.count < 600,
              !text.contains("//"), !text.contains("\\"),
              text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { return fallback }
        return text
    }

    /// The request's query string as it came (for `retour`), or the bare path.
    static func current(_ req: Request) -> String {
        guard let query = req.url.query, !query.isEmpty else { return req.url.path }
        return req.url.path + "?" + query
    }

    static func request(_ id: UUID?) -> String { "/ans/demandes/\(id?.uuidString ?? "")" }
    static func drimbox(_ id: UUID?) -> String { "/ans/drimbox/\(id?.uuidString ?? "")" }
}

/// Names behind the user ids of histories, audit entries and assignments: one query per page.
struct PeopleDirectory {
    var users: [UUID: UserModel]

    static func load(_ ids: some Collection<UUID>, accounts: Accounts) async throws -> PeopleDirectory {
        PeopleDirectory(users: try await accounts.users(ids))
    }

    /// "Jeanne Martin (Instructeur ANS)"; EDC for the system; the role when the user is unknown.
    func name(_ id: UUID?, role: Role) -> String {
        if role == .system { return "EDC (automatique)" }
        guard let id, let user = users[id] else { return role.labelFR }
        return "\(user.displayName) (\(user.role.labelFR))"
    }
}

extension Request {
    /// The back office's breadcrumbs: the queue, then `items`.
    func ansCrumbs(_ items: (String, String?)...) -> [Layout.Crumb] {
        [Layout.Crumb(label: "File d’instruction", href: "/ans")] + items.map { Layout.Crumb(label: $0.0, href: $0.1) }
    }

    /// A query parameter as typed, trimmed; nil when absent or empty.
    func filterValue(_ name: String) -> String? {
        guard let value = (try? query.get(String.self, at: name))?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty, value.utf8.count <= 200 else { return nil }
        return value
    }

    /// A positive integer cursor (`?apres=`/`?avant=`); nil otherwise.
    func cursorValue(_ name: String) -> Int? {
        filterValue(name).flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }
}
