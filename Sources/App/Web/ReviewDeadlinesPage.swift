import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// `/ans/echeances`: the VA documents that are overdue or due soon — provisional DRIMboxes by due
/// date, with the reminder last sent and the VA document awaiting review, if any.
enum ReviewDeadlinesPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("echeances", use: page)
    }

    static let horizons = [7, 30, 60, 90]
    static let defaultHorizon = 30

    struct Content: Encodable {
        struct Row: Encodable {
            var identifier: Int
            var href: String
            var operatorName: String
            var dueAt: String
            var delay: String
            var badge: WebText.Badge
            var reminder: String
            var vaRequest: String?
            var vaRequestHref: String?
        }

        var intro: String
        var filters: FilterForm
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        var pagination: Pagination?
    }

    /// `GET /ans/echeances[?horizon=30][&suite=N]`
    static func page(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let horizonText = req.filterValue("horizon")
        let horizon = horizonText.flatMap { Int($0) }.flatMap { horizons.contains($0) ? $0 : nil }
        var form = FilterForm(id: "filtres-echeances", action: "/ans/echeances", legend: "Période", fields: [
            .select("horizon", "Échéances jusqu’à", choices: horizons.map { (String($0), "Dépassées et dans les \($0) prochains jours") }, selected: String(horizon ?? defaultHorizon)),
        ], resetHref: "/ans/echeances")
        if horizonText != nil, horizon == nil { form.flag("horizon", "Période inconnue.") }
        let days = horizon ?? defaultHorizon
        let now = req.edc.settings.clock()
        let offset = max(0, req.filterValue("suite").flatMap { Int($0) } ?? 0)
        let page = try await RegistryQueries(database: req.db).vaDeadlines(before: now.addingTimeInterval(Double(days) * 86_400), for: principal, offset: offset, limit: ReviewPages.pageSize)
        let pending = try await RequestQueries(database: req.db).pendingVADocuments(of: page.items.compactMap(\.id), for: principal)
        let names = Dictionary(try await RegistryQueries(database: req.db).operatorNames().map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows: [Content.Row] = page.items.compactMap { drimbox in
            guard let due = drimbox.vaDueAt else { return nil }
            let left = ReviewText.daysLeft(until: due, now: now)
            let overdue = due <= now
            let request = drimbox.id.flatMap { pending[$0] }
            let reminded = drimbox.vaRemindedFor == due ? drimbox.vaReminderDays : nil
            return Content.Row(
                identifier: drimbox.identifier, href: ReviewLinks.drimbox(drimbox.id), operatorName: names[drimbox.operatorID] ?? "—",
                dueAt: WebDates.dateTime(due), delay: left.text,
                badge: overdue ? WebText.Badge(text: "En retard", kind: "fr-badge--error")
                    : left.days <= 7 ? WebText.Badge(text: "Proche", kind: "fr-badge--warning") : WebText.Badge(text: "À venir", kind: "fr-badge--info"),
                reminder: reminded.map { "J-\($0)" } ?? "Aucun",
                vaRequest: request.map { "Demande n° \($0.number) (\($0.state.label))" }, vaRequestHref: request.map { ReviewLinks.request($0.id) })
        }
        return try await req.page("ans/echeances", title: "Échéances des documents de VA", content: Content(
            intro: "Les DRIMbox intégrées à titre provisoire doivent fournir leur document de vérification d’aptitude avant l’échéance ; passé ce délai, EDC les exclut pour « \(ExclusionReason.vaNotProvided.label) ». Les opérateurs reçoivent un rappel à J-30, J-7 et J-1.",
            filters: form, caption: "Documents de VA attendus, échéances dépassées et dans les \(days) prochains jours, les plus proches d’abord" + (offset == 0 ? "" : " (suite)"),
            rows: rows, hasRows: !rows.isEmpty,
            pagination: Pagination.make(label: "Pages des échéances", path: "/ans/echeances", query: [("horizon", horizon.map(String.init))], cursorName: "suite",
                                        current: offset == 0 ? nil : String(offset), next: page.nextCursor)),
            breadcrumbs: req.ansCrumbs(("Échéances VA", nil)), status: form.hasErrors ? .unprocessableEntity : .ok)
    }
}
