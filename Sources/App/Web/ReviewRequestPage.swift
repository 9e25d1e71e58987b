import Accounts
import Attestations
import EDCDomain
import Foundation
import Persistence
import Vapor

/// `/ans/demandes/{id}`: everything the operator sent, its documents, the timeline, the
/// assignment, and the review actions the workflow allows now.
enum ReviewRequestPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("demandes", ":requestID", use: page)
        routes.post("demandes", ":requestID", "decision", use: decide)
        routes.get("demandes", ":requestID", "documents", ":documentID", use: document)
        routes.get("demandes", ":requestID", "attestation.pdf", use: attestation)
    }

    /// The review actions of the page: `startReview` has its own form, the others share the
    /// decision form and its reason.
    static let decisionActions: [RequestAction] = [.approve, .requestCorrection, .reject]

    static func buttonLabel(_ action: RequestAction) -> String {
        switch action {
        case .startReview: "Prendre en instruction"
        case .approve: "Accepter la demande"
        case .requestCorrection: "Demander une correction"
        case .reject: "Refuser la demande"
        default: action.label
        }
    }

    /// What a refused post puts back on the page.
    struct Problems {
        var decision = FormProblems()
        /// The reason as typed.
        var reason = ""
        var assignment: String?
        var conflict = false
    }

    struct Content: Encodable {
        typealias TimelineEntry = WebText.TimelineEntry

        struct Summary: Encodable {
            var label: String
            var text: String
            var href: String?
        }

        struct AttestationLink: Encodable {
            var number: String
            var href: String
        }

        var number: Int
        var badge: WebText.Badge
        var summary: [Summary]
        var reasonTitle: String?
        var reason: String?
        var exclusion: String?
        var errors: [String]
        var hasErrors: Bool
        var startReviewForm: WebForm?
        var decisionForm: WebForm?
        var noActionText: String?
        var assignForm: ReviewPages.AssignForm?
        var sections: [ReviewPayloadView.Section]
        var attestation: AttestationLink?
        var timeline: [TimelineEntry]
    }

    /// `GET /ans/demandes/{id}`
    static func page(_ req: Request) async throws -> Response {
        try await render(req, id: try req.uuid("requestID"), problems: Problems(), status: .ok)
    }

    static func render(_ req: Request, id: UUID, problems: Problems, status: HTTPStatus) async throws -> Response {
        let principal = try req.principal
        let queries = RequestQueries(database: req.db)
        let request = try await queries.find(id, for: principal)
        let payload = try RequestPayload.decode(kind: request.kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        let drimbox = try await queries.drimboxes(of: [request]).values.first
        var pairs: [FQDNPairModel] = []
        if let drimbox { pairs = try await RegistryQueries(database: req.db).pairs(of: drimbox) }
        let documents = try await queries.documents(payload.documentReferences.map(\.id), for: principal)
        let owner = try await req.accounts.operatorRecord(request.operatorID)
        var counterpart: OperatorModel?
        if let counterpartID = request.counterpartOperatorID { counterpart = try await req.accounts.operatorRecord(counterpartID) }
        let history = try await queries.history(of: request)
        let assignments = try await AuditLog.search(AuditLog.Search(action: AuditAction.requestAssigned.rawValue, entityType: .request, entityID: String(request.number)),
                                                    for: principal, before: nil, limit: 100, on: req.db).items
        let agents = try await req.accounts.ansUsers()
        var ids = Set(history.compactMap(\.actorID) + assignments.compactMap(\.actorID))
        if let creator = request.createdBy { ids.insert(creator) }
        for entry in assignments { if let to = Self.assignedTo(entry) { ids.insert(to) } }
        let people = try await PeopleDirectory.load(ids, accounts: req.accounts)
        let now = req.edc.settings.clock()

        // Summary
        var summary: [Content.Summary] = [
            .init(label: "Type", text: request.kind.label),
            .init(label: "Opérateur", text: "\(owner.legalName) (SIREN \(owner.siren))", href: ReviewLinks.url("/ans/drimbox", [("operateur", owner.id?.uuidString)])),
            .init(label: "Support de l’opérateur", text: "\(owner.supportEmail), \((try? FrenchPhoneNumber(owner.supportPhone))?.national ?? owner.supportPhone)"),
        ]
        if let drimbox {
            summary.append(.init(label: "DRIMbox", text: "DRIMbox n° \(drimbox.identifier) — \(drimbox.state.label)", href: ReviewLinks.drimbox(drimbox.id)))
        } else {
            summary.append(.init(label: "DRIMbox", text: "Nouvelle DRIMbox (identifiant et FQDN attribués à l’acceptation)"))
        }
        if let counterpart {
            summary.append(.init(label: "Opérateur repreneur", text: "\(counterpart.legalName) (SIREN \(counterpart.siren))"))
            summary.append(.init(label: "Accord du repreneur", text: request.consentedAt.map { "Donné le \(WebDates.dateTime($0))" } ?? "Pas encore donné"))
        }
        summary.append(.init(label: "Créée le", text: WebDates.dateTime(request.createdAt)))
        if let submitted = request.submittedAt {
            let age = ReviewText.ageInDays(since: submitted, now: now)
            let ago = age == 0 ? "aujourd’hui" : "il y a \(age) jour\(age > 1 ? "s" : "")"
            summary.append(.init(label: "Déposée le", text: "\(WebDates.dateTime(submitted)) (\(ago))"))
        }
        summary.append(.init(label: "Dernière mise à jour", text: "\(WebDates.dateTime(request.updatedAt)) (version \(request.version))"))
        summary.append(.init(label: "Agent attribué", text: request.assignedReviewerID.map { people.name($0, role: .reviewer) } ?? "Personne"))

        // Actions the workflow allows now.
        let available = req.workflow.availableActions(principal, on: request)
        var startReviewForm: WebForm?
        if available.contains(.startReview) {
            startReviewForm = WebForm(id: "instruction", action: "/ans/demandes/\(id)/decision", csrf: req.csrfToken, sections: [
                FormSection(id: "instruction-version", fields: [FormField("version", "", kind: "hidden", value: String(request.version))]),
            ], buttons: [FormButton(buttonLabel(.startReview), name: "action", value: RequestAction.startReview.rawValue)])
        }
        var decisionForm: WebForm?
        let decisions = decisionActions.filter(available.contains)
        if !decisions.isEmpty {
            var form = WebForm(id: "decision", action: "/ans/demandes/\(id)/decision", csrf: req.csrfToken, sections: [
                FormSection(id: "decision-champs", fields: [
                    FormField("version", "", kind: "hidden", value: String(request.version)),
                    FormField("reason", "Motif ou commentaire", kind: "textarea", value: problems.reason,
                              hint: "Obligatoire pour refuser la demande ou demander une correction : il est envoyé à l’opérateur. Facultatif pour accepter.", rows: 5),
                ]),
            ], buttons: decisions.map { FormButton(buttonLabel($0), name: "action", value: $0.rawValue, secondary: $0 != .approve) })
            form.apply(problems.decision)
            decisionForm = form
        }
        let noActionText: String? = startReviewForm == nil && decisionForm == nil
            ? "Aucune action d’instruction n’est possible sur une demande à l’état « \(request.state.label) »." : nil
        // Problems of the decision form when it is not shown any more (the request moved on).
        var errors: [String] = []
        if decisionForm == nil, !problems.decision.isEmpty { errors = problems.decision.general + problems.decision.byField.sorted { $0.key < $1.key }.map(\.value) }
        if problems.conflict {
            errors.insert("Cette demande a été modifiée entre-temps (par l’opérateur ou un autre agent) : votre action n’a pas été faite. La page montre la demande telle qu’elle est maintenant ; vérifiez-la, puis recommencez si besoin.", at: 0)
        }

        // Timeline: creation, transitions and assignments, oldest first.
        var timeline: [(Date, Content.TimelineEntry)] = [(request.createdAt, .init(
            at: WebDates.dateTime(request.createdAt), title: "Création", states: RequestState.draft.label,
            actor: people.name(request.createdBy, role: .operatorUser), reason: nil))]
        for row in history {
            timeline.append((row.at, .init(
                at: WebDates.dateTime(row.at), title: ReviewText.label(row.action),
                states: row.fromState == row.toState ? nil : "\(row.fromState.label) → \(row.toState.label)",
                actor: people.name(row.actorID, role: row.actorRole), reason: row.reason)))
        }
        for entry in assignments {
            let to = Self.assignedTo(entry)
            timeline.append((entry.at, .init(
                at: WebDates.dateTime(entry.at), title: to.map { "Attribuée à \(people.name($0, role: .reviewer))" } ?? "Attribution retirée",
                states: nil, actor: people.name(entry.actorID, role: Role(rawValue: entry.actorRole) ?? .reviewer), reason: nil)))
        }
        timeline.sort { $0.0 < $1.0 }

        var attestation: Content.AttestationLink?
        if request.state == .approved, let issuer = req.edc.attestations, let issued = try? await issuer.attestation(ofRequest: id, for: principal) {
            attestation = .init(number: issued.number, href: "/ans/demandes/\(id)/attestation.pdf")
        }
        let reasonTitle: String? = switch request.state {
        case .correctionRequested: "Correction demandée à l’opérateur"
        case .rejected: "Motif du refus"
        case .approved: request.lastReason == nil ? nil : "Commentaire de l’acceptation"
        default: nil
        }
        var exclusion: String?
        if let drimbox, drimbox.state == .excluded, let reason = drimbox.exclusionReason {
            exclusion = "La DRIMbox n° \(drimbox.identifier) est exclue : \(reason.label)" + (drimbox.exclusionDetail.map { " — \($0)" } ?? "")
                + (reason.reintegrationRequiresNewCGI ? ". Sa réintégration demande de nouvelles conditions générales d’intégration signées." : ".")
        }

        let title = "Demande n° \(request.number) — \(request.kind.label)"
        let refused = status != .ok
        return try await req.page("ans/demande", title: refused ? "Erreur — " + title : title, heading: title, content: Content(
            number: request.number, badge: WebText.badge(request.state), summary: summary,
            reasonTitle: reasonTitle, reason: reasonTitle == nil ? nil : request.lastReason, exclusion: exclusion,
            errors: errors, hasErrors: !errors.isEmpty,
            startReviewForm: startReviewForm, decisionForm: decisionForm, noActionText: noActionText,
            assignForm: ReviewPages.assignForm(req, request: request, agents: agents, returnTo: ReviewLinks.request(id), error: problems.assignment, compact: false),
            sections: ReviewPayloadView.sections(payload, requestID: id, documents: documents, pairs: pairs),
            attestation: attestation, timeline: timeline.map(\.1)),
            breadcrumbs: req.ansCrumbs(("Demande n° \(request.number)", nil)), status: status)
    }

    /// The user a `request.assigned` entry assigned the request to (nil: no one).
    static func assignedTo(_ entry: AuditEntryModel) -> UUID? {
        (try? JSONText.decode([String: String].self, from: entry.data))?["to"].flatMap(UUID.init(uuidString:))
    }

    /// `POST /ans/demandes/{id}/decision`: `action` is startReview, approve, requestCorrection or
    /// reject; `reason` (required by the workflow to reject or ask for a correction); `version`,
    /// the version shown (409 when the request changed since).
    static func decide(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("requestID")
        let posted = try PostedForm(req)
        guard let action = posted.button.flatMap(RequestAction.init(rawValue:)), action == .startReview || decisionActions.contains(action) else {
            throw Abort(.badRequest, reason: "Action inconnue.")
        }
        do {
            let request = try await req.workflow.perform(principal, requestID: id, action: action, reason: posted.text("reason"), expectedVersion: Int(posted["version"]))
            let flash = switch action {
            case .startReview: "La demande n° \(request.number) est prise en instruction."
            case .approve: "La demande n° \(request.number) est acceptée."
            case .requestCorrection: "Une correction de la demande n° \(request.number) est demandée à l’opérateur."
            default: "La demande n° \(request.number) est refusée."
            }
            return req.seeOther("/ans/demandes/\(id)", flash: flash)
        } catch {
            var problems = try FormProblems(error)
            let workflowError = error as? WorkflowError
            if let workflowError, workflowError.code == "request.reason_required" {
                // The workflow's reason rule, next to the reason field.
                problems.general.removeAll { $0 == workflowError.userMessage }
                problems.add("reason", workflowError.userMessage)
            }
            let conflict = workflowError?.kind == .conflict && workflowError?.code == "conflict"
            if conflict { problems.general.removeAll { $0 == workflowError?.userMessage } }
            return try await render(req, id: id, problems: Problems(decision: problems, reason: posted["reason"], conflict: conflict),
                                    status: conflict ? .conflict : .unprocessableEntity)
        }
    }

    /// `GET /ans/demandes/{id}/documents/{documentID}`: a document the request names, decrypted
    /// (the download is audited by the vault); 404 for any other document.
    static func document(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let request = try await RequestQueries(database: req.db).find(try req.uuid("requestID"), for: principal)
        let documentID = try req.uuid("documentID")
        let payload = try RequestPayload.decode(kind: request.kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        guard payload.documentReferences.contains(where: { $0.id == documentID }) else { throw NotFoundError(entity: "document", id: documentID.uuidString) }
        let (document, content) = try await req.edc.vault.download(documentID, for: principal, in: req.edc.store)
        let asciiName = document.filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0.value >= 0x20 ? String($0) : "_" }.joined()
        let response = Response.attachment(Array(content), type: document.mediaType, filename: asciiName)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// `GET /ans/demandes/{id}/attestation.pdf`: the attestation of delegation an approved request issued.
    static func attestation(_ req: Request) async throws -> Response {
        let issuer = try req.attestationIssuer
        let attestation = try await issuer.attestation(ofRequest: try req.uuid("requestID"), for: try req.principal)
        return .attachment(try await issuer.pdf(of: attestation), type: "application/pdf", filename: "attestation-\(attestation.number).pdf")
    }
}
