import Accounts
import EDCDomain
import Foundation
import Notifications
import Persistence
import Vapor

/// `/ans/utilisateurs` (ANS administrators only; reviewers get 404): every account, creating ANS
/// agents and operator users (each chooses a password through an invitation link), disabling
/// and enabling, lifting a sign-in lock-out, removing a second factor.
enum ReviewUserPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("utilisateurs", use: list)
        routes.post("utilisateurs", use: create)
        routes.post("utilisateurs", ":userID", ":operation", use: operate)
    }

    struct Content: Encodable {
        struct Row: Encodable {
            var id: String
            var name: String
            var email: String
            var role: String
            var organisation: String?
            var badges: [WebText.Badge]
            var forms: [WebForm]
            var hasForms: Bool
        }

        var errors: [String]
        var hasErrors: Bool
        var createForm: WebForm
        var caption: String
        var rows: [Row]
        var pagination: Pagination?
    }

    /// The operations of a user's row: path segment, button, flash.
    enum Operation: String, CaseIterable {
        case disable = "desactivation"
        case enable = "activation"
        case unlock = "deverrouillage"
        case resetSecondFactor = "second-facteur"

        /// The button, naming whose account it acts on.
        func button(_ name: String) -> String {
            switch self {
            case .disable: "Désactiver le compte de \(name)"
            case .enable: "Réactiver le compte de \(name)"
            case .unlock: "Débloquer la connexion de \(name)"
            case .resetSecondFactor: "Retirer la vérification en deux étapes de \(name)"
            }
        }

        func done(_ name: String) -> String {
            switch self {
            case .disable: "Le compte de \(name) est désactivé : ses sessions et jetons ne fonctionnent plus."
            case .enable: "Le compte de \(name) est réactivé."
            case .unlock: "La connexion de \(name) est débloquée."
            case .resetSecondFactor: "La vérification en deux étapes de \(name) est retirée : elle lui sera redemandée à la prochaine connexion si elle est obligatoire."
            }
        }
    }

    static let roleChoices: [(value: String, label: String)] = [
        ("", "Choisissez un rôle"), (Role.reviewer.rawValue, Role.reviewer.labelFR), (Role.administrator.rawValue, Role.administrator.labelFR),
        (Role.operatorUser.rawValue, Role.operatorUser.labelFR),
    ]

    static func createForm(_ req: Request, operators: [(id: UUID, name: String)], posted: PostedForm = PostedForm(values: [:]), problems: FormProblems = FormProblems()) -> WebForm {
        var form = WebForm(id: "creer-utilisateur", action: "/ans/utilisateurs", csrf: req.csrfToken, sections: [
            FormSection(id: "nouvel-utilisateur", legend: "Nouveau compte", hint: "La personne reçoit par courriel un lien, valable 7 jours, pour choisir son mot de passe.", fields: [
                FormField("email", "Adresse électronique", kind: "email", value: posted["email"], hint: "Format attendu : nom@domaine.fr", required: true, autocomplete: "off"),
                FormField("displayName", "Nom et prénom", value: posted["displayName"], required: true, autocomplete: "off"),
                .select("role", "Rôle", choices: roleChoices, selected: posted["role"], required: true),
                .select("operatorID", "Opérateur", choices: [("", "Aucun (agent de l’ANS)")] + operators.map { ($0.id.uuidString, $0.name) }, selected: posted["operatorID"],
                        hint: "Obligatoire pour un utilisateur opérateur, vide pour un agent de l’ANS."),
                FormField("operatorAdmin", "Administre les comptes de son opérateur", kind: "checkbox", hint: "Pour un utilisateur opérateur seulement.", checked: posted["operatorAdmin"] == "oui"),
            ]),
        ], buttons: [FormButton("Créer le compte et envoyer l’invitation")])
        form.apply(problems)
        return form
    }

    /// `GET /ans/utilisateurs[?page=N]`
    static func list(_ req: Request) async throws -> Response {
        try await render(req, createForm: nil, errors: [], status: .ok)
    }

    static func render(_ req: Request, createForm form: WebForm?, errors: [String], status: HTTPStatus) async throws -> Response {
        let principal = try req.principal
        let operators = try await RegistryQueries(database: req.db).operatorNames()
        let names = Dictionary(operators.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let all = try await req.accounts.users()
        let pageSize = ReviewPages.pageSize
        let pageCount = max(1, (all.count + pageSize - 1) / pageSize)
        let pageNumber = min(max(1, req.filterValue("page").flatMap { Int($0) } ?? 1), pageCount)
        let now = req.edc.settings.clock()
        let rows: [Content.Row] = all.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize).compactMap { account -> Content.Row? in
            guard let id = account.user.id else { return nil }
            let user = account.user
            let locked = account.signInFailures?.lockedUntil.map { $0 > now } ?? false
            let secondFactor = req.edc.secondFactor.isEnabled(user)
            var badges = [user.disabledAt == nil ? WebText.Badge(text: "Actif", kind: "fr-badge--success") : WebText.Badge(text: "Désactivé", kind: "fr-badge--error")]
            if locked { badges.append(WebText.Badge(text: "Connexion bloquée", kind: "fr-badge--warning")) }
            if user.totpLockedUntil.map({ $0 > now }) == true { badges.append(WebText.Badge(text: "Code à usage unique bloqué", kind: "fr-badge--warning")) }
            badges.append(secondFactor ? WebText.Badge(text: "Deux étapes activées", kind: "fr-badge--info") : WebText.Badge(text: "Deux étapes non activées", kind: ""))
            if user.operatorAdmin { badges.append(WebText.Badge(text: "Administrateur de l’opérateur", kind: "fr-badge--info")) }
            var operations: [Operation] = []
            if id != principal.userID { operations.append(user.disabledAt == nil ? .disable : .enable) }
            if account.signInFailures != nil { operations.append(.unlock) }
            if id != principal.userID, secondFactor || user.totpPendingSecret != nil { operations.append(.resetSecondFactor) }
            let forms = operations.map { operation in
                WebForm(id: "\(operation.rawValue)-\(id)", action: "/ans/utilisateurs/\(id)/\(operation.rawValue)", csrf: req.csrfToken, sections: [],
                        buttons: [FormButton(operation.button(user.displayName), secondary: true)])
            }
            return Content.Row(id: id.uuidString, name: user.displayName, email: user.email, role: user.role.labelFR,
                               organisation: user.operatorID.map { names[$0] ?? "Opérateur inconnu" }, badges: badges, forms: forms, hasForms: !forms.isEmpty)
        }
        return try await req.page("ans/utilisateurs", title: status == .ok ? "Utilisateurs et rôles" : "Erreur — Utilisateurs et rôles", heading: "Utilisateurs et rôles", content: Content(
            errors: errors, hasErrors: !errors.isEmpty, createForm: form ?? createForm(req, operators: operators),
            caption: "Comptes d’EDC, par adresse électronique" + (pageCount > 1 ? " (page \(pageNumber) sur \(pageCount))" : ""), rows: rows,
            pagination: pageCount > 1 ? Pagination(label: "Pages des comptes", firstHref: pageNumber > 1 ? "/ans/utilisateurs" : nil,
                                                   nextHref: pageNumber < pageCount ? "/ans/utilisateurs?page=\(pageNumber + 1)" : nil) : nil),
            breadcrumbs: req.ansCrumbs(("Utilisateurs", nil)), status: status)
    }

    /// `POST /ans/utilisateurs`: creates the account and e-mails its invitation link.
    static func create(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let posted = try PostedForm(req)
        let operators = try await RegistryQueries(database: req.db).operatorNames()
        var problems = FormProblems()
        let email = problems.parse("email") { try EmailAddress(posted["email"].trimmingCharacters(in: .whitespaces)) }
        let name = problems.parse("displayName") { () throws -> Name in
            guard let name = try Name.validated(posted["displayName"], field: "displayName"), !name.value.isEmpty else {
                throw ValidationError(code: "user.name", field: "displayName", userMessage: "Indiquez le nom et le prénom.", technicalDetail: "empty display name")
            }
            return name
        }
        let role = Role(rawValue: posted["role"]).flatMap { $0 == .system ? nil : $0 }
        if role == nil { problems.add("role", "Choisissez le rôle du compte.") }
        let operatorID = posted.text("operatorID").flatMap(UUID.init(uuidString:))
        if role == .operatorUser, operatorID == nil { problems.add("operatorID", "Choisissez l’opérateur pour lequel l’utilisateur agira.") }
        if let role, role.isANS, posted.text("operatorID") != nil { problems.add("operatorID", "Un agent de l’ANS n’est rattaché à aucun opérateur.") }
        if let role, role.isANS, posted["operatorAdmin"] == "oui" { problems.add("operatorAdmin", "Seul un utilisateur opérateur peut administrer les comptes de son opérateur.") }

        if problems.isEmpty, let email, let name, let role {
            do {
                let invited: (user: UserModel, resetToken: String, expiresAt: Date)
                let organisation: String?
                if role.isANS {
                    invited = try await req.accounts.inviteANSUser(by: principal, email: email, displayName: name, role: role)
                    organisation = nil
                } else {
                    invited = try await req.accounts.inviteOperatorUser(by: principal, operatorID: operatorID, email: email, displayName: name, operatorAdmin: posted["operatorAdmin"] == "oui")
                    organisation = operators.first { $0.id == operatorID }?.name
                }
                let sent = await sendInvitation(req, to: invited.user, organisation: organisation, token: invited.resetToken, expiresAt: invited.expiresAt)
                return req.seeOther("/ans/utilisateurs", flash: "Le compte de \(invited.user.displayName) (\(invited.user.email)) est créé. "
                    + (sent ? "Son invitation lui est envoyée par courriel." : "L’envoi de l’invitation a échoué : renvoyez-la depuis l’espace de l’opérateur ou recréez le compte."))
            } catch {
                problems = try FormProblems(error)
            }
        }
        return try await render(req, createForm: createForm(req, operators: operators, posted: posted, problems: problems), errors: [], status: .unprocessableEntity)
    }

    /// The invitation e-mail, sent at once (the link expires); false when it could not be sent.
    static func sendInvitation(_ req: Request, to user: UserModel, organisation: String?, token: String, expiresAt: Date) async -> Bool {
        let link = req.edc.settings.resolvedPublicBaseURL + "/nouveau-mot-de-passe?jeton=" + token
        do {
            let mail = AccountMail(from: req.edc.settings.mail.from)
            let message = if let organisation {
                try mail.invitation(to: user.email, name: user.displayName, operatorName: organisation, link: link, expiresAt: expiresAt, date: req.edc.settings.clock())
            } else {
                try mail.ansInvitation(to: user.email, name: user.displayName, roleLabel: user.role.labelFR, link: link, expiresAt: expiresAt, date: req.edc.settings.clock())
            }
            try await req.edc.mailTransport?.send(message)
            return true
        } catch {
            req.logger.error("invitation mail not sent", metadata: ["error": .string(String(describing: error))])
            return false
        }
    }

    /// `POST /ans/utilisateurs/{id}/{desactivation|activation|deverrouillage|second-facteur}`
    static func operate(_ req: Request) async throws -> Response {
        let principal = try req.principal
        let id = try req.uuid("userID")
        guard let operation = req.parameters.get("operation").flatMap(Operation.init(rawValue:)) else { throw Abort(.notFound) }
        let user = try await req.accounts.user(id)
        do {
            switch operation {
            case .disable: _ = try await req.accounts.setDisabled(true, userID: id, by: principal)
            case .enable: _ = try await req.accounts.setDisabled(false, userID: id, by: principal)
            case .unlock: try await req.accounts.unlock(userID: id, by: AuditActor(userID: principal.userID, role: principal.role))
            case .resetSecondFactor: try await req.edc.secondFactor.disable(userID: id, by: principal)
            }
        } catch {
            let problems = try FormProblems(error)
            return try await render(req, createForm: nil, errors: problems.general + problems.byField.sorted { $0.key < $1.key }.map(\.value), status: .unprocessableEntity)
        }
        return req.seeOther("/ans/utilisateurs", flash: operation.done(user.displayName))
    }
}
