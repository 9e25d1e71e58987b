import EDCDomain
import Foundation
import Persistence
import Vapor

/// The fields of each kind's form: their names (flat, no brackets: `pacs-0-sourceHostname`),
/// how they are laid out, how the typed values become the kind's payload (parsed by the domain's
/// value types) and how the workflow's field paths map back to them.
///
/// Field names by kind:
/// - declaration: `clients` (one SIREN a line), `pacsCount`, `pacs-{i}-sourceHostname`,
///   `pacs-{i}-viewerHostname`, `cgiDocument` (file; `cgiDocumentID` once sent), `comment`;
/// - integration: `operatorName`, `supportPhone`, `supportEmail`, and for the i-th FQDN pair
///   `certificates-{i}-dn` and `certificates-{i}-pem` (a pasted CSR or certificate);
/// - vaDocument: `vaDocument` (file; `vaDocumentID`), `comment`;
/// - reintegration: `statement`, `cgiDocument` (`cgiDocumentID`), `certificates-{i}-dn|pem`;
/// - modification: `supportPhone`, `supportEmail`, `responsibleContact`, for the i-th pair
///   `pairs-{i}-sourceHostname|viewerHostname|dn|pem`, new PACS `addPACSCount`,
///   `addPACS-{j}-sourceHostname|viewerHostname`;
/// - withdrawal: `reason`; operatorChange: `targetOperatorSIREN`.
/// Buttons post `action`: `brouillon`, `soumettre`, `lire-certificats`, `ajouter-pacs`, `retirer-pacs-{i}`.
enum RequestFormKind {
    typealias Context = OperatorRequestForms.Context

    static func documentFields(_ kind: RequestKind) -> [String] {
        switch kind {
        case .declaration, .reintegration: ["cgiDocument"]
        case .vaDocument: ["vaDocument"]
        default: []
        }
    }

    static func documentKind(_ field: String) -> DocumentKind { field == "vaDocument" ? .vaReport : .cgi }

    /// The prefix of the per-pair DN and PEM fields, for the kinds that take certificates.
    static func certificatePrefix(_ kind: RequestKind) -> String? {
        switch kind {
        case .integration, .reintegration: "certificates"
        case .modification: "pairs"
        default: nil
        }
    }

    /// The repeated PACS groups of a kind: field prefix, count field, least number.
    static func repeatedPACS(_ kind: RequestKind) -> (prefix: String, count: String, minimum: Int)? {
        switch kind {
        case .declaration: ("pacs", "pacsCount", 1)
        case .modification: ("addPACS", "addPACSCount", 0)
        default: nil
        }
    }

    static func count(_ values: [String: String], _ field: String, minimum: Int) -> Int {
        min(max(Int(values[field] ?? "") ?? minimum, minimum), DeclarationPayload.maximumPACS)
    }

    static func national(_ phone: String) -> String { (try? FrenchPhoneNumber(phone))?.national ?? phone }

    // MARK: Values

    static func defaults(_ context: Context) -> [String: String] {
        var values: [String: String] = [:]
        switch context.kind {
        case .declaration:
            values["pacsCount"] = "1"
        case .integration:
            if let organisation = context.organisation {
                values["operatorName"] = organisation.legalName
                values["supportPhone"] = national(organisation.supportPhone)
                values["supportEmail"] = organisation.supportEmail
            }
            for (index, pair) in context.pairs.enumerated() { values["certificates-\(index)-dn"] = pair.certificateDN ?? "" }
        case .modification:
            if let organisation = context.organisation {
                values["supportPhone"] = national(organisation.supportPhone)
                values["supportEmail"] = organisation.supportEmail
                values["responsibleContact"] = organisation.responsibleContact ?? ""
            }
            for (index, pair) in context.pairs.enumerated() {
                values["pairs-\(index)-sourceHostname"] = pair.sourceHostname
                values["pairs-\(index)-viewerHostname"] = pair.viewerHostname
                values["pairs-\(index)-dn"] = pair.certificateDN ?? ""
            }
            values["addPACSCount"] = "0"
        case .vaDocument, .reintegration, .withdrawal, .operatorChange:
            break
        }
        return values
    }

    /// The form's values for a stored payload (editing a draft or a request under correction).
    static func values(of payload: RequestPayload, context: Context) -> [String: String] {
        let pairIndex = Dictionary(uniqueKeysWithValues: context.pairs.enumerated().map { ($0.element.dbFQDN, $0.offset) })
        var values = defaults(context)
        switch payload {
        case .declaration(let declaration):
            values["clients"] = declaration.clients.map(\.value).joined(separator: "\n")
            values["pacsCount"] = String(declaration.pacs.count)
            for (index, pacs) in declaration.pacs.enumerated() {
                values["pacs-\(index)-sourceHostname"] = pacs.sourceHostname.value
                values["pacs-\(index)-viewerHostname"] = pacs.viewerHostname.value
            }
            values["cgiDocumentID"] = declaration.cgiDocumentID?.uuidString
            values["comment"] = declaration.comment?.value
        case .integration(let integration):
            values["operatorName"] = integration.operatorName.value
            values["supportPhone"] = integration.supportPhone.national
            values["supportEmail"] = integration.supportEmail.value
            for certificate in integration.certificates {
                if let index = pairIndex[certificate.dbFQDN.value] { values["certificates-\(index)-dn"] = certificate.dn.value }
            }
        case .vaDocument(let va):
            values["vaDocumentID"] = va.vaDocumentID.uuidString
            values["comment"] = va.comment?.value
        case .reintegration(let reintegration):
            values["statement"] = reintegration.statement.value
            values["cgiDocumentID"] = reintegration.cgiDocumentID?.uuidString
            for certificate in reintegration.certificates ?? [] {
                if let index = pairIndex[certificate.dbFQDN.value] { values["certificates-\(index)-dn"] = certificate.dn.value }
            }
        case .modification(let modification):
            if let phone = modification.supportPhone { values["supportPhone"] = phone.national }
            if let email = modification.supportEmail { values["supportEmail"] = email.value }
            if let contact = modification.responsibleContact { values["responsibleContact"] = contact.value }
            for change in modification.hostnameChanges ?? [] {
                guard let index = pairIndex[change.dbFQDN.value] else { continue }
                if let source = change.sourceHostname { values["pairs-\(index)-sourceHostname"] = source.value }
                if let viewer = change.viewerHostname { values["pairs-\(index)-viewerHostname"] = viewer.value }
            }
            for certificate in modification.certificates ?? [] {
                if let index = pairIndex[certificate.dbFQDN.value] { values["pairs-\(index)-dn"] = certificate.dn.value }
            }
            let added = modification.addPACS ?? []
            values["addPACSCount"] = String(added.count)
            for (index, pacs) in added.enumerated() {
                values["addPACS-\(index)-sourceHostname"] = pacs.sourceHostname.value
                values["addPACS-\(index)-viewerHostname"] = pacs.viewerHostname.value
            }
        case .withdrawal(let withdrawal):
            values["reason"] = withdrawal.reason.value
        case .operatorChange(let change):
            values["targetOperatorSIREN"] = change.targetOperatorSIREN.value
        }
        return values
    }

    /// Adds or removes a repeated PACS group when `button` asks for it; whether it did.
    static func rearrange(_ values: inout [String: String], button: String, kind: RequestKind) -> Bool {
        guard let group = repeatedPACS(kind) else { return false }
        var count = count(values, group.count, minimum: group.minimum)
        let fields = ["sourceHostname", "viewerHostname"]
        if button == "ajouter-pacs" {
            count = min(count + 1, DeclarationPayload.maximumPACS)
        } else if button.hasPrefix("retirer-pacs-"), let removed = Int(button.dropFirst("retirer-pacs-".count)), removed >= 0, removed < count, count > group.minimum {
            for index in removed..<(count - 1) {
                for field in fields { values["\(group.prefix)-\(index)-\(field)"] = values["\(group.prefix)-\(index + 1)-\(field)"] }
            }
            for field in fields { values.removeValue(forKey: "\(group.prefix)-\(count - 1)-\(field)") }
            count -= 1
        } else {
            return false
        }
        values[group.count] = String(count)
        return true
    }

    // MARK: Payload

    static func text(_ values: [String: String], _ name: String) -> String? {
        let value = (values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// The pairs whose certificate DN the form sends: a DN typed for integration and
    /// re-integration, a DN that differs from the registry's for a modification.
    static func certificatePairs(_ values: [String: String], context: Context) -> [Int] {
        guard let prefix = certificatePrefix(context.kind) else { return [] }
        return context.pairs.indices.filter { index in
            guard let dn = text(values, "\(prefix)-\(index)-dn") else { return false }
            return context.kind != .modification || dn != context.pairs[index].certificateDN
        }
    }

    /// The pairs of a modification whose hostnames changed.
    static func changedHostPairs(_ values: [String: String], context: Context) -> [Int] {
        guard context.kind == .modification else { return [] }
        return context.pairs.indices.filter { index in
            let pair = context.pairs[index]
            // A value that is not a hostname (or empty) counts as changed, so that its error shows.
            func differs(_ field: String, _ current: String) -> Bool {
                guard let typed = values["pairs-\(index)-\(field)"] else { return false }
                return (try? Hostname(typed))?.value != current
            }
            return differs("sourceHostname", pair.sourceHostname) || differs("viewerHostname", pair.viewerHostname)
        }
    }

    /// The payload the typed values make, each value read by the domain's type; nil (with the
    /// problems recorded by field) when one cannot be read. `documents` gives the document of each
    /// file field (sent earlier, or a placeholder for one chosen now).
    static func payload(_ values: [String: String], documents: [String: UUID], context: Context, problems: inout FormProblems) -> RequestPayload? {
        let before = problems.byField.count + problems.general.count
        func parse<T>(_ field: String, _ make: (String) throws -> T) -> T? {
            problems.parse(field) { try make(values[field] ?? "") }
        }
        func optional<T>(_ field: String, _ make: (String) throws -> T) -> T? {
            guard let value = text(values, field) else { return nil }
            return problems.parse(field) { try make(value) }
        }
        func comment() -> FreeText? {
            optional("comment") { try FreeText($0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func certificates(_ prefix: String) -> [CertificateDNAssignment] {
            certificatePairs(values, context: context).compactMap { index in
                guard let dn = optional("\(prefix)-\(index)-dn", { try DistinguishedName($0) }),
                      let fqdn = try? FQDN(context.pairs[index].dbFQDN) else { return nil }
                return CertificateDNAssignment(dbFQDN: fqdn, dn: dn)
            }
        }
        func pacs(_ prefix: String, count: Int) -> [PACSHostnames] {
            (0..<count).compactMap { index in
                let source = parse("\(prefix)-\(index)-sourceHostname") { try Hostname($0) }
                let viewer = parse("\(prefix)-\(index)-viewerHostname") { try Hostname($0) }
                guard let source, let viewer else { return nil }
                return PACSHostnames(sourceHostname: source, viewerHostname: viewer)
            }
        }

        let payload: RequestPayload
        switch context.kind {
        case .declaration:
            var clients: [SIREN] = []
            for (index, line) in (values["clients"] ?? "").split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }).enumerated() where !line.isEmpty {
                do {
                    clients.append(try SIREN(line))
                } catch let error as ValidationError {
                    problems.add("clients", "Ligne \(index + 1) (« \(line.prefix(40)) ») : \(error.userMessage)")
                } catch {
                    problems.add("clients", "Ligne \(index + 1) : SIREN invalide.")
                }
            }
            let list = pacs("pacs", count: count(values, "pacsCount", minimum: 1))
            payload = .declaration(DeclarationPayload(clients: clients, pacs: list, cgiDocumentID: documents["cgiDocument"], comment: comment()))
        case .integration:
            let name = parse("operatorName") { try Name($0) }
            let phone = parse("supportPhone") { try FrenchPhoneNumber($0) }
            let email = parse("supportEmail") { try EmailAddress($0) }
            let list = certificates("certificates")
            guard let name, let phone, let email else { return nil }
            payload = .integration(IntegrationPayload(operatorName: name, supportPhone: phone, supportEmail: email, certificates: list))
        case .vaDocument:
            let note = comment()
            guard let document = documents["vaDocument"] else {
                if problems.byField["vaDocument"] == nil { problems.add("vaDocument", "Joignez le document de VA rempli et signé (PDF, PNG ou JPEG).") }
                return nil
            }
            payload = .vaDocument(VADocumentPayload(vaDocumentID: document, comment: note))
        case .reintegration:
            let statement = parse("statement") { try FreeText($0) }
            let list = certificates("certificates")
            guard let statement else { return nil }
            payload = .reintegration(ReintegrationPayload(statement: statement, cgiDocumentID: documents["cgiDocument"], certificates: list.isEmpty ? nil : list))
        case .modification:
            let organisation = context.organisation
            let phone = optional("supportPhone") { try FrenchPhoneNumber($0) }
            let email = optional("supportEmail") { try EmailAddress($0) }
            let contact = optional("responsibleContact") { try ContactLine($0) }
            var changes: [ModificationPayload.HostnameChange] = []
            for index in changedHostPairs(values, context: context) {
                let pair = context.pairs[index]
                let source = parse("pairs-\(index)-sourceHostname") { try Hostname($0) }
                let viewer = parse("pairs-\(index)-viewerHostname") { try Hostname($0) }
                guard let source, let viewer, let fqdn = try? FQDN(pair.dbFQDN) else { continue }
                changes.append(ModificationPayload.HostnameChange(
                    dbFQDN: fqdn, sourceHostname: source.value == pair.sourceHostname ? nil : source,
                    viewerHostname: viewer.value == pair.viewerHostname ? nil : viewer))
            }
            let added = pacs("addPACS", count: count(values, "addPACSCount", minimum: 0))
            let list = certificates("pairs")
            payload = .modification(ModificationPayload(
                supportPhone: phone.flatMap { $0.value == organisation.flatMap({ try? FrenchPhoneNumber($0.supportPhone).value }) ? nil : $0 },
                supportEmail: email.flatMap { $0.value == organisation?.supportEmail ? nil : $0 },
                responsibleContact: contact.flatMap { $0.value == organisation?.responsibleContact ? nil : $0 },
                hostnameChanges: changes.isEmpty ? nil : changes, addPACS: added.isEmpty ? nil : added, certificates: list.isEmpty ? nil : list))
        case .withdrawal:
            guard let reason = parse("reason", { try FreeText($0) }) else { return nil }
            payload = .withdrawal(WithdrawalPayload(reason: reason))
        case .operatorChange:
            guard let siren = parse("targetOperatorSIREN", { try SIREN($0.filter { !$0.isWhitespace }) }) else { return nil }
            payload = .operatorChange(OperatorChangePayload(targetOperatorSIREN: siren))
        }
        return problems.byField.count + problems.general.count == before ? payload : nil
    }

    /// The form field of a workflow field path (without `payload.`); nil puts it above the form.
    static func fieldNames(values: [String: String], context: Context) -> (String) -> String? {
        let certificateIndices = certificatePairs(values, context: context)
        let hostIndices = changedHostPairs(values, context: context)
        let dnPrefix = certificatePrefix(context.kind) ?? "certificates"
        return { (path: String) -> String? in
            switch path {
            case "cgiDocumentID": return "cgiDocument"
            case "vaDocumentID": return "vaDocument"
            case "drimboxID", "payload": return nil
            case "certificates": return dnPrefix
            case "addPACS": return "addPACS"
            default: break
            }
            // list[k].field → the field of the pair the k-th element was made from
            if let open = path.firstIndex(of: "["), let close = path.firstIndex(of: "]"), open < close,
               let k = Int(path[path.index(after: open)..<close]) {
                let list = String(path[..<open])
                let rest = path[path.index(after: close)...].drop { $0 == "." }
                let indices: [Int]? = switch list {
                case "certificates": certificateIndices
                case "hostnameChanges": hostIndices
                default: nil
                }
                if let indices, k < indices.count {
                    let field = rest == "dbFQDN" ? (list == "certificates" ? "dn" : "sourceHostname") : String(rest)
                    return "\(list == "certificates" ? dnPrefix : "pairs")-\(indices[k])-\(field)"
                }
            }
            return FormProblems.webName(path)
        }
    }

    // MARK: Layout

    static func intro(_ context: Context) -> [String] {
        var lines = [OperatorText.purpose(context.kind)]
        if let drimbox = context.drimbox {
            lines.append("DRIMbox n° \(drimbox.identifier) — état : \(drimbox.state.label).")
            if context.kind == .vaDocument, let due = drimbox.vaDueAt {
                lines.append("Échéance du document de VA : \(WebDates.date(due)) (\(OperatorText.daysLeft(until: due, now: context.now))).")
            }
            if context.kind == .reintegration, let reason = drimbox.exclusionReason {
                lines.append("Exclue" + (drimbox.excludedAt.map { " le \(WebDates.dateTime($0))" } ?? "") + " — motif : \(reason.label).")
            }
        }
        switch context.kind {
        case .withdrawal: lines.append("À l’acceptation du retrait, la DRIMbox quitte la liste blanche ; ses FQDN restent réservés et ne seront jamais réattribués.")
        case .operatorChange: lines.append("L’opérateur repreneur donne son accord depuis son propre espace ; l’ANS instruit ensuite la demande.")
        case .integration, .reintegration, .modification:
            lines.append("Pour chaque couple de FQDN, saisissez le DN du certificat IGC-Santé, ou collez la demande de certificat (CSR) ou le certificat au format PEM : le DN en est lu et vérifié (bouton « Lire les certificats collés », ou à l’enregistrement).")
        default: break
        }
        return lines
    }

    static func documentHint(_ base: String, _ document: DocumentModel?) -> String {
        guard let document else { return base }
        return base + " Déjà joint : \(document.filename) (\(OperatorText.size(document.size)), déposé le \(WebDates.dateTime(document.createdAt))) ; choisissez un autre fichier pour le remplacer."
    }

    static let fileHint = "PDF, PNG ou JPEG."

    static func sections(values: [String: String], context: Context, documents: [String: DocumentModel]) -> [FormSection] {
        func value(_ name: String) -> String { values[name] ?? "" }
        func hidden(_ name: String) -> FormField { FormField(name, "", kind: "hidden", value: value(name)) }
        func documentSection(_ field: String, legend: String, label: String, hint: String, required: Bool) -> FormSection {
            var fields = [FormField(field, label, kind: "file", hint: documentHint(hint, documents[field]), required: required && documents[field] == nil,
                                    accept: ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg")]
            if documents[field] != nil { fields.append(hidden(field + "ID")) }
            return FormSection(id: "section-\(field)", legend: legend, fields: fields)
        }
        func pacsSections(_ prefix: String, count: Int, minimum: Int, legend: (Int) -> String, errorKey: String) -> [FormSection] {
            var sections = (0..<count).map { index in
                var section = FormSection(id: "\(prefix)-\(index)", legend: legend(index), errorKey: index == 0 ? errorKey : nil, fields: [
                    FormField("\(prefix)-\(index)-sourceHostname", "Nom d’hôte du serveur source de la DRIMbox", value: value("\(prefix)-\(index)-sourceHostname"),
                              hint: "Le serveur de l’opérateur qui héberge la DRIMbox pour ce PACS, par exemple drimbox1.clinique.example.fr.", required: true, inputmode: "url"),
                    FormField("\(prefix)-\(index)-viewerHostname", "Nom d’hôte du serveur de la visionneuse", value: value("\(prefix)-\(index)-viewerHostname"),
                              hint: "Par exemple visionneuse1.clinique.example.fr.", required: true, inputmode: "url"),
                ])
                if count > minimum { section.buttons = [FormButton("Retirer le \(legend(index).replacingOccurrences(of: "Nouveau", with: "nouveau"))", name: "action", value: "retirer-pacs-\(index)", secondary: true)] }
                return section
            }
            var add = FormSection(id: "\(prefix)-ajout", errorKey: count == 0 ? errorKey : nil, fields: [hidden(prefix == "pacs" ? "pacsCount" : "addPACSCount")])
            add.fields[0].value = String(count)
            if count < DeclarationPayload.maximumPACS { add.buttons = [FormButton("Ajouter un PACS", name: "action", value: "ajouter-pacs", secondary: true)] }
            sections.append(add)
            return sections
        }
        func certificateSection(_ prefix: String, index: Int, pair: FQDNPairModel, required: Bool, extra: [FormField] = [], hint: String) -> FormSection {
            FormSection(id: "\(prefix)-\(index)", legend: "PACS \(pair.pacsIndex) — \(pair.dbFQDN)", hint: hint,
                        errorKey: index == 0 && prefix == "certificates" ? "certificates" : nil, fields: extra + [
                FormField("\(prefix)-\(index)-dn", "DN du certificat IGC-Santé de \(pair.dbFQDN)", value: value("\(prefix)-\(index)-dn"),
                          hint: "Par exemple CN=\(pair.dbFQDN),OU=318751275100020,O=Votre opérateur,ST=Paris (75),C=FR. Le CN doit être \(pair.dbFQDN).",
                          required: required),
                FormField("\(prefix)-\(index)-pem", "Ou collez la demande de certificat (CSR) ou le certificat de \(pair.dbFQDN) (PEM)", kind: "textarea",
                          value: value("\(prefix)-\(index)-pem"),
                          hint: "Le texte de « -----BEGIN CERTIFICATE REQUEST----- » (ou « -----BEGIN CERTIFICATE----- », suivi des certificats intermédiaires) jusqu’à la ligne « -----END … ----- ». Le DN en est lu et vérifié.",
                          rows: 5),
            ])
        }

        switch context.kind {
        case .declaration:
            let count = count(values, "pacsCount", minimum: 1)
            return [FormSection(id: "section-clients", legend: "Clients", fields: [
                FormField("clients", "SIREN des clients", kind: "textarea", value: value("clients"),
                          hint: "Les structures clientes de la commande : un SIREN (9 chiffres) par ligne.", required: true, rows: 4, inputmode: "numeric"),
            ])] + pacsSections("pacs", count: count, minimum: 1, legend: { "PACS \($0 + 1)" }, errorKey: "pacs") + [
                documentSection("cgiDocument", legend: "Conditions générales d’intégration", label: "CGI signées",
                                hint: fileHint + " Obligatoires pour soumettre la déclaration.", required: true),
                FormSection(id: "section-commentaire", fields: [
                    FormField("comment", "Commentaire (facultatif)", kind: "textarea", value: value("comment"), rows: 3),
                ]),
            ]
        case .integration:
            return [FormSection(id: "section-operateur", legend: "Opérateur et support", hint: "Publiés sur la liste blanche pour chaque couple de FQDN.", fields: [
                FormField("operatorName", "Nom de l’opérateur", value: value("operatorName"), required: true, autocomplete: "organization"),
                FormField("supportPhone", "Téléphone du support", kind: "tel", value: value("supportPhone"), hint: "Format attendu : 01 23 45 67 89 ou +33 1 23 45 67 89.", required: true, autocomplete: "tel"),
                FormField("supportEmail", "Adresse électronique du support", kind: "email", value: value("supportEmail"), hint: "Format attendu : nom@domaine.fr", required: true, autocomplete: "email"),
            ])] + context.pairs.enumerated().map { index, pair in
                certificateSection("certificates", index: index, pair: pair, required: true,
                                   hint: "FQDN de la visionneuse : \(pair.viewerFQDN). Certificat serveur IGC-Santé (SSL_SERV) dont le CN est \(pair.dbFQDN).")
            }
        case .vaDocument:
            return [
                documentSection("vaDocument", legend: "Document de vérification d’aptitude", label: "Document de VA rempli et signé", hint: fileHint, required: true),
                FormSection(id: "section-commentaire", fields: [FormField("comment", "Commentaire (facultatif)", kind: "textarea", value: value("comment"), rows: 3)]),
            ]
        case .reintegration:
            let cgiRequired = context.drimbox?.exclusionReason?.reintegrationRequiresNewCGI == true
            return [
                FormSection(id: "section-reintegration", fields: [
                    FormField("statement", "Motif de l’exclusion et mesures prises", kind: "textarea", value: value("statement"),
                              hint: "Décrivez ce qui a conduit à l’exclusion et ce qui a été fait pour y remédier.", required: true, rows: 6),
                ]),
                documentSection("cgiDocument", legend: "Conditions générales d’intégration", label: "Nouvelles CGI signées",
                                hint: fileHint + (cgiRequired
                                    ? " Obligatoires : la DRIMbox a été exclue pour un incident de cybersécurité ; les CGI doivent être signées et déposées après l’exclusion."
                                    : " Facultatives pour ce motif d’exclusion."), required: cgiRequired),
            ] + context.pairs.enumerated().map { index, pair in
                certificateSection("certificates", index: index, pair: pair, required: false,
                                   hint: "Seulement si les clés ont été compromises : le DN du nouveau certificat (laissez vide sinon).")
            }
        case .modification:
            var sections = [FormSection(id: "section-contacts", legend: "Contacts", hint: "Publiés sur la liste blanche. Laissez une valeur telle quelle pour la garder.", fields: [
                FormField("supportPhone", "Téléphone du support", kind: "tel", value: value("supportPhone"), hint: "Format attendu : 01 23 45 67 89.", autocomplete: "tel"),
                FormField("supportEmail", "Adresse électronique du support", kind: "email", value: value("supportEmail"), hint: "Format attendu : nom@domaine.fr", autocomplete: "email"),
                FormField("responsibleContact", "Responsable (nom et téléphone)", value: value("responsibleContact"), hint: "Par exemple : Alice Martin, 06 12 34 56 78."),
            ])]
            sections += context.pairs.enumerated().map { index, pair in
                certificateSection("pairs", index: index, pair: pair, required: false, extra: [
                    FormField("pairs-\(index)-sourceHostname", "Nom d’hôte du serveur source de la DRIMbox", value: value("pairs-\(index)-sourceHostname"), required: true, inputmode: "url"),
                    FormField("pairs-\(index)-viewerHostname", "Nom d’hôte du serveur de la visionneuse", value: value("pairs-\(index)-viewerHostname"), required: true, inputmode: "url"),
                ], hint: "FQDN de la visionneuse : \(pair.viewerFQDN). Changez un nom d’hôte, ou le DN lors d’un renouvellement de certificat.")
            }
            let added = count(values, "addPACSCount", minimum: 0)
            sections += pacsSections("addPACS", count: added, minimum: 0, legend: { "Nouveau PACS \($0 + 1)" }, errorKey: "addPACS")
            return sections
        case .withdrawal:
            return [FormSection(id: "section-retrait", fields: [
                FormField("reason", "Motif du retrait", kind: "textarea", value: value("reason"), hint: "Par exemple : fin du contrat avec le client, site fermé.", required: true, rows: 4),
            ])]
        case .operatorChange:
            return [FormSection(id: "section-repreneur", fields: [
                FormField("targetOperatorSIREN", "SIREN de l’opérateur repreneur", value: value("targetOperatorSIREN"), hint: "9 chiffres.", required: true, inputmode: "numeric"),
            ])]
        }
    }
}
