import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// ANS's back office, `/ans` (reviewers and administrators; anyone else gets 404 from
/// `WebANSOnly`): the review queue, requests, the registry, the white list, VA deadlines, the
/// audit log and, for administrators, users. Every read and write goes through the services the
/// JSON API uses.
enum ReviewPages {
    /// Rows per page of every list.
    static let pageSize = 50

    static func register(_ routes: any RoutesBuilder) {
        routes.get(use: queue)
        routes.post("demandes", ":requestID", "attribution", use: assign)
        ReviewRequestPage.register(routes)
        ReviewRegistryPages.register(routes)
        ReviewWhitelistPages.register(routes)
        ReviewDeadlinesPage.register(routes)
        ReviewAuditPage.register(routes)
        ReviewUserPages.register(routes.grouped(WebAdministratorOnly()))
    }

    // MARK: Review queue

    struct QueueContent: Encodable {
        struct Row: Encodable {
            var number: Int
            var href: String
            var kind: String
            var operatorName: String
            var drimbox: String?
            var drimboxHref: String?
            var submittedAt: String
            var age: String
            var assignee: String?
            var badge: WebText.Badge
            var assignForm: AssignForm?
        }

        var intro: String
        var filters: FilterForm
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        var pagination: Pagination?
    }

    /// The small form of a row (or of the request page) that assigns a request to an ANS agent.
    struct AssignForm: Encodable {
        var action: String
        var csrf: String
        var selectID: String
        var label: String
        var options: [FormField.Option]
        var returnTo: String
        var button: String
        var buttonDetail: String
        var error: String?
    }

    static func assignForm(_ req: Request, request: RequestModel, agents: [UserModel], returnTo: String, error: String? = nil, compact: Bool) -> AssignForm? {
        guard !request.state.isFinal, let id = request.id else { return nil }
        var options = [FormField.Option(value: "", label: "Personne", selected: request.assignedReviewerID == nil)]
        for agent in agents where agent.disabledAt == nil {
            options.append(FormField.Option(value: agent.id?.uuidString ?? "", label: agent.displayName, selected: agent.id == request.assignedReviewerID))
        }
        return AssignForm(
            action: "/ans/demandes/\(id)/attribution", csrf: req.csrfToken, selectID: compact ? "agent-\(request.number)" : "champ-agent",
            label: compact ? "Agent de la demande n° \(request.number)" : "Agent ANS chargé de l’instruction",
            options: options, returnTo: returnTo, button: "Attribuer", buttonDetail: compact ? " la demande n° \(request.number)" : "", error: error)
    }

    /// The queue's filters as read from the query string (invalid values are flagged, not used).
    struct QueueFilter {
        var filter = RequestQueries.BackOfficeFilter()
        var form: FilterForm
        var query: [(String, String?)]
    }

    static let ageChoices = [7, 15, 30, 60]

    static func queueFilter(_ req: Request, principal: Principal, operators: [(id: UUID, name: String)], agents: [UserModel]) -> QueueFilter {
        let kind = req.filterValue("type")
        let state = req.filterValue("etat")
        let operatorID = req.filterValue("operateur")
        let age = req.filterValue("anciennete")
        let assigned = req.filterValue("attribution")
        var filter = RequestQueries.BackOfficeFilter()
        filter.kind = kind.flatMap(RequestKind.init(rawValue:))
        filter.state = state.flatMap(RequestState.init(rawValue:))
        filter.operatorID = operatorID.flatMap(UUID.init(uuidString:))
        if let days = age.flatMap({ Int($0) }), ageChoices.contains(days) {
            filter.submittedBefore = req.edc.settings.clock().addingTimeInterval(-Double(days) * 86_400)
        }
        switch assigned {
        case "aucun": filter.assignedTo = .unassigned
        case "moi": filter.assignedTo = principal.userID.map { .user($0) }
        case let text?: filter.assignedTo = UUID(uuidString: text).map { .user($0) }
        case nil: break
        }

        var form = FilterForm(id: "filtres-demandes", action: "/ans", legend: "Filtrer les demandes", fields: [
            .select("type", "Type de demande", choices: [("", "Tous les types")] + RequestKind.allCases.map { ($0.rawValue, $0.label) }, selected: kind ?? ""),
            .select("etat", "État", choices: [("", "En attente d’instruction (déposées et en instruction)")]
                + RequestState.allCases.filter { $0 != .draft }.map { ($0.rawValue, $0.label) }, selected: state ?? ""),
            .select("operateur", "Opérateur", choices: [("", "Tous les opérateurs")] + operators.map { ($0.id.uuidString, $0.name) }, selected: operatorID ?? ""),
            .select("anciennete", "Ancienneté du dépôt", choices: [("", "Toutes")] + ageChoices.map { (String($0), "Déposées depuis plus de \($0) jours") }, selected: age ?? ""),
            .select("attribution", "Agent attribué", choices: [("", "Tous"), ("aucun", "Non attribuées"), ("moi", "Mes demandes")]
                + agents.map { ($0.id?.uuidString ?? "", $0.displayName + ($0.disabledAt == nil ? "" : " (compte désactivé)")) }, selected: assigned ?? ""),
        ], resetHref: "/ans")
        if kind != nil, filter.kind == nil { form.flag("type", "Type de demande inconnu.") }
        if state != nil, filter.state == nil || filter.state == .draft { form.flag("etat", "État inconnu."); filter.state = nil }
        if operatorID != nil, filter.operatorID == nil { form.flag("operateur", "Opérateur inconnu.") }
        if age != nil, filter.submittedBefore == nil { form.flag("anciennete", "Ancienneté inconnue.") }
        if assigned != nil, filter.assignedTo == nil { form.flag("attribution", "Agent inconnu.") }
        let query: [(String, String?)] = [("type", kind), ("etat", state), ("operateur", operatorID), ("anciennete", age), ("attribution", assigned)]
        return QueueFilter(filter: filter, form: form, query: query)
    }

    /// `GET /ans`: the requests awaiting review (or of another state), oldest first, with their
    /// filters, 50 per page, and a form per row to assign each to an agent.
    static func queue(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let operators = try await RegistryQueries(database: req.db).operatorNames()
        let agents = try await req.accounts.ansUsers()
        let chosen = queueFilter(req, principal: principal, operators: operators, agents: agents)
        let cursor = req.cursorValue("apres")
        let queries = RequestQueries(database: req.db)
        let page = try await queries.backOffice(principal, filter: chosen.filter, cursor: cursor, limit: pageSize)
        let drimboxes = try await queries.drimboxes(of: page.items)
        let operatorNames = Dictionary(operators.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let agentNames = Dictionary(agents.compactMap { agent in agent.id.map { ($0, agent.displayName) } }, uniquingKeysWith: { first, _ in first })
        let now = req.edc.settings.clock()
        let returnTo = ReviewLinks.current(req)
        let rows = page.items.map { request in
            let drimbox = request.drimboxID.flatMap { drimboxes[$0] }
            return QueueContent.Row(
                number: request.number, href: ReviewLinks.request(request.id), kind: request.kind.label,
                operatorName: operatorNames[request.operatorID] ?? "—",
                drimbox: drimbox.map { "n° \($0.identifier)" }, drimboxHref: drimbox.map { ReviewLinks.drimbox($0.id) },
                submittedAt: request.submittedAt.map(WebDates.date) ?? "—",
                age: request.submittedAt.map { String(ReviewText.ageInDays(since: $0, now: now)) } ?? "—",
                assignee: request.assignedReviewerID.map { agentNames[$0] ?? "Agent inconnu" },
                badge: WebText.badge(request.state),
                assignForm: assignForm(req, request: request, agents: agents, returnTo: returnTo, compact: true))
        }
        let caption = chosen.filter.state.map { "Demandes à l’état « \($0.label) », les plus récentes d’abord" }
            ?? "Demandes en attente d’instruction, les plus anciennes d’abord"
        return try await req.page("ans/file", title: "File d’instruction", content: QueueContent(
            intro: "Les demandes déposées par les opérateurs. Filtrez-les, attribuez-les à un agent et ouvrez-les pour les instruire.",
            filters: chosen.form, caption: caption + (cursor == nil ? "" : " (suite)"), rows: rows, hasRows: !rows.isEmpty,
            pagination: Pagination.make(label: "Pages de la file d’instruction", path: "/ans", query: chosen.query, cursorName: "apres",
                                        current: cursor.map(String.init), next: page.nextCursor)),
            status: chosen.form.hasErrors ? .unprocessableEntity : .ok)
    }

    // MARK: Assignment

    /// `POST /ans/demandes/{id}/attribution` (`agent`: an ANS user's id, or empty for no one;
    /// `retour`: the back-office page to go back to).
    static func assign(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("requestID")
        let posted = try PostedForm(req)
        let back = ReviewLinks.safeReturn(posted.text("retour"), fallback: ReviewLinks.request(id))
        let agentText = posted.text("agent")
        do {
            guard agentText == nil || UUID(uuidString: agentText ?? "") != nil else {
                throw ValidationErrors([ValidationError(code: "request.assignee", field: "reviewerID", userMessage: "Choisissez un agent de la liste.", technicalDetail: "agent field is not a UUID")])
            }
            let request = try await req.workflow.assign(principal, requestID: id, to: agentText.flatMap(UUID.init(uuidString:)))
            var name: String?
            if let agentID = request.assignedReviewerID { name = try await req.accounts.user(agentID).displayName }
            return req.seeOther(back, flash: name.map { "La demande n° \(request.number) est attribuée à \($0)." } ?? "La demande n° \(request.number) n’est plus attribuée.")
        } catch {
            let problems = try FormProblems(error)
            let message = (problems.byField.values.sorted() + problems.general).joined(separator: " ")
            return try await ReviewRequestPage.render(req, id: id, problems: ReviewRequestPage.Problems(assignment: message), status: .unprocessableEntity)
        }
    }
}

/// Pages of ANS administrators: reviewers get 404, as for anything they may not see.
struct WebAdministratorOnly: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try request.requireAdministrator()
        return try await next.respond(to: request)
    }
}
