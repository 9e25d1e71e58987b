import Accounts
import EDCDomain
import Foundation
import Notifications
import Persistence
import Vapor

/// `/espace/utilisateurs`: an operator administrator manages its operator's users (invite by
/// e-mail, disable and enable, resend an invitation, name administrators), through `Accounts`,
/// which decides who may. Anyone else gets 404.
enum OperatorUserPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("utilisateurs", use: page)
        routes.post("utilisateurs", use: invite)
        routes.post("utilisateurs", ":userID", ":change", use: change)
    }

    struct UsersContent: Encodable {
        struct Row: Encodable {
            var name: String
            var email: String
            var role: String
            var badge: WebText.Badge
            var isSelf: Bool
            var forms: [WebForm]
            var hasForms: Bool
        }

        var operatorName: String?
        var rows: [Row]
        var inviteForm: WebForm
        var errors: [String]
        var hasErrors: Bool
    }

    /// The principal and its operator, when it manages its operator's accounts; 404 otherwise.
    static func manager(_ req: Request) async throws -> (Principal, UUID) {
        let principal = try req.principal
        guard let operatorID = principal.operatorID, try await req.accounts.managesAccounts(principal) else { throw Abort(.notFound) }
        return (principal, operatorID)
    }

    static func inviteForm(_ req: Request, values: [String: String] = [:], problems: FormProblems = FormProblems()) -> WebForm {
        var form = WebForm(id: "invitation", action: "/espace/utilisateurs", csrf: req.csrfToken, sections: [
            FormSection(id: "nouvel-utilisateur", fields: [
                FormField("displayName", "Nom", value: values["displayName"] ?? "", hint: "Prénom et nom de la personne.", required: true, autocomplete: "off"),
                FormField("email", "Adresse électronique", kind: "email", value: values["email"] ?? "", hint: "Format attendu : nom@domaine.fr. Le lien d’activation y est envoyé, valable 7 jours.", required: true, autocomplete: "off"),
                FormField("operatorAdmin", "Administrateur : peut inviter et désactiver les utilisateurs de l’opérateur", kind: "checkbox", checked: values["operatorAdmin"] == "oui"),
            ]),
        ], buttons: [FormButton("Inviter")])
        form.apply(problems)
        return form
    }

    /// `GET /espace/utilisateurs`
    static func page(_ req: Request) async throws -> Response {
        try await render(req, form: inviteForm(req), errors: [], status: .ok)
    }

    static func render(_ req: Request, form: WebForm, errors: [String], status: HTTPStatus) async throws -> Response {
        let (principal, operatorID) = try await manager(req)
        let users = try await req.accounts.operatorUsers(operatorID, by: principal)
        let rows = try users.map { user in
            let id = try user.requireID()
            let isSelf = id == principal.userID
            let enabled = user.disabledAt == nil
            var forms: [WebForm] = []
            func form(_ change: String, _ label: String, secondary: Bool = true) -> WebForm {
                WebForm(id: "utilisateur-\(id.uuidString)-\(change)", action: "/espace/utilisateurs/\(id.uuidString)/\(change)", csrf: req.csrfToken,
                        sections: [], buttons: [FormButton(label, secondary: secondary)])
            }
            if !isSelf {
                forms.append(enabled ? form("desactivation", "Désactiver le compte de \(user.displayName)") : form("activation", "Réactiver le compte de \(user.displayName)"))
                if enabled { forms.append(form("invitation", "Renvoyer une invitation à \(user.displayName)")) }
                forms.append(user.operatorAdmin ? form("retrait-administration", "Retirer l’administration à \(user.displayName)")
                                                : form("administration", "Nommer \(user.displayName) administrateur"))
            }
            return UsersContent.Row(
                name: user.displayName, email: user.email, role: user.operatorAdmin ? "Administrateur" : "Utilisateur",
                badge: enabled ? .init(text: "Actif", kind: "fr-badge--success") : .init(text: "Désactivé", kind: "fr-badge--error"),
                isSelf: isSelf, forms: forms, hasForms: !forms.isEmpty)
        }
        let organisation = try await req.accounts.organisation(of: try req.currentUser.user)
        return try await req.page("espace/utilisateurs", title: errors.isEmpty && !form.hasErrors ? "Utilisateurs" : "Erreur — Utilisateurs", heading: "Utilisateurs",
                                  content: UsersContent(operatorName: organisation?.legalName, rows: rows, inviteForm: form, errors: errors, hasErrors: !errors.isEmpty),
                                  breadcrumbs: OperatorPages.crumbs(("Utilisateurs", nil)), status: status)
    }

    /// `POST /espace/utilisateurs`: invites a user, who gets a link by e-mail to choose a password.
    static func invite(_ req: Request) async throws -> Response {
        let (principal, _) = try await manager(req)
        let posted = try PostedForm(req)
        var problems = FormProblems()
        let email = problems.parse("email") { try EmailAddress(posted["email"]) }
        let name = problems.parse("displayName") { try Name(posted["displayName"]) }
        if problems.isEmpty, let email, let name {
            do {
                let invited = try await req.accounts.inviteOperatorUser(by: principal, email: email, displayName: name, operatorAdmin: posted["operatorAdmin"] == "oui")
                let sent = await sendInvitation(req, user: invited.user, token: invited.resetToken, expiresAt: invited.expiresAt)
                return req.seeOther("/espace/utilisateurs", flash: sent
                    ? "Invitation envoyée à \(invited.user.email) : le lien d’activation est valable 7 jours."
                    : "Le compte de \(invited.user.email) est créé, mais l’e-mail d’invitation n’a pas pu partir : renvoyez l’invitation plus tard.")
            } catch {
                problems = try FormProblems(error)
            }
        }
        return try await render(req, form: inviteForm(req, values: posted.values, problems: problems), errors: [], status: .unprocessableEntity)
    }

    /// The invitation e-mail, sent now; whether it left.
    static func sendInvitation(_ req: Request, user: UserModel, token: String, expiresAt: Date) async -> Bool {
        do {
            let organisation = try await req.accounts.organisation(of: user)
            let link = req.edc.settings.resolvedPublicBaseURL + "/nouveau-mot-de-passe?jeton=" + token
            let message = try AccountMail(from: req.edc.settings.mail.from).invitation(
                to: user.email, name: user.displayName, operatorName: organisation?.legalName ?? "", link: link, expiresAt: expiresAt, date: req.edc.settings.clock())
            guard let transport = req.edc.mailTransport else { return false }
            try await transport.send(message)
            return true
        } catch {
            req.logger.error("invitation mail not sent", metadata: ["error": .string(String(describing: error))])
            return false
        }
    }

    /// `POST /espace/utilisateurs/{id}/{desactivation|activation|invitation|administration|retrait-administration}`
    static func change(_ req: Request) async throws -> Response {
        let (principal, _) = try await manager(req)
        let userID = try req.uuid("userID")
        do {
            let flash: String
            switch req.parameters.get("change") {
            case "desactivation":
                let user = try await req.accounts.setDisabled(true, userID: userID, by: principal)
                flash = "Le compte de \(user.email) est désactivé ; ses jetons d’API sont révoqués."
            case "activation":
                let user = try await req.accounts.setDisabled(false, userID: userID, by: principal)
                flash = "Le compte de \(user.email) est réactivé."
            case "invitation":
                let invited = try await req.accounts.resendInvitation(userID: userID, by: principal)
                let sent = await sendInvitation(req, user: invited.user, token: invited.resetToken, expiresAt: invited.expiresAt)
                flash = sent ? "Une nouvelle invitation est envoyée à \(invited.user.email) ; les liens précédents ne fonctionnent plus."
                             : "L’e-mail d’invitation à \(invited.user.email) n’a pas pu partir : réessayez plus tard."
            case "administration", "retrait-administration":
                let admin = req.parameters.get("change") == "administration"
                let user = try await req.accounts.setOperatorAdmin(admin, userID: userID, by: principal)
                flash = admin ? "\(user.displayName) est administrateur de l’opérateur." : "\(user.displayName) n’est plus administrateur de l’opérateur."
            default:
                throw Abort(.notFound)
            }
            return req.seeOther("/espace/utilisateurs", flash: flash)
        } catch {
            let problems = try FormProblems(error)
            return try await render(req, form: inviteForm(req), errors: problems.general + problems.byField.values.sorted(), status: .unprocessableEntity)
        }
    }
}
