import Documents
import EDCDomain
import Foundation
import Persistence
import Vapor

/// The request forms of the operator portal: choosing the kind (and the DRIMbox, among those the
/// state machine allows), then one form per kind, to save as a draft or submit; a draft or a
/// request under correction is edited with the same form. The forms only read what is typed:
/// every rule is the workflow's (`createRequest`, `updateRequest`), whose French messages land
/// next to their fields.
enum OperatorRequestForms {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("demandes", "nouvelle", use: choose)
        routes.get("demandes", "nouvelle", ":type", use: newForm)
        routes.on(.POST, "demandes", "nouvelle", ":type", body: .collect(maxSize: "25mb"), use: create)
        routes.get("demandes", ":requestID", "modifier", use: editForm)
        routes.on(.POST, "demandes", ":requestID", "modifier", body: .collect(maxSize: "25mb"), use: update)
    }

    // MARK: Choosing the kind

    struct ChoiceContent: Encodable {
        struct Kind: Encodable {
            var slug: String
            var label: String
            var purpose: String
            var needsDRIMbox: Bool
            var href: String?
            var options: [Option]
            var hasOptions: Bool
        }

        struct Option: Encodable {
            var value: String
            var label: String
        }

        var kinds: [Kind]
    }

    /// `GET /espace/demandes/nouvelle`: each kind, with the operator's DRIMboxes that the state
    /// machine allows it for.
    static func choose(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let registry = RegistryQueries(database: req.db)
        var kinds: [ChoiceContent.Kind] = []
        for kind in RequestKind.allCases {
            let slug = OperatorText.slug(kind)
            if !kind.targetsExistingDRIMbox {
                kinds.append(.init(slug: slug, label: kind.label, purpose: OperatorText.purpose(kind), needsDRIMbox: false,
                                   href: "/espace/demandes/nouvelle/\(slug)", options: [], hasOptions: false))
                continue
            }
            let options = try await registry.drimboxes(for: principal, eligibleFor: kind).map {
                ChoiceContent.Option(value: try $0.requireID().uuidString, label: "DRIMbox n° \($0.identifier) — \($0.state.label)")
            }
            kinds.append(.init(slug: slug, label: kind.label, purpose: OperatorText.purpose(kind), needsDRIMbox: true, href: nil, options: options, hasOptions: !options.isEmpty))
        }
        return try await req.page("espace/nouvelle-demande", title: "Nouvelle demande", content: ChoiceContent(kinds: kinds),
                                  breadcrumbs: OperatorPages.crumbs(("Nouvelle demande", nil)))
    }

    // MARK: The forms

    /// What a form needs besides the typed values: the DRIMbox and its pairs, the operator's
    /// registry data, the request being edited.
    struct Context {
        var kind: RequestKind
        var drimbox: DRIMboxModel?
        var pairs: [FQDNPairModel]
        var organisation: OperatorModel?
        var editing: RequestModel?
        var action: String
        var principal: Principal
        var now: Date

        var drimboxID: UUID? { drimbox?.id }
    }

    static func context(_ req: Request, kind: RequestKind, drimboxID: UUID?, editing: RequestModel?) async throws -> Context {
        let principal = try req.principal
        var drimbox: DRIMboxModel?
        var pairs: [FQDNPairModel] = []
        if kind.targetsExistingDRIMbox, let drimboxID {
            let registry = RegistryQueries(database: req.db)
            drimbox = try await registry.drimbox(drimboxID, for: principal)
            pairs = try await registry.pairs(of: drimbox!)
        }
        let action: String
        if let editing {
            action = "/espace/demandes/\(try editing.requireID())/modifier"
        } else {
            action = "/espace/demandes/nouvelle/\(OperatorText.slug(kind))" + (drimboxID.map { "?drimbox=\($0)" } ?? "")
        }
        return Context(kind: kind, drimbox: drimbox, pairs: pairs, organisation: try await req.accounts.organisation(of: try req.currentUser.user),
                       editing: editing, action: action, principal: principal, now: req.edc.settings.clock())
    }

    /// `GET /espace/demandes/nouvelle/{type}?drimbox={id}`
    static func newForm(_ req: Request) async throws -> Response {
        let (kind, drimboxID) = try kindAndDRIMbox(req)
        guard !kind.targetsExistingDRIMbox || drimboxID != nil else { return req.seeOther("/espace/demandes/nouvelle") }
        let context = try await context(req, kind: kind, drimboxID: drimboxID, editing: nil)
        return try await render(req, context: context, values: RequestFormKind.defaults(context), problems: FormProblems(), notes: [:], status: .ok)
    }

    /// `GET /espace/demandes/{id}/modifier`: a draft or a request under correction, by its operator.
    static func editForm(_ req: Request) async throws -> Response {
        let request = try await RequestQueries(database: req.db).find(try req.uuid("requestID"), for: try req.principal)
        try checkEditable(request, principal: try req.principal)
        let context = try await context(req, kind: request.kind, drimboxID: request.drimboxID, editing: request)
        let payload = try RequestPayload.decode(kind: request.kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        var values = RequestFormKind.values(of: payload, context: context)
        values["version"] = String(request.version)
        return try await render(req, context: context, values: values, problems: FormProblems(), notes: [:], status: .ok)
    }

    static func checkEditable(_ request: RequestModel, principal: Principal) throws {
        guard principal.operatorID == request.operatorID else { throw NotFoundError(entity: "request", id: request.id?.uuidString ?? "") }
        guard request.state.isEditableByOperator else {
            throw Abort(.conflict, reason: "La demande n° \(request.number) est à l’état « \(request.state.label) » : elle ne peut plus être modifiée.")
        }
    }

    static func kindAndDRIMbox(_ req: Request) throws -> (RequestKind, UUID?) {
        guard let kind = req.parameters.get("type").flatMap(OperatorText.kind(slug:)) else { throw Abort(.notFound) }
        guard let text = req.query[String.self, at: "drimbox"], !text.isEmpty else { return (kind, nil) }
        guard kind.targetsExistingDRIMbox, text.utf8.count == 36, let id = UUID(uuidString: text) else { throw Abort(.notFound) }
        return (kind, id)
    }

    /// `POST /espace/demandes/nouvelle/{type}?drimbox={id}`
    static func create(_ req: Request) async throws -> Response {
        let (kind, drimboxID) = try kindAndDRIMbox(req)
        guard !kind.targetsExistingDRIMbox || drimboxID != nil else { throw Abort(.notFound) }
        let context = try await context(req, kind: kind, drimboxID: drimboxID, editing: nil)
        return try await post(req, context: context)
    }

    /// `POST /espace/demandes/{id}/modifier` with the version shown.
    static func update(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let request = try await RequestQueries(database: req.db).find(try req.uuid("requestID"), for: principal)
        guard principal.operatorID == request.operatorID else { throw NotFoundError(entity: "request", id: request.id?.uuidString ?? "") }
        let context = try await context(req, kind: request.kind, drimboxID: request.drimboxID, editing: request)
        return try await post(req, context: context)
    }

    /// One post of a form: a button that re-arranges the form (add or remove a PACS, read the
    /// pasted certificates) shows it again; "brouillon" and "soumettre" file or update the request.
    static func post(_ req: Request, context: Context) async throws -> Response {
        var values = try PostedForm(req).values
        let button = values["action"] ?? "brouillon"
        values.removeValue(forKey: "action")
        values.removeValue(forKey: CSRFProtection.field)
        var problems = FormProblems()
        var notes: [String: String] = [:]

        // Documents: a file chosen now is stored only once the rest of the form is acceptable.
        let uploads = RequestFormKind.documentFields(context.kind).compactMap { field in
            readUpload(req, field: field, problems: &problems)
        }
        // Pasted CSRs or certificates fill their DN fields.
        await readCertificates(req, context: context, values: &values, problems: &problems, notes: &notes)

        if RequestFormKind.rearrange(&values, button: button, kind: context.kind) || button == "lire-certificats" {
            for upload in uploads where problems.byField[upload.field] == nil {
                problems.add(upload.field, "Le fichier choisi n’est pas encore envoyé : choisissez-le de nouveau avant d’enregistrer.")
            }
            return try await render(req, context: context, values: values, problems: problems, notes: notes, status: problems.isEmpty ? .ok : .unprocessableEntity)
        }
        guard button == "brouillon" || button == "soumettre" else { throw Abort(.badRequest, reason: "Action inconnue.") }
        let submit = button == "soumettre"

        // Everything typed, read as the domain's values; a new file stands in as a placeholder.
        let kept = try await keptDocuments(req, values: &values, context: context)
        var documentIDs = kept
        for upload in uploads { documentIDs[upload.field] = UUID() }
        let payload = RequestFormKind.payload(values, documents: documentIDs, context: context, problems: &problems)
        if let payload, problems.isEmpty {
            for problem in payload.problems() { problems.add(problem, fieldNames: RequestFormKind.fieldNames(values: values, context: context)) }
        }
        guard problems.isEmpty, payload != nil else {
            for upload in uploads where problems.byField[upload.field] == nil {
                problems.add(upload.field, "Le fichier choisi n’a pas été enregistré, le formulaire ayant des erreurs : choisissez-le de nouveau.")
            }
            return try await render(req, context: context, values: values, problems: problems, notes: notes, status: .unprocessableEntity)
        }

        do {
            for upload in uploads {
                let stored = try await req.edc.vault.store(upload.bytes.readableBytesView, kind: upload.kind, filename: upload.filename, mediaType: upload.mediaType,
                                                           by: context.principal, quota: req.edc.settings.documentQuota, in: req.edc.store)
                documentIDs[upload.field] = try stored.requireID()
                values[upload.field + "ID"] = try stored.requireID().uuidString
            }
            var ignored = FormProblems()
            guard let final = RequestFormKind.payload(values, documents: documentIDs, context: context, problems: &ignored) else { throw Abort(.internalServerError) }
            if let editing = context.editing {
                let editingID = try editing.requireID()
                let then: RequestAction? = submit ? req.workflow.availableActions(context.principal, on: editing).first { $0 == .submit || $0 == .resubmit } : nil
                if submit && then == nil {
                    throw WorkflowError.guardFailed("request.not_submittable", "Cette demande ne peut pas être soumise dans son état actuel.", "no submit or resubmit for request \(editing.number)")
                }
                let updated = try await req.workflow.updateRequest(context.principal, requestID: editingID, payload: final, expectedVersion: Int(values["version"] ?? ""), then: then)
                let flash = switch then {
                case .submit: "La demande n° \(updated.number) est soumise à l’ANS."
                case .resubmit: "La demande n° \(updated.number) est renvoyée à l’ANS."
                default: "Les modifications de la demande n° \(updated.number) sont enregistrées."
                }
                return req.seeOther("/espace/demandes/\(editingID)", flash: flash)
            }
            let created = try await req.workflow.createRequest(context.principal, kind: context.kind, drimboxID: context.drimboxID, payload: final, submit: submit)
            return req.seeOther("/espace/demandes/\(try created.requireID())", flash: submit
                ? "La demande n° \(created.number) est soumise à l’ANS."
                : "La demande n° \(created.number) est enregistrée comme brouillon. Soumettez-la quand elle est complète.")
        } catch {
            var refused = try FormProblems(error, fieldNames: RequestFormKind.fieldNames(values: values, context: context))
            var status = HTTPStatus.unprocessableEntity
            if let workflow = error as? WorkflowError, workflow.kind == .conflict, workflow.code == "conflict" {
                status = .conflict
                refused = FormProblems()
                refused.general = ["Cette demande a été modifiée entre-temps (par l’ANS ou dans une autre fenêtre) : vos modifications ne sont pas enregistrées. Ouvrez de nouveau la demande pour partir de sa version actuelle ; vos saisies restent affichées ci-dessous pour les recopier."]
            }
            return try await render(req, context: context, values: values, problems: refused, notes: notes, status: status)
        }
    }

    // MARK: Documents

    struct Upload {
        var field: String
        var kind: DocumentKind
        var filename: Filename
        var mediaType: String
        var bytes: ByteBuffer
    }

    /// The file of `field`, judged by its content as the API does; nil when none was chosen.
    static func readUpload(_ req: Request, field: String, problems: inout FormProblems) -> Upload? {
        guard req.headers.contentType?.type == "multipart", let file = try? req.content.get(File.self, at: field) else { return nil }
        if file.filename.isEmpty && file.data.readableBytes == 0 { return nil }
        guard file.data.readableBytes > 0 else {
            problems.add(field, "Le fichier choisi est vide.")
            return nil
        }
        guard file.data.readableBytes <= req.edc.settings.maxDocumentSize else {
            problems.add(field, "Le fichier dépasse \(req.edc.settings.maxDocumentSize / 1_048_576) Mo.")
            return nil
        }
        guard let filename = problems.parse(field, { try Filename(file.filename) }) else { return nil }
        let mediaType = file.contentType.map { "\($0.type)/\($0.subType)" } ?? ""
        guard DocumentContent.mediaTypes.contains(mediaType) else {
            problems.add(field, "Seuls les fichiers PDF, PNG et JPEG sont acceptés.")
            return nil
        }
        if DocumentContent.problem(file.data.readableBytesView, mediaType: mediaType) != nil {
            problems.add(field, "Le fichier n’est pas un \(OperatorText.format(mediaType)) valide : il est incomplet, endommagé ou d’un autre type que son nom l’indique.")
            return nil
        }
        return Upload(field: field, kind: RequestFormKind.documentKind(field), filename: filename, mediaType: mediaType, bytes: file.data)
    }

    /// Documents sent earlier (hidden `…ID` fields) that the operator may still use; others are dropped.
    static func keptDocuments(_ req: Request, values: inout [String: String], context: Context) async throws -> [String: UUID] {
        var kept: [String: UUID] = [:]
        for field in RequestFormKind.documentFields(context.kind) {
            guard let text = values[field + "ID"], let id = UUID(uuidString: text) else { values.removeValue(forKey: field + "ID"); continue }
            if try await RequestQueries(database: req.db).documents([id], for: context.principal).isEmpty {
                values.removeValue(forKey: field + "ID")
            } else {
                kept[field] = id
            }
        }
        return kept
    }

    // MARK: Certificates

    /// Each pasted CSR or certificate checked for its pair's `db` FQDN by `CertificateSubmission`:
    /// its DN fills the DN field (the paste is then cleared), or its French refusal shows by it.
    static func readCertificates(_ req: Request, context: Context, values: inout [String: String], problems: inout FormProblems, notes: inout [String: String]) async {
        guard let prefix = RequestFormKind.certificatePrefix(context.kind) else { return }
        for (index, pair) in context.pairs.enumerated() {
            let pemField = "\(prefix)-\(index)-pem"
            guard let pem = values[pemField], !pem.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            do {
                let fqdn = try FQDN(pair.dbFQDN)
                let submission = try await req.application.inspectCertificate(pem: pem, dbFQDN: fqdn)
                values["\(prefix)-\(index)-dn"] = submission.dn.value
                values[pemField] = ""
                var note = submission.kind == .csr
                    ? "DN lu dans la demande de certificat (CSR) collée."
                    : "DN lu dans le certificat collé" + (submission.notAfter.map { ", valable jusqu’au \(WebDates.date($0))." } ?? ".")
                for warning in submission.warnings { note += " Attention : \(warning.message)" }
                notes["\(prefix)-\(index)-dn"] = note
            } catch let error as ValidationError {
                problems.add(pemField, error.userMessage)
            } catch {
                problems.add(pemField, "Ce texte n’a pas pu être lu comme une demande de certificat ou un certificat.")
            }
        }
    }

    // MARK: Rendering

    struct FormContent: Encodable {
        var intro: [String]
        var hasIntro: Bool
        var form: WebForm
    }

    static func render(_ req: Request, context: Context, values: [String: String], problems: FormProblems, notes: [String: String], status: HTTPStatus) async throws -> Response {
        var documents: [String: DocumentModel] = [:]
        for field in RequestFormKind.documentFields(context.kind) {
            if let id = values[field + "ID"].flatMap(UUID.init(uuidString:)),
               let document = try await RequestQueries(database: req.db).documents([id], for: context.principal).first {
                documents[field] = document
            }
        }
        var sections = RequestFormKind.sections(values: values, context: context, documents: documents)
        for s in sections.indices {
            for f in sections[s].fields.indices {
                if let note = notes[sections[s].fields[f].name] {
                    sections[s].fields[f].hint = note
                }
            }
        }
        if let version = values["version"], context.editing != nil {
            sections.append(FormSection(id: "version", fields: [FormField("version", "", kind: "hidden", value: version)]))
        }
        let submitLabel = "Soumettre"
        let draftLabel = context.editing?.state == .correctionRequested ? "Enregistrer sans renvoyer" : "Enregistrer le brouillon"
        var buttons = [FormButton(draftLabel, name: "action", value: "brouillon", secondary: true), FormButton(submitLabel, name: "action", value: "soumettre")]
        if RequestFormKind.certificatePrefix(context.kind) != nil {
            buttons.insert(FormButton("Lire les certificats collés", name: "action", value: "lire-certificats", secondary: true), at: 0)
        }
        var form = WebForm(id: "demande-\(OperatorText.slug(context.kind))", action: context.action, csrf: req.csrfToken,
                           multipart: !RequestFormKind.documentFields(context.kind).isEmpty, sections: sections, buttons: buttons)
        form.defaultButton = FormButton(draftLabel, name: "action", value: "brouillon")
        form.apply(problems)

        let subject = context.drimbox.map { " — DRIMbox n° \($0.identifier)" } ?? ""
        let title: String
        let crumbs: [Layout.Crumb]
        if let editing = context.editing {
            title = "Demande n° \(editing.number) — modifier (\(context.kind.label.lowercased()))"
            crumbs = OperatorPages.crumbs(("Demande n° \(editing.number)", "/espace/demandes/\(try editing.requireID())"), ("Modifier", nil))
        } else {
            title = "Nouvelle demande — \(context.kind.label)\(subject)"
            crumbs = OperatorPages.crumbs(("Nouvelle demande", "/espace/demandes/nouvelle"), (context.kind.label, nil))
        }
        let intro = RequestFormKind.intro(context)
        return try await req.page("espace/formulaire-demande", title: problems.isEmpty ? title : "Erreur — " + title, heading: title,
                                  content: FormContent(intro: intro, hasIntro: !intro.isEmpty, form: form), breadcrumbs: crumbs, status: status)
    }
}
