import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// The entry page, sign-in and sign-out.
enum PublicPages {
    struct Home: Encodable {
        var signedIn: Bool
        var whitelistURL: String
        var signerURL: String
        var testRoot: Bool
    }

    /// `GET /`: what EDC is, and where to go.
    static func home(_ req: Request) async throws -> Response {
        try await req.page("accueil", title: "Accueil", heading: "Espace de Confiance DRIM-M", content: Home(
            signedIn: req.auth.has(AuthenticatedUser.self), whitelistURL: "/liste-blanche.xml", signerURL: "/liste-blanche/signataire.pem",
            testRoot: req.edc.signing.isTestPKI))
    }

    struct SignInContent: Encodable {
        var form: WebForm
        var locked: Bool
    }

    static func signInForm(_ req: Request, email: String = "", next: String?, problems: FormProblems = FormProblems()) -> WebForm {
        var form = WebForm(id: "connexion", action: "/connexion" + (next.map { "?suite=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_"))) ?? "") } ?? ""),
                           csrf: req.csrfToken, sections: [FormSection(id: "identifiants", fields: [
            // A text field (as the DSFR's sign-in form): HTML allows autocomplete="username" on text, not on email fields.
            FormField("email", "Adresse électronique", value: email, hint: "Format attendu : nom@domaine.fr", required: true, autocomplete: "username", inputmode: "email"),
            FormField("password", "Mot de passe", kind: "password", required: true, autocomplete: "current-password"),
        ])], buttons: [FormButton("Se connecter")])
        form.apply(problems)
        return form
    }

    /// `GET /connexion`
    static func signInPage(_ req: Request) async throws -> Response {
        if let user = req.auth.get(AuthenticatedUser.self) { return req.seeOther(user.user.role.isANS ? "/ans" : "/espace") }
        return try await req.page("connexion", title: "Connexion", content: SignInContent(form: signInForm(req, next: safeNext(req)), locked: false))
    }

    /// `POST /connexion`: a right pair opens a session (after the second factor when the account has
    /// one); a wrong one says so without telling whether the address has an account.
    static func signIn(_ req: Request) async throws -> Response {
        let posted = try PostedForm(req)
        let email = posted["email"].trimmingCharacters(in: .whitespaces)
        var problems = FormProblems()
        if email.isEmpty { problems.add("email", "Indiquez votre adresse électronique.") }
        if posted["password"].isEmpty { problems.add("password", "Indiquez votre mot de passe.") }
        let next = safeNext(req)
        if !problems.isEmpty {
            return try await req.page("connexion", title: "Connexion — erreur", heading: "Connexion", content: SignInContent(form: signInForm(req, email: email, next: next, problems: problems), locked: false), status: .unprocessableEntity)
        }
        let user: UserModel
        do {
            user = try await req.edc.signIn.verify(email: email, password: posted["password"], address: req.clientAddress)
        } catch let refused as SignInRefused {
            let delay = req.edc.settings.signIn.failureDelay
            if delay > 0 { try await Task.sleep(for: .milliseconds(Int(delay * 1000))) }
            var problems = FormProblems()
            let locked: Bool
            switch refused {
            case .wrongCredentials:
                problems.general.append("Adresse électronique ou mot de passe incorrect.")
                locked = false
            case .throttled(let retryAfter):
                let minutes = max(1, Int((retryAfter / 60).rounded(.up)))
                problems.general.append("Trop de tentatives infructueuses : la connexion est suspendue. Réessayez dans \(minutes) minute\(minutes > 1 ? "s" : "") ou réinitialisez votre mot de passe.")
                locked = true
            }
            return try await req.page("connexion", title: "Connexion — erreur", heading: "Connexion", content: SignInContent(form: signInForm(req, email: email, next: next, problems: problems), locked: locked),
                                      status: locked ? .tooManyRequests : .unauthorized)
        } catch is PasswordHasherOverloaded {
            var problems = FormProblems()
            problems.general.append("Le service est très sollicité. Réessayez dans quelques instants.")
            return try await req.page("connexion", title: "Connexion — erreur", heading: "Connexion", content: SignInContent(form: signInForm(req, email: email, next: next, problems: problems), locked: false), status: .serviceUnavailable)
        }
        let needsSecondFactor = req.edc.secondFactor.isAsked(at: user)
        let opened = try await req.edc.webSessions.open(for: user, secondFactorPending: needsSecondFactor, address: req.clientAddress, userAgent: req.headers.first(name: .userAgent) ?? "")
        let response = req.seeOther(needsSecondFactor ? "/connexion/verification" + (next.map { "?suite=\($0)" } ?? "") : (next ?? (user.role.isANS ? "/ans" : "/espace")))
        response.cookies[WebCookies.session] = req.cookie(opened.token)
        response.cookies[WebCookies.anonymousCSRF] = req.cookie("", maxAge: 0)
        return response
    }

    /// `POST /deconnexion`
    static func signOut(_ req: Request) async throws -> Response {
        if let current = req.webSession {
            try await req.edc.webSessions.close(current.session, user: current.user)
        }
        let response = req.seeOther("/connexion", flash: "Vous êtes déconnecté.")
        response.cookies[WebCookies.session] = req.cookie("", maxAge: 0)
        return response
    }

    /// `GET /guides/{editeur|operateur|ans}`: the guides of `docs/` as they are (Markdown, read as
    /// plain text), when the service runs from a checkout (`EDC_DOCS_DIR`, default `./docs`).
    static func guide(_ req: Request) async throws -> Response {
        let files = ["editeur": "drimbox-vendor-guide.md", "operateur": "guide-operateur.md", "ans": "guide-ans.md"]
        guard let name = req.parameters.get("guide"), let file = files[name] else { throw Abort(.notFound) }
        let path = req.edc.settings.web.docsDirectory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { throw Abort(.notFound, reason: "Ce guide n’est pas installé sur ce serveur.") }
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return response
    }

    /// `?suite=` only to a page of this site (never another host, never the sign-in pages).
    static func safeNext(_ req: Request) -> String? {
        guard let next = req.query[String.self, at: "suite"], next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              !next.hasPrefix("/connexion"), next.utf8.count < 300,
              next.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_".contains($0)) })
        else { return nil }
        return next
    }
}
