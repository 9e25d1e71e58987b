import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// `/compte/jetons`: every signed-in user's own API tokens (for scripts and the DRIMbox agent):
/// list, create with a name and a lifetime in days (the secret shown once, never stored in
/// clear), revoke.
enum OperatorTokenPages {
    static func register(_ signedIn: any RoutesBuilder) {
        signedIn.get("compte", "jetons", use: page)
        signedIn.post("compte", "jetons", use: create)
        signedIn.post("compte", "jetons", ":tokenID", "revocation", use: revoke)
    }

    struct TokensContent: Encodable {
        struct Row: Encodable {
            var name: String
            var createdAt: String
            var expiresAt: String
            var badge: WebText.Badge
            var revokeForm: WebForm?
        }

        struct Issued: Encodable {
            var name: String
            var token: String
            var expiresAt: String
        }

        var rows: [Row]
        var hasRows: Bool
        var form: WebForm
        var issued: Issued?
        var maximumDays: Int
    }

    static func form(_ req: Request, values: [String: String] = [:], problems: FormProblems = FormProblems()) -> WebForm {
        let maximum = req.edc.settings.maximumTokenLifetimeDays
        var form = WebForm(id: "nouveau-jeton", action: "/compte/jetons", csrf: req.csrfToken, sections: [
            FormSection(id: "jeton", fields: [
                FormField("name", "Nom du jeton", value: values["name"] ?? "", hint: "Pour le reconnaître, par exemple : script de dépôt, agent DRIMbox de la clinique.", required: true, autocomplete: "off"),
                FormField("lifetimeDays", "Durée de validité, en jours", kind: "number", value: values["lifetimeDays"] ?? "30", hint: "De 1 à \(maximum) jours.", required: true, inputmode: "numeric"),
            ]),
        ], buttons: [FormButton("Créer le jeton")])
        form.apply(problems)
        return form
    }

    /// `GET /compte/jetons`
    static func page(_ req: Request) async throws -> Response {
        try await render(req, form: form(req), issued: nil, status: .ok)
    }

    static func render(_ req: Request, form: WebForm, issued: TokensContent.Issued?, status: HTTPStatus) async throws -> Response {
        let user = try req.currentUser.user
        let now = req.edc.settings.clock()
        let rows = try await req.accounts.tokens(of: try user.requireID()).map { token in
            let id = try token.requireID()
            let badge: WebText.Badge
            var revokeForm: WebForm?
            if token.revokedAt != nil {
                badge = .init(text: "Révoqué", kind: "")
            } else if let expiry = token.expiresAt, expiry <= now {
                badge = .init(text: "Expiré", kind: "")
            } else {
                badge = .init(text: "Actif", kind: "fr-badge--success")
                revokeForm = WebForm(id: "jeton-\(id.uuidString)", action: "/compte/jetons/\(id.uuidString)/revocation", csrf: req.csrfToken, sections: [],
                                     buttons: [FormButton("Révoquer le jeton « \(token.name) »", secondary: true)])
            }
            return TokensContent.Row(name: token.name, createdAt: token.createdAt.map(WebDates.dateTime) ?? "—",
                                     expiresAt: token.expiresAt.map(WebDates.dateTime) ?? "—", badge: badge, revokeForm: revokeForm)
        }
        return try await req.page("espace/jetons", title: form.hasErrors ? "Erreur — Jetons d’API" : "Jetons d’API", heading: "Jetons d’API", content: TokensContent(
            rows: rows, hasRows: !rows.isEmpty, form: form, issued: issued, maximumDays: req.edc.settings.maximumTokenLifetimeDays),
            breadcrumbs: [Layout.Crumb(label: "Mon compte", href: "/compte"), Layout.Crumb(label: "Jetons d’API", href: nil)], status: status)
    }

    /// `POST /compte/jetons`: the token's secret is shown on this answer only.
    static func create(_ req: Request) async throws -> Response {
        let user = try req.currentUser.user
        let posted = try PostedForm(req)
        var problems = FormProblems()
        let name = problems.parse("name") { try Name(posted["name"]) }
        let days = problems.parse("lifetimeDays") { () throws -> Int in
            guard let days = Int(posted["lifetimeDays"].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(code: "token.lifetime", field: "lifetimeDays", userMessage: "Indiquez un nombre de jours.", technicalDetail: "lifetime is not an integer")
            }
            return days
        }
        if problems.isEmpty, let name, let days {
            do {
                let issued = try await req.accounts.issueToken(by: AuditActor(userID: user.id, role: user.role), forUserID: try user.requireID(), name: name.value, lifetimeDays: days)
                return try await render(req, form: form(req), issued: .init(name: name.value, token: issued.token, expiresAt: issued.expiresAt.map(WebDates.dateTime) ?? "—"), status: .created)
            } catch {
                problems = try FormProblems(error)
            }
        }
        return try await render(req, form: form(req, values: posted.values, problems: problems), issued: nil, status: .unprocessableEntity)
    }

    /// `POST /compte/jetons/{id}/revocation`: one of the user's own tokens (another's is 404).
    static func revoke(_ req: Request) async throws -> Response {
        let user = try req.currentUser.user
        try await req.accounts.revokeToken(by: AuditActor(userID: user.id, role: user.role), id: try req.uuid("tokenID"), ownedBy: try user.requireID())
        return req.seeOther("/compte/jetons", flash: "Le jeton est révoqué : il ne donne plus accès à l’API.")
    }
}
