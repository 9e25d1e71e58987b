import EDCDomain
import Foundation
import Persistence
import Vapor

/// What every page's layout shows: title, signed-in user, navigation, breadcrumbs, one-shot
/// message, design-system paths. Templates read it as `layout.…` and their own data as `content.…`.
struct Layout: Encodable {
    struct NavItem: Encodable {
        var label: String
        var href: String
        var current: Bool
    }

    struct Crumb: Encodable {
        var label: String
        var href: String?
    }

    struct Flash: Encodable {
        /// success, info, warning or error (DSFR alert kinds).
        var kind: String
        var text: String
    }

    struct SignedIn: Encodable {
        var name: String
        var email: String
        var roleLabel: String
        var home: String
        var isANS: Bool
        var organisation: String?
    }

    /// `<title>`: where you are, then the service.
    var title: String
    var heading: String
    var user: SignedIn?
    var csrf: String
    var nav: [NavItem]
    var breadcrumbs: [Crumb] { didSet { hasBreadcrumbs = !breadcrumbs.isEmpty } }
    var hasBreadcrumbs = false
    var flash: Flash?
    /// The State brand block and Marianne (approved State services only).
    var stateBrand: Bool
    var dsfr: String
    var year: String
}

/// A page's whole context.
struct PageContext<Content: Encodable>: Encodable {
    var layout: Layout
    var content: Content
}

/// Pages with no data of their own.
struct NoContent: Encodable {}

enum WebPaths {
    static let dsfr = "/dsfr/1.14.4"
}

extension Role {
    var labelFR: String {
        switch self {
        case .operatorUser: "Opérateur"
        case .reviewer: "Instructeur ANS"
        case .administrator: "Administrateur ANS"
        case .system: "EDC"
        }
    }
}

extension Request {
    /// Renders `template` inside the layout, with the page's headers: no caching, and a content
    /// security policy that allows the service's own scripts, styles, fonts and images only.
    func page<Content: Encodable>(
        _ template: String, title: String, heading: String? = nil, content: Content,
        breadcrumbs: [Layout.Crumb] = [], status: HTTPStatus = .ok, flash: Layout.Flash? = nil
    ) async throws -> Response {
        var layout = Layout(
            title: "\(title) — Espace de Confiance DRIM-M", heading: heading ?? title, user: nil, csrf: csrfToken, nav: [],
            breadcrumbs: breadcrumbs, flash: flash ?? takeFlash(), stateBrand: edc.settings.web.stateBrand, dsfr: WebPaths.dsfr,
            year: String(Calendar(identifier: .gregorian).component(.year, from: edc.settings.clock())))
        layout.hasBreadcrumbs = !breadcrumbs.isEmpty
        if let current = auth.get(AuthenticatedUser.self) {
            let user = current.user
            let isANS = user.role.isANS
            layout.user = Layout.SignedIn(
                name: user.displayName, email: user.email, roleLabel: user.role.labelFR, home: isANS ? "/ans" : "/espace", isANS: isANS,
                organisation: nil)
            let items = Self.navigation(for: user.role, isOperatorAdmin: user.operatorAdmin)
            // The entry of this page, or of the section it is in (the longest match: /compte/jetons is not "Mon compte").
            let current = items.filter { $0.href == url.path || ($0.href != "/espace" && $0.href != "/ans" && url.path.hasPrefix($0.href + "/")) }
                .max { $0.href.count < $1.href.count }?.href
            layout.nav = items.map { Layout.NavItem(label: $0.label, href: $0.href, current: $0.href == current) }
        }
        let view = try await self.view.render(template, PageContext(layout: layout, content: content)).get()
        let response = try await view.encodeResponse(status: status, for: self)
        Self.applyPageHeaders(&response.headers)
        if cookies[WebCookies.flash] != nil { response.cookies[WebCookies.flash] = cookie("", maxAge: 0) }
        return response
    }

    static let pageContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func applyPageHeaders(_ headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "Content-Security-Policy", value: pageContentSecurityPolicy)
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()")
        headers.replaceOrAdd(name: "Cross-Origin-Opener-Policy", value: "same-origin")
    }

    private func takeFlash() -> Layout.Flash? {
        guard let text = cookies[WebCookies.flash]?.string.removingPercentEncoding, !text.isEmpty else { return nil }
        return Layout.Flash(kind: "success", text: String(text.prefix(500)))
    }

    static func navigation(for role: Role, isOperatorAdmin: Bool) -> [(label: String, href: String)] {
        switch role {
        case .operatorUser:
            var items = [("Tableau de bord", "/espace"), ("Nouvelle demande", "/espace/demandes/nouvelle")]
            if isOperatorAdmin { items.append(("Utilisateurs", "/espace/utilisateurs")) }
            items.append(("Jetons d’API", "/compte/jetons"))
            items.append(("Mon compte", "/compte"))
            return items
        case .reviewer, .administrator:
            var items = [("File d'instruction", "/ans"), ("Registre", "/ans/drimbox"), ("Liste blanche", "/ans/liste-blanche"),
                         ("Échéances VA", "/ans/echeances"), ("Journal d'audit", "/ans/audit")]
            if role == .administrator { items.append(("Utilisateurs", "/ans/utilisateurs")) }
            items.append(("Mon compte", "/compte"))
            return items
        case .system:
            return []
        }
    }
}

/// Dates on the pages: French, Paris time.
enum WebDates {
    static func dateTime(_ date: Date) -> String { DateText.paris(date, "d MMMM yyyy 'à' HH'h'mm") }
    static func date(_ date: Date) -> String { DateText.paris(date) }
}
