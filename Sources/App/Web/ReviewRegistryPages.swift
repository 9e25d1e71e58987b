import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// The registry browser `/ans/drimbox` and a DRIMbox's page `/ans/drimbox/{id}`: its FQDN pairs,
/// state, history and requests, and what ANS does on its own — exclusion with a reason,
/// withdrawal, re-integration.
enum ReviewRegistryPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("drimbox", use: list)
        routes.get("drimbox", ":drimboxID", use: page)
        routes.post("drimbox", ":drimboxID", "exclusion", use: exclude)
        routes.post("drimbox", ":drimboxID", "retrait", use: withdraw)
        routes.post("drimbox", ":drimboxID", "reintegration", use: reintegrate)
    }

    // MARK: Registry browser

    struct ListContent: Encodable {
        struct Row: Encodable {
            var identifier: Int
            var href: String
            var operatorName: String
            var badge: WebText.Badge
            var pairs: [String]
            var hasPairs: Bool
            var vaDue: String?
            var updatedAt: String
        }

        var filters: FilterForm
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        var pagination: Pagination?
    }

    /// `GET /ans/drimbox`: the registry, by identifier, searched by identifier, operator, part of an
    /// FQDN and state; 50 per page.
    static func list(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let operators = try await RegistryQueries(database: req.db).operatorNames()
        let identifier = req.filterValue("identifiant")
        let operatorID = req.filterValue("operateur")
        let fqdn = req.filterValue("fqdn")
        let state = req.filterValue("etat")
        var search = RegistryQueries.Search(fqdn: fqdn)
        search.identifier = identifier.flatMap { Int($0) }
        search.operatorID = operatorID.flatMap(UUID.init(uuidString:))
        search.state = state.flatMap(DRIMboxState.init(rawValue:))
        var form = FilterForm(id: "recherche-drimbox", action: "/ans/drimbox", legend: "Rechercher une DRIMbox", fields: [
            .input("identifiant", "Identifiant", value: identifier ?? "", hint: "Le numéro de la DRIMbox au registre, par exemple 12.", inputmode: "numeric"),
            .select("operateur", "Opérateur", choices: [("", "Tous les opérateurs")] + operators.map { ($0.id.uuidString, $0.name) }, selected: operatorID ?? ""),
            .input("fqdn", "FQDN", value: fqdn ?? "", hint: "Tout ou partie d’un FQDN db ou vi, par exemple db1.12."),
            .select("etat", "État", choices: [("", "Tous les états")] + DRIMboxState.allCases.map { ($0.rawValue, $0.label) }, selected: state ?? ""),
        ], resetHref: "/ans/drimbox")
        if identifier != nil, search.identifier == nil { form.flag("identifiant", "L’identifiant est un nombre, par exemple 12.") }
        if operatorID != nil, search.operatorID == nil { form.flag("operateur", "Opérateur inconnu.") }
        if state != nil, search.state == nil { form.flag("etat", "État inconnu.") }

        var rows: [ListContent.Row] = []
        var pagination: Pagination?
        let cursor = req.cursorValue("apres")
        if !form.hasErrors {
            let registry = RegistryQueries(database: req.db)
            let page = try await registry.search(search, for: principal, after: cursor, limit: ReviewPages.pageSize)
            let pairs = try await registry.pairs(of: page.items)
            let names = Dictionary(operators.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let now = req.edc.settings.clock()
            rows = page.items.map { drimbox in
                let own = drimbox.id.flatMap { pairs[$0] } ?? []
                return ListContent.Row(
                    identifier: drimbox.identifier, href: ReviewLinks.drimbox(drimbox.id), operatorName: names[drimbox.operatorID] ?? "—",
                    badge: WebText.badge(drimbox.state), pairs: own.map { "\($0.dbFQDN) / \($0.viewerFQDN)" }, hasPairs: !own.isEmpty,
                    vaDue: drimbox.state == .provisional ? drimbox.vaDueAt.map { "\(WebDates.date($0)) (\(ReviewText.daysLeft(until: $0, now: now).text))" } : nil,
                    updatedAt: WebDates.date(drimbox.updatedAt))
            }
            pagination = Pagination.make(label: "Pages du registre", path: "/ans/drimbox",
                                         query: [("identifiant", identifier), ("operateur", operatorID), ("fqdn", fqdn), ("etat", state)],
                                         cursorName: "apres", current: cursor.map(String.init), next: page.nextCursor)
        }
        return try await req.page("ans/registre", title: "Registre des DRIMbox", content: ListContent(
            filters: form, caption: "DRIMbox du registre, par identifiant" + (cursor == nil ? "" : " (suite)"), rows: rows, hasRows: !rows.isEmpty, pagination: pagination),
            breadcrumbs: req.ansCrumbs(("Registre", nil)), status: form.hasErrors ? .unprocessableEntity : .ok)
    }

    // MARK: A DRIMbox

    struct PageContent: Encodable {
        struct Summary: Encodable {
            var label: String
            var text: String
            var lines: [String]
            var hasLines: Bool
            var mono: Bool

            init(_ label: String, _ text: String) {
                (self.label, self.text, self.lines, self.hasLines, self.mono) = (label, text, [], false, false)
            }

            init(_ label: String, lines: [String]) {
                (self.label, self.text, self.lines, self.hasLines, self.mono) = (label, lines.isEmpty ? "—" : "", lines, !lines.isEmpty, true)
            }
        }

        struct PairRow: Encodable {
            var pacs: String
            var db: String
            var viewer: String
            var sourceHostname: String
            var viewerHostname: String
            var certificateDN: String?
            var updatedAt: String
        }

        struct HistoryRow: Encodable {
            var at: String
            var title: String
            var states: String?
            var actor: String
            var reason: String?
            var requestHref: String?
            var requestLabel: String?
        }

        struct RequestRow: Encodable {
            var number: Int
            var href: String
            var kind: String
            var badge: WebText.Badge
            var submittedAt: String
        }

        struct AttestationRow: Encodable {
            var number: String
            var issuedAt: String
            var href: String
        }

        var identifier: Int
        var badge: WebText.Badge
        var summary: [Summary]
        var errors: [String]
        var hasErrors: Bool
        var exclusionForm: WebForm?
        var withdrawalForm: WebForm?
        var reintegrationForm: WebForm?
        var reintegrationNote: String?
        var hasActions: Bool
        var pairs: [PairRow]
        var hasPairs: Bool
        var history: [HistoryRow]
        var requests: [RequestRow]
        var hasRequests: Bool
        var attestations: [AttestationRow]
        var hasAttestations: Bool
    }

    /// What a refused post puts back on the page: the problems of its form and the values typed.
    struct Problems {
        enum Form { case exclusion, withdrawal, reintegration }
        var form: Form?
        var problems = FormProblems()
        var posted = PostedForm(values: [:])
        var conflict = false
    }

    /// `GET /ans/drimbox/{id}`
    static func page(_ req: Request) async throws -> Response {
        try await render(req, id: try req.uuid("drimboxID"), problems: Problems(), status: .ok)
    }

    static func render(_ req: Request, id: UUID, problems: Problems, status: HTTPStatus) async throws -> Response {
        let principal = try req.principal
        let registry = RegistryQueries(database: req.db)
        let drimbox = try await registry.drimbox(id, for: principal)
        let owner = try await req.accounts.operatorRecord(drimbox.operatorID)
        let pairs = try await registry.pairs(of: drimbox)
        let history = try await registry.history(of: drimbox, for: principal)
        let requests = try await RequestQueries(database: req.db).requests(about: drimbox, for: principal)
        let attestations = try await registry.attestations(of: drimbox, for: principal)
        let people = try await PeopleDirectory.load(history.compactMap(\.actorID), accounts: req.accounts)
        let now = req.edc.settings.clock()
        let numbers = Dictionary(requests.compactMap { request in request.id.map { ($0, request.number) } }, uniquingKeysWith: { first, _ in first })

        var summary: [PageContent.Summary] = [
            .init("Opérateur", "\(owner.legalName) (SIREN \(owner.siren))"),
            .init("Inscrite sur la liste blanche", drimbox.state.isTrusted ? "Oui" : "Non"),
            .init("Clients (SIREN)", lines: (try? JSONText.decode([String].self, from: drimbox.clients)) ?? []),
        ]
        if drimbox.state == .provisional, let due = drimbox.vaDueAt {
            summary.append(.init("Échéance du document de VA", "\(WebDates.date(due)) (\(ReviewText.daysLeft(until: due, now: now).text))"))
        }
        if drimbox.state == .excluded, let reason = drimbox.exclusionReason {
            summary.append(.init("Motif d’exclusion", reason.label))
            if let detail = drimbox.exclusionDetail { summary.append(.init("Précisions sur l’exclusion", detail)) }
            if let at = drimbox.excludedAt { summary.append(.init("Exclue le", WebDates.dateTime(at))) }
        }
        if let created = drimbox.createdAt { summary.append(.init("Inscrite au registre le", WebDates.dateTime(created))) }
        summary.append(.init("Dernière mise à jour", "\(WebDates.dateTime(drimbox.updatedAt)) (version \(drimbox.version))"))

        // What ANS may do now, by the registry's state machine.
        func allowed(_ event: DRIMboxEvent) -> Bool { (try? DRIMboxStateMachine.target(from: drimbox.state, event: event)) != nil }
        let values = problems.posted
        let version = FormField("version", "", kind: "hidden", value: String(drimbox.version))
        var exclusionForm: WebForm?
        if allowed(.exclusion) {
            var form = WebForm(id: "exclusion", action: "/ans/drimbox/\(id)/exclusion", csrf: req.csrfToken, sections: [
                FormSection(id: "exclusion-champs", fields: [
                    version,
                    .select("motif", "Motif de l’exclusion", choices: [("", "Choisissez un motif")] + ExclusionReason.allCases.map { ($0.rawValue, $0.label) },
                            selected: problems.form == .exclusion ? values["motif"] : "", required: true),
                    FormField("detail", "Précisions", kind: "textarea", value: problems.form == .exclusion ? values["detail"] : "",
                              hint: "Ce qui s’est passé, la référence d’un incident… Elles sont envoyées à l’opérateur.", rows: 4),
                ]),
            ], buttons: [FormButton("Exclure la DRIMbox")])
            if problems.form == .exclusion { form.apply(problems.problems) }
            exclusionForm = form
        }
        var reintegrationForm: WebForm?
        var reintegrationNote: String?
        if allowed(.reintegration) {
            if let reason = drimbox.exclusionReason, reason.reintegrationRequiresNewCGI {
                reintegrationNote = "Exclue pour « \(reason.label) » : la réintégration passe par une demande de l’opérateur, avec de nouvelles conditions générales d’intégration signées."
            } else {
                var form = WebForm(id: "reintegration", action: "/ans/drimbox/\(id)/reintegration", csrf: req.csrfToken, sections: [
                    FormSection(id: "reintegration-champs", fields: [
                        version,
                        FormField("motifReintegration", "Motif de la réintégration", kind: "textarea", value: problems.form == .reintegration ? values["motifReintegration"] : "",
                                  hint: "Pourquoi l’exclusion est levée. La DRIMbox revient sur la liste blanche à titre provisoire et un nouveau document de VA est attendu.", required: true, rows: 3),
                    ]),
                ], buttons: [FormButton("Réintégrer la DRIMbox")])
                if problems.form == .reintegration { form.apply(problems.problems) }
                reintegrationForm = form
            }
        }
        var withdrawalForm: WebForm?
        if allowed(.withdrawal) {
            var form = WebForm(id: "retrait", action: "/ans/drimbox/\(id)/retrait", csrf: req.csrfToken, sections: [
                FormSection(id: "retrait-champs", fields: [
                    version,
                    FormField("motifRetrait", "Motif du retrait", kind: "textarea", value: problems.form == .withdrawal ? values["motifRetrait"] : "",
                              hint: "Le retrait est définitif : la DRIMbox quitte la liste blanche et ses FQDN restent réservés.", required: true, rows: 3),
                ]),
            ], buttons: [FormButton("Retirer la DRIMbox", secondary: true)])
            if problems.form == .withdrawal { form.apply(problems.problems) }
            withdrawalForm = form
        }
        var errors: [String] = []
        if problems.conflict {
            errors.append("Cette DRIMbox a été modifiée entre-temps : votre action n’a pas été faite. La page la montre telle qu’elle est maintenant ; vérifiez-la, puis recommencez si besoin.")
        }

        let title = "DRIMbox n° \(drimbox.identifier)"
        return try await req.page("ans/drimbox", title: status == .ok ? title : "Erreur — " + title, heading: title, content: PageContent(
            identifier: drimbox.identifier, badge: WebText.badge(drimbox.state), summary: summary,
            errors: errors, hasErrors: !errors.isEmpty,
            exclusionForm: exclusionForm, withdrawalForm: withdrawalForm, reintegrationForm: reintegrationForm, reintegrationNote: reintegrationNote,
            hasActions: exclusionForm != nil || withdrawalForm != nil || reintegrationForm != nil || reintegrationNote != nil,
            pairs: pairs.map { pair in
                PageContent.PairRow(pacs: "PACS \(pair.pacsIndex)", db: pair.dbFQDN, viewer: pair.viewerFQDN, sourceHostname: pair.sourceHostname,
                                    viewerHostname: pair.viewerHostname, certificateDN: pair.certificateDN, updatedAt: WebDates.dateTime(pair.updatedAt))
            }, hasPairs: !pairs.isEmpty,
            history: history.map { row in
                PageContent.HistoryRow(
                    at: WebDates.dateTime(row.at), title: ReviewText.label(row.event),
                    states: row.fromState.map { $0 == row.toState ? nil : "\($0.label) → \(row.toState.label)" } ?? row.toState.label,
                    actor: people.name(row.actorID, role: row.actorRole),
                    reason: row.reason.map { ExclusionReason(rawValue: $0)?.label ?? $0 },
                    requestHref: row.requestID.map { ReviewLinks.request($0) },
                    requestLabel: row.requestID.map { id in numbers[id].map { "Demande n° \($0)" } ?? "Demande liée" })
            },
            requests: requests.map { request in
                PageContent.RequestRow(number: request.number, href: ReviewLinks.request(request.id), kind: request.kind.label,
                                       badge: WebText.badge(request.state), submittedAt: request.submittedAt.map(WebDates.date) ?? "—")
            }, hasRequests: !requests.isEmpty,
            attestations: attestations.map { attestation in
                PageContent.AttestationRow(number: attestation.number, issuedAt: WebDates.dateTime(attestation.issuedAt), href: "/ans/demandes/\(attestation.requestID)/attestation.pdf")
            }, hasAttestations: !attestations.isEmpty),
            breadcrumbs: [Layout.Crumb(label: "Registre", href: "/ans/drimbox"), Layout.Crumb(label: title, href: nil)], status: status)
    }

    // MARK: ANS's registry actions

    /// `POST /ans/drimbox/{id}/exclusion`: `motif` (an exclusion reason), `detail`, `version`.
    static func exclude(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("drimboxID")
        let posted = try PostedForm(req)
        var problems = FormProblems()
        let reason = problems.parse("motif") { () throws -> ExclusionReason in
            guard let reason = ExclusionReason(rawValue: posted["motif"]) else {
                throw ValidationError(code: "drimbox.exclusion_reason", field: "motif", userMessage: "Choisissez le motif de l’exclusion.", technicalDetail: "unknown exclusion reason \(posted["motif"].prefix(40))")
            }
            return reason
        }
        return try await act(req, id: id, posted: posted, form: .exclusion, fieldNames: { $0 == "detail" ? "detail" : nil }, early: problems) {
            let drimbox = try await req.workflow.exclude(principal, drimboxID: id, reason: reason!, detail: posted.text("detail"), expectedVersion: Int(posted["version"]))
            return "La DRIMbox n° \(drimbox.identifier) est exclue : elle quitte la liste blanche."
        }
    }

    /// `POST /ans/drimbox/{id}/retrait`: `motifRetrait`, `version`.
    static func withdraw(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("drimboxID")
        let posted = try PostedForm(req)
        return try await act(req, id: id, posted: posted, form: .withdrawal, fieldNames: { $0 == "reason" ? "motifRetrait" : nil }, early: FormProblems()) {
            let drimbox = try await req.workflow.withdrawByANS(principal, drimboxID: id, reason: posted.text("motifRetrait"), expectedVersion: Int(posted["version"]))
            return "La DRIMbox n° \(drimbox.identifier) est retirée du registre ; ses FQDN restent réservés."
        }
    }

    /// `POST /ans/drimbox/{id}/reintegration`: `motifReintegration`, `version`.
    static func reintegrate(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("drimboxID")
        let posted = try PostedForm(req)
        return try await act(req, id: id, posted: posted, form: .reintegration, fieldNames: { $0 == "reason" ? "motifReintegration" : nil }, early: FormProblems()) {
            let drimbox = try await req.workflow.reintegrateByANS(principal, drimboxID: id, reason: posted.text("motifReintegration"), expectedVersion: Int(posted["version"]))
            return "La DRIMbox n° \(drimbox.identifier) est réintégrée à titre provisoire : un nouveau document de VA est attendu."
        }
    }

    /// Runs `change` unless the form already has problems; success goes back to the DRIMbox's page
    /// with its message, a refusal renders the page again with the form's problems (422, or 409
    /// when the DRIMbox changed since it was shown).
    private static func act(_ req: Request, id: UUID, posted: PostedForm, form: Problems.Form, fieldNames: @escaping (String) -> String?,
                            early: FormProblems, change: () async throws -> String) async throws -> Response {
        var problems = early
        if problems.isEmpty {
            do {
                return req.seeOther(ReviewLinks.drimbox(id), flash: try await change())
            } catch {
                if let workflowError = error as? WorkflowError, workflowError.kind == .conflict, workflowError.code == "conflict" {
                    return try await render(req, id: id, problems: Problems(form: form, posted: posted, conflict: true), status: .conflict)
                }
                problems = try FormProblems(error, fieldNames: fieldNames)
            }
        }
        return try await render(req, id: id, problems: Problems(form: form, problems: problems, posted: posted), status: .unprocessableEntity)
    }
}
