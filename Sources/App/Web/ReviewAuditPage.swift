import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// `/ans/audit`: the hash-chained audit log, searched by action, object, actor and period, newest
/// first, 50 per page, with the chain's verification (`AuditLog.verify`) said in words.
enum ReviewAuditPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("audit", use: page)
    }

    struct Content: Encodable {
        struct Row: Encodable {
            var seq: Int
            var at: String
            var actor: String
            var action: String
            var actionLabel: String?
            var entity: String
            var entityHref: String?
            var data: [String]
            var hasData: Bool
        }

        struct Verification: Encodable {
            var intact: Bool
            var title: String
            var text: String
        }

        /// The chain's verification, when asked for (`?verifier=oui`): it reads the whole log.
        var verification: Verification?
        var verifyHref: String
        var filters: FilterForm
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        var pagination: Pagination?
    }

    static func entityLabel(_ entity: AuditEntity) -> String {
        switch entity {
        case .attestation: "Attestation"
        case .document: "Document"
        case .drimbox: "DRIMbox"
        case .operator: "Opérateur"
        case .request: "Demande"
        case .user: "Utilisateur"
        case .whitelist: "Liste blanche"
        case .outboxEvent: "Message sortant"
        }
    }

    /// Families of actions, by the prefix of their code.
    static let families: [(prefix: String, label: String)] = [
        ("request.", "Demandes"), ("drimbox.", "Registre des DRIMbox"), ("attestation.", "Attestations"), ("operator.", "Opérateurs"),
        ("document.", "Documents"), ("user.", "Comptes"), ("auth.", "Connexions"), ("token.", "Jetons d’API"), ("whitelist.", "Liste blanche"),
        ("outbox.", "Messages sortants"),
    ]

    static func actionLabel(_ action: String) -> String? {
        if action.hasPrefix("request."), let requestAction = RequestAction(rawValue: String(action.dropFirst("request.".count))) { return ReviewText.label(requestAction) }
        if action.hasPrefix("drimbox."), let event = DRIMboxEvent(rawValue: String(action.dropFirst("drimbox.".count))) { return ReviewText.label(event) }
        return switch action {
        case AuditAction.requestCreate.rawValue: "Création de demande"
        case AuditAction.requestUpdate.rawValue: "Modification de demande"
        case AuditAction.requestAssigned.rawValue: "Attribution de demande"
        case AuditAction.requestExport.rawValue: "Export de demande"
        case AuditAction.signIn.rawValue: "Connexion"
        case AuditAction.signInFailed.rawValue: "Connexion refusée"
        case AuditAction.accountLocked.rawValue: "Connexion bloquée"
        case AuditAction.signOut.rawValue: "Déconnexion"
        case AuditAction.userCreate.rawValue: "Création de compte"
        case AuditAction.userInvite.rawValue: "Invitation"
        case AuditAction.userDisable.rawValue: "Compte désactivé"
        case AuditAction.userEnable.rawValue: "Compte réactivé"
        case AuditAction.userUnlock.rawValue: "Compte débloqué"
        case AuditAction.userTOTPDisabled.rawValue: "Vérification en deux étapes retirée"
        case AuditAction.documentUpload.rawValue: "Dépôt de document"
        case AuditAction.documentDownload.rawValue: "Téléchargement de document"
        case AuditAction.whitelistPublish.rawValue: "Publication de la liste blanche"
        case AuditAction.attestationIssue.rawValue: "Émission d’attestation"
        case AuditAction.drimboxVAReminder.rawValue: "Rappel d’échéance de VA"
        default: nil
        }
    }

    /// The verification's outcome in words (the log's own problem texts are for developers).
    static func verification(_ result: AuditLog.Verification) -> Content.Verification {
        guard let broken = result.brokenAt else {
            return Content.Verification(intact: true, title: "Journal intègre", text: "La chaîne d’empreintes du journal est vérifiée de bout en bout : \(result.entries) entrées, aucune modifiée, supprimée ni ajoutée après coup.")
        }
        let problem = result.problem ?? ""
        let what = if problem.contains("is missing") {
            "l’entrée n° \(broken) manque"
        } else if problem.contains("does not follow") {
            "l’entrée n° \(broken) ne suit pas la précédente"
        } else if problem.contains("modified") {
            "l’entrée n° \(broken) a été modifiée"
        } else if problem.contains("head is missing") {
            "la tête de la chaîne manque"
        } else {
            "des entrées ont été supprimées après la n° \(broken - 1)"
        }
        return Content.Verification(intact: false, title: "Journal altéré", text: "La vérification de la chaîne d’empreintes échoue : \(what). Les entrées affichées ne sont plus garanties ; prévenez l’équipe de sécurité.")
    }

    /// `GET /ans/audit`: `action` (a code, or a family ending with a dot), `objet` and `identifiant`,
    /// `acteur` (an e-mail address), `role`, `du` and `au` (dates, Paris time, both included), `avant` (cursor).
    static func page(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let action = req.filterValue("action")
        let entity = req.filterValue("objet")
        let entityID = req.filterValue("identifiant")
        let actor = req.filterValue("acteur")
        let role = req.filterValue("role")
        let from = req.filterValue("du")
        let to = req.filterValue("au")
        var search = AuditLog.Search(action: action, entityID: entityID)
        search.entityType = entity.flatMap(AuditEntity.init(rawValue:))
        search.actorRole = role.flatMap(Role.init(rawValue:))
        var form = FilterForm(id: "recherche-audit", action: "/ans/audit", legend: "Rechercher dans le journal", fields: [
            .input("action", "Action", value: action ?? "", hint: "Un code (request.approve) ou une famille terminée par un point (request.)."),
            .select("objet", "Objet", choices: [("", "Tous les objets")] + AuditEntity.allCases.map { ($0.rawValue, entityLabel($0)) }, selected: entity ?? ""),
            .input("identifiant", "Identifiant de l’objet", value: entityID ?? "", hint: "Numéro de demande, identifiant de DRIMbox, SIREN d’opérateur…"),
            .input("acteur", "Acteur", kind: "email", value: actor ?? "", hint: "Adresse électronique du compte."),
            .select("role", "Rôle de l’acteur", choices: [("", "Tous les rôles")] + Role.allCases.map { ($0.rawValue, $0.labelFR) }, selected: role ?? ""),
            // A date as typed that is not one stays in a text field (a date field may not hold it).
            .input("du", "Du", kind: from.map { parisDay($0) == nil ? "text" : "date" } ?? "date", value: from ?? "", hint: "Format attendu : AAAA-MM-JJ."),
            .input("au", "Au (inclus)", kind: to.map { parisDay($0) == nil ? "text" : "date" } ?? "date", value: to ?? "", hint: "Format attendu : AAAA-MM-JJ."),
        ], resetHref: "/ans/audit")
        if let action, action.utf8.count > 100 || !action.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._".contains($0)) }) {
            form.flag("action", "Une action s’écrit en lettres, chiffres, points et soulignés, par exemple request.approve.")
        }
        if entity != nil, search.entityType == nil { form.flag("objet", "Objet inconnu.") }
        if role != nil, search.actorRole == nil { form.flag("role", "Rôle inconnu.") }
        if let actor {
            if let user = try await req.accounts.user(email: actor) { search.actorID = user.id } else { form.flag("acteur", "Aucun compte ne porte cette adresse.") }
        }
        if let from {
            if let day = parisDay(from) { search.from = day } else { form.flag("du", "Indiquez une date au format AAAA-MM-JJ.") }
        }
        if let to {
            if let day = parisDay(to) { search.to = ReviewText.parisCalendar.date(byAdding: .day, value: 1, to: day) } else { form.flag("au", "Indiquez une date au format AAAA-MM-JJ.") }
        }
        if let start = search.from, let end = search.to, end <= start { form.flag("au", "La date de fin précède la date de début.") }

        // Walking the whole chain grows with the log: done when asked, not on every page.
        let verification = req.query[String.self, at: "verifier"] == "oui" ? verification(try await AuditLog.verify(on: req.db)) : nil
        var rows: [Content.Row] = []
        var pagination: Pagination?
        let cursor = req.cursorValue("avant")
        if !form.hasErrors {
            let page = try await AuditLog.search(search, for: principal, before: cursor, limit: ReviewPages.pageSize, on: req.db)
            let people = try await PeopleDirectory.load(page.items.compactMap(\.actorID), accounts: req.accounts)
            rows = page.items.map { entry in
                let type = AuditEntity(rawValue: entry.entityType)
                let data = ((try? JSONText.decode([String: String].self, from: entry.data)) ?? [:]).sorted { $0.key < $1.key }.map { key, value in
                    "\(key) : \(value.count > 200 ? String(value.prefix(200)) + "…" : value)"
                }
                return Content.Row(
                    seq: entry.seq, at: DateText.paris(entry.at, "d MMMM yyyy 'à' HH'h'mm:ss"),
                    actor: people.name(entry.actorID, role: Role(rawValue: entry.actorRole) ?? .system), action: entry.action.rawValue,
                    actionLabel: actionLabel(entry.action.rawValue),
                    entity: "\(type.map(entityLabel) ?? entry.entityType) \(entry.entityID)",
                    entityHref: type == .drimbox ? ReviewLinks.url("/ans/drimbox", [("identifiant", entry.entityID)]) : nil,
                    data: data, hasData: !data.isEmpty)
            }
            pagination = Pagination.make(label: "Pages du journal", path: "/ans/audit",
                                         query: [("action", action), ("objet", entity), ("identifiant", entityID), ("acteur", actor), ("role", role), ("du", from), ("au", to)],
                                         cursorName: "avant", current: cursor.map(String.init), next: page.nextCursor)
        }
        return try await req.page("ans/audit", title: "Journal d’audit", content: Content(
            verification: verification, verifyHref: ReviewLinks.url("/ans/audit", [("verifier", "oui")]) + "#verification-audit", filters: form, caption: "Entrées du journal d’audit, les plus récentes d’abord" + (cursor == nil ? "" : " (suite)"),
            rows: rows, hasRows: !rows.isEmpty, pagination: pagination),
            breadcrumbs: req.ansCrumbs(("Journal d’audit", nil)), status: form.hasErrors ? .unprocessableEntity : .ok)
    }

    /// Midnight, Paris time, of a `yyyy-MM-dd` day.
    static func parisDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-").map { Int($0) }
        guard text.utf8.count == 10, parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2], (2000...2200).contains(year),
              let date = ReviewText.parisCalendar.date(from: DateComponents(year: year, month: month, day: day)),
              ReviewText.parisCalendar.dateComponents([.year, .month, .day], from: date) == DateComponents(year: year, month: month, day: day)
        else { return nil }
        return date
    }
}
