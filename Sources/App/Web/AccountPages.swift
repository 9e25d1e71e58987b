import Accounts
import EDCDomain
import Foundation
import Notifications
import Persistence
import Vapor

/// Pages of one's own account: the second factor at sign-in, forgotten password, and `/compte`
/// (password, second factor, open sessions).
enum AccountPages {
    static func register(_ web: any RoutesBuilder) {
        web.get("connexion", "verification", use: secondFactorPage)
        web.post("connexion", "verification", use: secondFactor)
        web.get("mot-de-passe-oublie", use: forgottenPage)
        web.post("mot-de-passe-oublie", use: forgotten)
        web.get("nouveau-mot-de-passe", use: newPasswordPage)
        web.post("nouveau-mot-de-passe", use: newPassword)
    }

    static func registerSignedIn(_ web: any RoutesBuilder) {
        web.get("compte", use: accountPage)
        web.post("compte", "mot-de-passe", use: changePassword)
        web.post("compte", "second-facteur", use: secondFactorSettings)
        web.post("compte", "sessions", ":sessionID", "revocation", use: revokeSession)
    }

    struct FormPage: Encodable {
        var intro: String?
        var form: WebForm
    }

    // MARK: Second factor at sign-in

    /// `GET /connexion/verification`: the code of the authenticator application, or its enrolment
    /// when the account must have one and has none yet.
    static func secondFactorPage(_ req: Request) async throws -> Response {
        guard let current = req.webSession, current.session.secondFactorPending else { return req.seeOther("/connexion") }
        return try await secondFactorForm(req, current: current, problems: FormProblems(), status: .ok)
    }

    struct SecondFactorContent: Encodable {
        var intro: String?
        var enrolment: Bool
        var secret: String?
        var uri: String?
        var form: WebForm
    }

    private static func secondFactorForm(_ req: Request, current: WebSessions.Current, problems: FormProblems, status: HTTPStatus) async throws -> Response {
        let enrolled = req.edc.secondFactor.isEnabled(current.user)
        var enrolment: SecondFactor.Enrolment?
        if !enrolled {
            // Shown again on a wrong code: the pending secret is kept, a new one only on a new page.
            enrolment = problems.isEmpty || current.user.totpPendingSecret == nil ? try await req.edc.secondFactor.beginEnrolment(userID: current.user.requireID()) : nil
        }
        var form = WebForm(id: "verification", action: "/connexion/verification" + (PublicPages.safeNext(req).map { "?suite=\($0)" } ?? ""), csrf: req.csrfToken, sections: [
            FormSection(id: "code", fields: [FormField("code", "Code à 6 chiffres", hint: "Le code affiché par votre application d’authentification (TOTP).", required: true, autocomplete: "one-time-code", inputmode: "numeric")]),
        ], buttons: [FormButton(enrolled ? "Vérifier" : "Activer et continuer")])
        form.apply(problems)
        let title = enrolled ? "Vérification en deux étapes" : "Activation de la vérification en deux étapes"
        return try await req.page("second-facteur", title: problems.isEmpty ? title : title + " — erreur", heading: title, content: SecondFactorContent(
            intro: enrolled ? "Saisissez le code affiché par votre application d’authentification." : "Votre compte doit être protégé par une vérification en deux étapes. Ajoutez ce compte à votre application d’authentification (clé ci-dessous), puis saisissez le code qu’elle affiche.",
            enrolment: !enrolled, secret: enrolment?.secretBase32, uri: enrolment?.otpauthURI, form: form), status: status)
    }

    /// `POST /connexion/verification`
    static func secondFactor(_ req: Request) async throws -> Response {
        guard let current = req.webSession, current.session.secondFactorPending else { return req.seeOther("/connexion") }
        let code = try PostedForm(req)["code"].filter { !$0.isWhitespace }
        let userID = try current.user.requireID()
        do {
            if req.edc.secondFactor.isEnabled(current.user) {
                try await req.edc.secondFactor.verify(userID: userID, code: code)
            } else {
                try await req.edc.secondFactor.confirmEnrolment(userID: userID, code: code)
            }
        } catch {
            return try await secondFactorForm(req, current: current, problems: try FormProblems(error), status: .unprocessableEntity)
        }
        let token = try await req.edc.webSessions.completeSecondFactor(current.session)
        let response = req.seeOther(PublicPages.safeNext(req) ?? (current.user.role.isANS ? "/ans" : "/espace"))
        response.cookies[WebCookies.session] = req.cookie(token)
        return response
    }

    // MARK: Forgotten password

    static func forgottenForm(_ req: Request, email: String = "", problems: FormProblems = FormProblems()) -> WebForm {
        var form = WebForm(id: "oubli", action: "/mot-de-passe-oublie", csrf: req.csrfToken, sections: [
            FormSection(id: "adresse", fields: [FormField("email", "Adresse électronique", kind: "email", value: email, hint: "L’adresse de votre compte EDC. Format attendu : nom@domaine.fr", required: true, autocomplete: "email")]),
        ], buttons: [FormButton("Recevoir un lien")])
        form.apply(problems)
        return form
    }

    /// `GET /mot-de-passe-oublie`
    static func forgottenPage(_ req: Request) async throws -> Response {
        try await req.page("formulaire", title: "Mot de passe oublié", content: FormPage(
            intro: "Indiquez l’adresse électronique de votre compte : vous recevrez un lien, valable une heure, pour choisir un nouveau mot de passe.",
            form: forgottenForm(req)))
    }

    /// `POST /mot-de-passe-oublie`: sends the link when the address has an account; the answer is
    /// the same either way.
    static func forgotten(_ req: Request) async throws -> Response {
        let email = try PostedForm(req)["email"].trimmingCharacters(in: .whitespaces)
        guard (try? EmailAddress(email)) != nil else {
            var problems = FormProblems()
            problems.add("email", "Indiquez une adresse électronique valide, par exemple nom@domaine.fr.")
            return try await req.page("formulaire", title: "Mot de passe oublié — erreur", heading: "Mot de passe oublié", content: FormPage(intro: nil, form: forgottenForm(req, email: email, problems: problems)), status: .unprocessableEntity)
        }
        if let link = try await PasswordResets(accounts: req.accounts).request(email: email) {
            let url = req.edc.settings.resolvedPublicBaseURL + "/nouveau-mot-de-passe?jeton=" + link.token
            let message = try AccountMail(from: req.edc.settings.mail.from).passwordReset(to: link.user.email, name: link.user.displayName, link: url, expiresAt: link.expiresAt, date: req.edc.settings.clock())
            // Sent after the answer: the time taken must not tell whether the address has an account.
            let transport = req.edc.mailTransport
            let logger = req.logger
            req.edc.pendingWork.start {
                do {
                    try await transport?.send(message)
                } catch {
                    logger.error("password reset mail not sent", metadata: ["error": .string(String(describing: error))])
                }
            }
        }
        return req.seeOther("/connexion", flash: "Si un compte correspond à cette adresse, un lien pour choisir un nouveau mot de passe vient d’y être envoyé.")
    }

    static func newPasswordForm(_ req: Request, token: String, problems: FormProblems = FormProblems()) -> WebForm {
        var form = WebForm(id: "nouveau-mot-de-passe", action: "/nouveau-mot-de-passe", csrf: req.csrfToken, sections: [
            FormSection(id: "mot-de-passe", fields: [
                FormField("jeton", "", kind: "hidden", value: token),
                FormField("password", "Nouveau mot de passe", kind: "password", hint: "12 caractères au moins.", required: true, autocomplete: "new-password"),
                FormField("confirmation", "Confirmation du mot de passe", kind: "password", required: true, autocomplete: "new-password"),
            ]),
        ], buttons: [FormButton("Enregistrer le mot de passe")])
        form.apply(problems)
        return form
    }

    /// `GET /nouveau-mot-de-passe?jeton=…`: the link of the e-mail (reset or invitation).
    static func newPasswordPage(_ req: Request) async throws -> Response {
        let token = req.query[String.self, at: "jeton"] ?? ""
        do {
            let pending = try await PasswordResets(accounts: req.accounts).pending(token: token)
            return try await req.page("formulaire", title: pending.purpose == .invitation ? "Activation du compte" : "Nouveau mot de passe", content: FormPage(
                intro: "Compte : \(pending.user.email). Choisissez votre mot de passe.", form: newPasswordForm(req, token: token)))
        } catch let error as ValidationErrors {
            throw Abort(.gone, reason: error.errors.first?.userMessage ?? "Ce lien n’est plus valable.")
        }
    }

    /// `POST /nouveau-mot-de-passe`
    static func newPassword(_ req: Request) async throws -> Response {
        let posted = try PostedForm(req)
        let token = posted["jeton"]
        var problems = FormProblems()
        if posted["password"] != posted["confirmation"] { problems.add("confirmation", "Les deux mots de passe ne sont pas identiques.") }
        if problems.isEmpty {
            do {
                try await PasswordResets(accounts: req.accounts).consume(token: token, newPassword: posted["password"])
                return req.seeOther("/connexion", flash: "Votre mot de passe est enregistré. Vous pouvez vous connecter.")
            } catch {
                problems = try FormProblems(error)
            }
        }
        return try await req.page("formulaire", title: "Nouveau mot de passe — erreur", heading: "Nouveau mot de passe", content: FormPage(intro: nil, form: newPasswordForm(req, token: token, problems: problems)), status: .unprocessableEntity)
    }

    // MARK: /compte

    struct AccountContent: Encodable {
        struct SessionRow: Encodable {
            var id: String
            var createdAt: String
            var lastSeenAt: String
            var address: String
            var userAgent: String
            var current: Bool
            var revokeForm: WebForm
        }

        var email: String
        var name: String
        var role: String
        var organisation: String?
        var secondFactorEnabled: Bool
        var secondFactorRequired: Bool
        var passwordForm: WebForm
        var secondFactorForm: WebForm
        var sessions: [SessionRow]
    }

    static func accountPage(_ req: Request) async throws -> Response {
        try await accountPage(req, passwordProblems: FormProblems(), secondFactorProblems: FormProblems(), status: .ok)
    }

    private static func accountPage(_ req: Request, passwordProblems: FormProblems, secondFactorProblems: FormProblems, status: HTTPStatus) async throws -> Response {
        let user = try req.currentUser.user
        let userID = try user.requireID()
        var passwordForm = WebForm(id: "changer-mot-de-passe", action: "/compte/mot-de-passe", csrf: req.csrfToken, sections: [
            FormSection(id: "mots-de-passe", fields: [
                FormField("current", "Mot de passe actuel", kind: "password", required: true, autocomplete: "current-password"),
                FormField("password", "Nouveau mot de passe", kind: "password", hint: "12 caractères au moins.", required: true, autocomplete: "new-password"),
                FormField("confirmation", "Confirmation du nouveau mot de passe", kind: "password", required: true, autocomplete: "new-password"),
            ]),
        ], buttons: [FormButton("Changer le mot de passe")])
        passwordForm.apply(passwordProblems)
        let enabled = req.edc.secondFactor.isEnabled(user)
        let required = req.edc.secondFactor.isMandatory(for: user)
        var secondFactorForm = WebForm(id: "second-facteur", action: "/compte/second-facteur", csrf: req.csrfToken, sections: [
            FormSection(id: "code-desactivation", fields: enabled ? [FormField("code", "Code actuel de votre application", hint: "Pour désactiver la vérification en deux étapes.", required: true, autocomplete: "one-time-code", inputmode: "numeric")] : []),
        ], buttons: enabled ? (required ? [] : [FormButton("Désactiver la vérification en deux étapes", name: "action", value: "desactiver", secondary: true)]) : [FormButton("Activer la vérification en deux étapes", name: "action", value: "activer")])
        secondFactorForm.apply(secondFactorProblems)
        let sessions = try await req.edc.webSessions.sessions(of: userID)
        let currentID = req.webSession?.session.id
        return try await req.page("compte", title: status == .unprocessableEntity ? "Mon compte — erreur" : "Mon compte", heading: "Mon compte", content: AccountContent(
            email: user.email, name: user.displayName, role: user.role.labelFR,
            organisation: try await req.accounts.organisation(of: user)?.legalName,
            secondFactorEnabled: enabled, secondFactorRequired: required, passwordForm: passwordForm, secondFactorForm: secondFactorForm,
            sessions: try sessions.map { session in
                let id = try session.requireID()
                return AccountContent.SessionRow(
                    id: id.uuidString, createdAt: WebDates.dateTime(session.createdAt), lastSeenAt: WebDates.dateTime(session.lastSeenAt),
                    address: session.address, userAgent: session.userAgent, current: id == currentID,
                    revokeForm: WebForm(id: "session-\(id.uuidString)", action: "/compte/sessions/\(id.uuidString)/revocation", csrf: req.csrfToken, sections: [],
                                        buttons: [FormButton(id == currentID ? "Fermer cette session" : "Fermer la session", secondary: true)]))
            }), status: status)
    }

    /// `POST /compte/mot-de-passe`: the other sessions of the user end.
    static func changePassword(_ req: Request) async throws -> Response {
        let posted = try PostedForm(req)
        let user = try req.currentUser.user
        var problems = FormProblems()
        if posted["password"] != posted["confirmation"] { problems.add("confirmation", "Les deux mots de passe ne sont pas identiques.") }
        if problems.isEmpty {
            do {
                try await req.accounts.changeOwnPassword(user: user, current: posted["current"], new: posted["password"], tokenID: nil)
                try await req.edc.webSessions.revokeAll(of: user.requireID(), except: req.webSession?.session.id, by: AuditActor(userID: user.id, role: user.role))
                return req.seeOther("/compte", flash: "Votre mot de passe est changé. Vos autres sessions sont fermées.")
            } catch {
                problems = try FormProblems(error, fieldNames: { $0 == "password" || $0 == "current" || $0 == "new" ? ($0 == "new" ? "password" : $0) : nil })
            }
        }
        return try await accountPage(req, passwordProblems: problems, secondFactorProblems: FormProblems(), status: .unprocessableEntity)
    }

    /// `POST /compte/second-facteur`: `action=activer` starts an enrolment (the code page of the
    /// sign-in), `action=desactiver` with a valid code removes it (unless it is required).
    static func secondFactorSettings(_ req: Request) async throws -> Response {
        let posted = try PostedForm(req)
        let user = try req.currentUser.user
        switch posted.button {
        case "activer":
            guard let session = req.webSession else { throw Abort(.notFound) }
            _ = try await req.edc.secondFactor.beginEnrolment(userID: user.requireID())
            // The session waits for the first code, as at sign-in; the enrolment page shows the key.
            try await req.edc.webSessions.awaitSecondFactor(session.session)
            return req.seeOther("/connexion/verification?suite=/compte")
        case "desactiver":
            do {
                try await req.edc.secondFactor.disable(userID: user.requireID(), by: try req.principal, code: posted["code"].filter { !$0.isWhitespace })
            } catch {
                return try await accountPage(req, passwordProblems: FormProblems(), secondFactorProblems: try FormProblems(error), status: .unprocessableEntity)
            }
            return req.seeOther("/compte", flash: "La vérification en deux étapes est désactivée.")
        default:
            throw Abort(.badRequest, reason: "Action inconnue.")
        }
    }

    /// `POST /compte/sessions/{id}/revocation`
    static func revokeSession(_ req: Request) async throws -> Response {
        let user = try req.currentUser.user
        let id = try req.uuid("sessionID")
        try await req.edc.webSessions.revoke(sessionID: id, of: user.requireID(), by: AuditActor(userID: user.id, role: user.role))
        if id == req.webSession?.session.id {
            let response = req.seeOther("/connexion", flash: "La session est fermée.")
            response.cookies[WebCookies.session] = req.cookie("", maxAge: 0)
            return response
        }
        return req.seeOther("/compte", flash: "La session est fermée.")
    }
}
