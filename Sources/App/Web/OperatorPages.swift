import Attestations
import Documents
import EDCDomain
import Foundation
import Persistence
import Vapor

/// The operator's portal, `/espace`: dashboard, requests (pages, forms, actions), DRIMboxes,
/// documents and attestations. Every read and write goes through the services the JSON API uses,
/// with the signed-in principal: another operator's objects are 404.
enum OperatorPages {
    static let pageSize = 25

    static func register(_ routes: any RoutesBuilder) {
        routes.get(use: dashboard)
        routes.get("demandes", ":requestID", use: requestPage)
        routes.post("demandes", ":requestID", "actions", ":action", use: act)
        routes.get("demandes", ":requestID", "attestation.pdf", use: attestation)
        routes.get("documents", ":documentID", use: document)
        routes.get("drimbox", ":drimboxID", use: drimboxPage)
        OperatorRequestForms.register(routes)
        OperatorUserPages.register(routes)
    }

    // MARK: Shared rows

    struct RequestRow: Encodable {
        var number: Int
        var href: String
        var kind: String
        var drimbox: String?
        var drimboxHref: String?
        var badge: WebText.Badge
        var nextStep: String
        var updatedAt: String
    }

    static func requestRows(_ requests: [RequestModel], for principal: Principal, on req: Request) async throws -> [RequestRow] {
        let drimboxes = try await RequestQueries(database: req.db).drimboxes(of: requests)
        return try requests.map { request in
            let drimbox = request.drimboxID.flatMap { drimboxes[$0] }
            return RequestRow(
                number: request.number, href: "/espace/demandes/\(try request.requireID())", kind: request.kind.label,
                drimbox: drimbox.map { "n° \($0.identifier)" },
                drimboxHref: try drimbox.flatMap { principal.canSee(ownedBy: $0.operatorID) ? "/espace/drimbox/\(try $0.requireID())" : nil },
                badge: WebText.badge(request.state), nextStep: OperatorText.nextStep(request, for: principal, drimbox: drimbox),
                updatedAt: WebDates.dateTime(request.updatedAt))
        }
    }

    struct Pagination: Encodable {
        var label: String
        var firstHref: String?
        var nextHref: String?
    }

    static func crumbs(_ items: (String, String?)...) -> [Layout.Crumb] {
        [Layout.Crumb(label: "Tableau de bord", href: "/espace")] + items.map { Layout.Crumb(label: $0.0, href: $0.1) }
    }

    // MARK: Dashboard

    struct DashboardContent: Encodable {
        struct DRIMboxRow: Encodable {
            var identifier: Int
            var href: String
            var badge: WebText.Badge
            var pairs: [PairText]
            var hasPairs: Bool
            var vaDue: String?
            var vaLeft: String?
            var onWhitelist: Bool
        }

        struct PairText: Encodable {
            var db: String
            var vi: String
        }

        struct ConsentRow: Encodable {
            var number: Int
            var href: String
            var drimbox: String?
            var form: WebForm
        }

        var operatorName: String?
        var consents: [ConsentRow]
        var hasConsents: Bool
        var drimboxes: [DRIMboxRow]
        var hasDRIMboxes: Bool
        var drimboxPages: Pagination?
        var requests: [RequestRow]
        var hasRequests: Bool
        var requestPages: Pagination?
    }

    /// `GET /espace?drimbox=…&demandes=…`: the operator's DRIMboxes (by identifier) and requests
    /// (newest first), each list paged by its own cursor.
    static func dashboard(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let drimboxCursor = req.query[Int.self, at: "drimbox"]
        let requestCursor = req.query[Int.self, at: "demandes"]
        let registry = RegistryQueries(database: req.db)
        let queries = RequestQueries(database: req.db)
        let now = req.edc.settings.clock()

        let drimboxPage = try await registry.drimboxes(for: principal, after: drimboxCursor, limit: pageSize)
        let pairs = try await registry.pairs(of: drimboxPage.items)
        let drimboxes = try drimboxPage.items.map { drimbox in
            let id = try drimbox.requireID()
            let texts = (pairs[id] ?? []).map { DashboardContent.PairText(db: $0.dbFQDN, vi: $0.viewerFQDN) }
            return DashboardContent.DRIMboxRow(
                identifier: drimbox.identifier, href: "/espace/drimbox/\(id)", badge: WebText.badge(drimbox.state),
                pairs: texts, hasPairs: !texts.isEmpty,
                vaDue: drimbox.vaDueAt.map(WebDates.date), vaLeft: drimbox.vaDueAt.map { OperatorText.daysLeft(until: $0, now: now) },
                onWhitelist: drimbox.state.isTrusted)
        }
        let requestPage = try await queries.list(for: principal, before: requestCursor, limit: pageSize)
        let consentRequests = try await queries.awaitingConsent(of: principal)
        let consentDRIMboxes = try await queries.drimboxes(of: consentRequests)
        let consents = try consentRequests.map { request in
            let id = try request.requireID()
            return DashboardContent.ConsentRow(
                number: request.number, href: "/espace/demandes/\(id)",
                drimbox: request.drimboxID.flatMap { consentDRIMboxes[$0] }.map { "n° \($0.identifier)" },
                form: actionForm(req, request: request, action: .consent))
        }

        func link(drimbox: String?, demandes: String?) -> String {
            let query = [drimbox.map { "drimbox=\($0)" }, demandes.map { "demandes=\($0)" }].compactMap { $0 }.joined(separator: "&")
            return query.isEmpty ? "/espace" : "/espace?\(query)"
        }
        let keptDRIMbox = drimboxCursor.map(String.init)
        let keptRequests = requestCursor.map(String.init)
        let drimboxPages = drimboxCursor != nil || drimboxPage.nextCursor != nil
            ? Pagination(label: "Pagination des DRIMbox", firstHref: drimboxCursor == nil ? nil : link(drimbox: nil, demandes: keptRequests),
                         nextHref: drimboxPage.nextCursor.map { link(drimbox: $0, demandes: keptRequests) }) : nil
        let requestPages = requestCursor != nil || requestPage.nextCursor != nil
            ? Pagination(label: "Pagination des demandes", firstHref: requestCursor == nil ? nil : link(drimbox: keptDRIMbox, demandes: nil),
                         nextHref: requestPage.nextCursor.map { link(drimbox: keptDRIMbox, demandes: $0) }) : nil
        let rows = try await requestRows(requestPage.items, for: principal, on: req)
        let organisation = try await req.accounts.organisation(of: try req.currentUser.user)
        return try await req.page("espace/tableau-de-bord", title: "Tableau de bord", content: DashboardContent(
            operatorName: organisation?.legalName, consents: consents, hasConsents: !consents.isEmpty,
            drimboxes: drimboxes, hasDRIMboxes: !drimboxes.isEmpty, drimboxPages: drimboxPages,
            requests: rows, hasRequests: !rows.isEmpty, requestPages: requestPages))
    }

    // MARK: Request page

    typealias DetailItem = WebText.DetailItem

    struct DetailTable: Encodable {
        var caption: String
        var headers: [String]
        var rows: [[String]]
        var mono: Bool
    }

    struct DetailSection: Encodable {
        var title: String
        var items: [DetailItem]
        var hasItems: Bool
        var tables: [DetailTable]
        var hasTables: Bool

        init(_ title: String, items: [DetailItem] = [], tables: [DetailTable] = []) {
            self.title = title
            self.items = items
            self.hasItems = !items.isEmpty
            self.tables = tables
            self.hasTables = !tables.isEmpty
        }
    }

    typealias TimelineEntry = WebText.TimelineEntry

    struct RequestContent: Encodable {
        struct AttestationLink: Encodable {
            var number: String
            var issuedAt: String
            var href: String
        }

        var number: Int
        var kind: String
        var badge: WebText.Badge
        var nextStep: String
        var drimbox: String?
        var drimboxHref: String?
        var createdAt: String
        var submittedAt: String?
        var updatedAt: String
        var reasonTitle: String?
        var reason: String?
        var sections: [DetailSection]
        var timeline: [TimelineEntry]
        var actions: [WebForm]
        var hasActions: Bool
        var editHref: String?
        var attestation: AttestationLink?
        var errors: [String]
        var hasErrors: Bool
    }

    /// `GET /espace/demandes/{id}`
    static func requestPage(_ req: Request) async throws -> Response {
        try await renderRequest(req, id: try req.uuid("requestID"), errors: [], status: .ok)
    }

    static func renderRequest(_ req: Request, id: UUID, errors: [String], status: HTTPStatus) async throws -> Response {
        let principal = try req.principal
        let queries = RequestQueries(database: req.db)
        let request = try await queries.find(id, for: principal)
        let payload = try RequestPayload.decode(kind: request.kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        let drimbox = try await queries.drimboxes(of: [request]).values.first
        let visibleDRIMbox = drimbox.flatMap { principal.canSee(ownedBy: $0.operatorID) ? $0 : nil }
        var pairs: [FQDNPairModel] = []
        if let visibleDRIMbox { pairs = try await RegistryQueries(database: req.db).pairs(of: visibleDRIMbox) }
        let documents = try await queries.documents(payload.documentReferences.map(\.id), for: principal)
        let sections = OperatorPayloadView.sections(payload, documents: documents, pairs: pairs)

        var names = ActorNames(accounts: req.accounts, principal: principal)
        var timeline = [TimelineEntry(at: WebDates.dateTime(request.createdAt), title: "Création", states: RequestState.draft.label,
                                      actor: await names.name(request.createdBy, role: .operatorUser), reason: nil)]
        for row in try await queries.history(of: request) {
            timeline.append(TimelineEntry(
                at: WebDates.dateTime(row.at), title: OperatorText.label(row.action),
                states: row.fromState == row.toState ? nil : "\(row.fromState.label) → \(row.toState.label)",
                actor: await names.name(row.actorID, role: row.actorRole), reason: row.reason))
        }

        let available = req.workflow.availableActions(principal, on: request)
        let actions = available.filter { [.submit, .resubmit, .consent, .withdraw].contains($0) }.map { actionForm(req, request: request, action: $0) }
        let editable = request.state.isEditableByOperator && principal.operatorID == request.operatorID
        var attestation: RequestContent.AttestationLink?
        if request.state == .approved, let issuer = req.edc.attestations {
            if let issued = try? await issuer.attestation(ofRequest: id, for: principal) {
                attestation = .init(number: issued.number, issuedAt: WebDates.dateTime(issued.issuedAt), href: "/espace/demandes/\(id)/attestation.pdf")
            }
        }
        let reasonTitle: String? = switch request.state {
        case .correctionRequested: "Correction demandée par l’ANS"
        case .rejected: "Motif du refus"
        default: nil
        }
        let title = "Demande n° \(request.number) — \(request.kind.label)"
        return try await req.page("espace/demande", title: errors.isEmpty ? title : "Erreur — " + title, heading: title, content: RequestContent(
            number: request.number, kind: request.kind.label, badge: WebText.badge(request.state), nextStep: OperatorText.nextStep(request, for: principal, drimbox: drimbox),
            drimbox: drimbox.map { "n° \($0.identifier)" }, drimboxHref: try visibleDRIMbox.map { "/espace/drimbox/\(try $0.requireID())" },
            createdAt: WebDates.dateTime(request.createdAt), submittedAt: request.submittedAt.map(WebDates.dateTime), updatedAt: WebDates.dateTime(request.updatedAt),
            reasonTitle: reasonTitle, reason: reasonTitle == nil ? nil : request.lastReason,
            sections: sections, timeline: timeline, actions: actions, hasActions: !actions.isEmpty,
            editHref: editable ? "/espace/demandes/\(id)/modifier" : nil, attestation: attestation,
            errors: errors, hasErrors: !errors.isEmpty),
            breadcrumbs: crumbs(("Demande n° \(request.number)", nil)), status: status)
    }

    /// The one-button form that fires `action` on `request` at the version shown.
    static func actionForm(_ req: Request, request: RequestModel, action: RequestAction) -> WebForm {
        let id = request.id?.uuidString ?? ""
        return WebForm(id: "action-\(action.rawValue)-\(request.number)", action: "/espace/demandes/\(id)/actions/\(action.rawValue)", csrf: req.csrfToken, sections: [
            FormSection(id: "action-\(action.rawValue)-\(request.number)-version", fields: [FormField("version", "", kind: "hidden", value: String(request.version))]),
        ], buttons: [FormButton(OperatorText.button(action), secondary: action == .withdraw)])
    }

    /// `POST /espace/demandes/{id}/actions/{submit|resubmit|withdraw|consent}` with the version shown.
    static func act(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("requestID")
        guard let action = req.parameters.get("action").flatMap(RequestAction.init(rawValue:)), [.submit, .resubmit, .withdraw, .consent].contains(action) else {
            throw Abort(.notFound)
        }
        let version = Int(try PostedForm(req)["version"])
        do {
            let request = try await req.workflow.perform(principal, requestID: id, action: action, reason: nil, expectedVersion: version)
            let flash = switch action {
            case .submit: "La demande n° \(request.number) est soumise à l’ANS."
            case .resubmit: "La demande n° \(request.number) est renvoyée à l’ANS."
            case .withdraw: "La demande n° \(request.number) est abandonnée."
            default: "Votre accord est enregistré pour la demande n° \(request.number)."
            }
            return req.seeOther("/espace/demandes/\(id)", flash: flash)
        } catch {
            let problems = try FormProblems(error)
            let conflict = (error as? WorkflowError)?.kind == .conflict && (error as? WorkflowError)?.code == "conflict"
            let messages = conflict
                ? ["Cette demande a été modifiée entre-temps (par l’ANS ou dans une autre fenêtre) : votre action n’a pas été faite. La page montre la demande telle qu’elle est maintenant ; vérifiez-la, puis recommencez si besoin."]
                : problems.general + problems.byField.sorted { $0.key < $1.key }.map(\.value)
            var all = messages
            if !conflict, action == .submit || action == .resubmit, !problems.byField.isEmpty {
                all.append("Utilisez « Modifier la demande » pour corriger ces points, puis soumettez-la.")
            }
            return try await renderRequest(req, id: id, errors: all, status: conflict ? .conflict : .unprocessableEntity)
        }
    }

    // MARK: Downloads

    /// `GET /espace/demandes/{id}/attestation.pdf`: the attestation of delegation of an approved
    /// request (404 while there is none, and for anyone who may not see the request).
    static func attestation(_ req: Request) async throws -> Response {
        let issuer = try req.attestationIssuer
        let attestation = try await issuer.attestation(ofRequest: try req.uuid("requestID"), for: try req.principal)
        return .attachment(try await issuer.pdf(of: attestation), type: "application/pdf", filename: "attestation-\(attestation.number).pdf")
    }

    /// `GET /espace/documents/{id}`: a document of the operator's, decrypted (audited).
    static func document(_ req: Request) async throws -> Response {
        let (document, content) = try await req.edc.vault.download(try req.uuid("documentID"), for: try req.principal, in: req.edc.store)
        let asciiName = document.filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0.value >= 0x20 ? String($0) : "_" }.joined()
        let response = Response.attachment(Array(content), type: document.mediaType, filename: asciiName)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    // MARK: DRIMbox page

    struct DRIMboxContent: Encodable {
        struct PairRow: Encodable {
            var index: Int
            var db: String
            var vi: String
            var source: String
            var viewer: String
            var dn: String?
        }

        struct Exclusion: Encodable {
            var reason: String
            var at: String?
            var detail: String?
        }

        struct AttestationRow: Encodable {
            var number: String
            var issuedAt: String
            var href: String
        }

        struct NewRequest: Encodable {
            var label: String
            var href: String
        }

        var identifier: Int
        var badge: WebText.Badge
        var onWhitelist: Bool
        var vaDue: String?
        var vaLeft: String?
        var exclusion: Exclusion?
        var clients: [String]
        var pairs: [PairRow]
        var timeline: [TimelineEntry]
        var attestations: [AttestationRow]
        var hasAttestations: Bool
        var requests: [RequestRow]
        var hasRequests: Bool
        var newRequests: [NewRequest]
        var hasNewRequests: Bool
    }

    /// `GET /espace/drimbox/{id}`
    static func drimboxPage(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let registry = RegistryQueries(database: req.db)
        let drimbox = try await registry.drimbox(try req.uuid("drimboxID"), for: principal)
        let id = try drimbox.requireID()
        let now = req.edc.settings.clock()
        let pairs = try await registry.pairs(of: drimbox).map {
            DRIMboxContent.PairRow(index: $0.pacsIndex, db: $0.dbFQDN, vi: $0.viewerFQDN, source: $0.sourceHostname, viewer: $0.viewerHostname, dn: $0.certificateDN)
        }
        var names = ActorNames(accounts: req.accounts, principal: principal)
        var history: [TimelineEntry] = []
        for row in try await registry.history(of: drimbox, for: principal) {
            history.append(TimelineEntry(
                at: WebDates.dateTime(row.at), title: OperatorText.label(row.event),
                states: row.fromState.map { "\($0.label) → \(row.toState.label)" } ?? row.toState.label,
                actor: await names.name(row.actorID, role: row.actorRole), reason: OperatorText.reason(row.reason)))
        }
        let attestations = try await registry.attestations(of: drimbox, for: principal).map {
            DRIMboxContent.AttestationRow(number: $0.number, issuedAt: WebDates.dateTime($0.issuedAt), href: "/espace/demandes/\($0.requestID)/attestation.pdf")
        }
        var exclusion: DRIMboxContent.Exclusion?
        if drimbox.state == .excluded, let reason = drimbox.exclusionReason {
            // An exclusion from before the operator's tenure: the reason stays, ANS's detail does not (as in the API).
            let tenure = try await registry.tenureStart(of: drimbox, for: principal)
            let hideDetail = tenure != nil && (drimbox.excludedAt.map { $0 < tenure! } ?? false)
            exclusion = .init(reason: reason.label, at: drimbox.excludedAt.map(WebDates.dateTime), detail: hideDetail ? nil : drimbox.exclusionDetail)
        }
        let requests = try await requestRows(try await RequestQueries(database: req.db).requests(about: drimbox, for: principal), for: principal, on: req)
        let newRequests = RegistryQueries.kinds(eligibleFor: drimbox).map {
            DRIMboxContent.NewRequest(label: "Déposer une demande : \($0.label.lowercased())", href: "/espace/demandes/nouvelle/\(OperatorText.slug($0))?drimbox=\(id)")
        }
        let clients = (try? JSONText.decode([String].self, from: drimbox.clients)) ?? []
        let title = "DRIMbox n° \(drimbox.identifier)"
        return try await req.page("espace/drimbox", title: title, content: DRIMboxContent(
            identifier: drimbox.identifier, badge: WebText.badge(drimbox.state), onWhitelist: drimbox.state.isTrusted,
            vaDue: drimbox.vaDueAt.map(WebDates.date), vaLeft: drimbox.vaDueAt.map { OperatorText.daysLeft(until: $0, now: now) },
            exclusion: exclusion, clients: clients, pairs: pairs, timeline: history,
            attestations: attestations, hasAttestations: !attestations.isEmpty, requests: requests, hasRequests: !requests.isEmpty,
            newRequests: newRequests, hasNewRequests: !newRequests.isEmpty),
            breadcrumbs: crumbs((title, nil)))
    }
}
