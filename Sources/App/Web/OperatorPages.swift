import EDCDomain
import Foundation
import Persistence
import Vapor

/// The operator's portal, `/espace`.
enum OperatorPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(use: dashboard)
    }

    static func dashboard(_ req: Request) async throws -> Response {
        try await req.page("formulaire", title: "Tableau de bord", content: AccountPages.FormPage(intro: "À venir.", form: WebForm(id: "vide", action: "/espace", csrf: req.csrfToken, sections: [], buttons: [])))
    }
}
