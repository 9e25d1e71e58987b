import EDCDomain
import Foundation
import Persistence
import Vapor

/// ANS's back office, `/ans`.
enum ReviewPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(use: queue)
    }

    static func queue(_ req: Request) async throws -> Response {
        try await req.page("formulaire", title: "File d'instruction", content: AccountPages.FormPage(intro: "À venir.", form: WebForm(id: "vide", action: "/ans", csrf: req.csrfToken, sections: [], buttons: [])))
    }
}
