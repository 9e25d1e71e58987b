import Attestations
import Foundation
import Persistence
import Vapor

/// The attestation of delegation: its PDF (the request's operator and ANS) and its public
/// verification page (no sign-in, French HTML).
enum AttestationController {
    /// `GET /api/v1/requests/{requestID}/attestation.pdf`: 404 for anyone who cannot see the request,
    /// and while the request has no attestation.
    static func pdf(_ req: Request) async throws -> Response {
        let issuer = try req.attestationIssuer
        let attestation = try await issuer.attestation(ofRequest: try req.uuid("requestID"), for: try req.principal)
        return .attachment(try await issuer.pdf(of: attestation), type: "application/pdf", filename: "attestation-\(attestation.number).pdf")
    }

    /// `GET /attestations/{code}`: confirms an authentic attestation and shows what it states; an
    /// unknown, malformed or altered code gets a 404 page saying so.
    static func verificationPage(_ req: Request) async throws -> Response {
        let issuer = try req.attestationIssuer
        let code = req.parameters.get("code") ?? ""
        guard let attestation = try await issuer.attestation(code: code), let facts = try? issuer.facts(of: attestation) else {
            return page(status: .notFound, title: "Attestation introuvable", body: """
                <h1>Attestation introuvable</h1>
                <p class="alerte">Aucune attestation de délégation ne porte ce code de vérification. Vérifiez le code saisi (20 caractères, par groupes de 4).
                Si le code est celui imprimé sur un document, ce document n'est <strong>pas</strong> une attestation authentique de l'Espace de Confiance DRIM-M.</p>
                """)
        }
        let pairs = facts.pairs.enumerated().map { index, pair in
            "<tr><th scope=\"row\">PACS \(index + 1)</th><td>\(escape(pair.db))</td><td>\(escape(pair.vi ?? "—"))</td></tr>"
        }.joined(separator: "\n")
        return page(status: .ok, title: "Attestation \(escape(attestation.number)) — authentique", body: """
            <h1>Attestation de délégation authentique</h1>
            <p class="confirme">✔ Cette attestation a bien été émise par l'Espace de Confiance DRIM-M. Comparez les éléments ci-dessous avec le document présenté : ils doivent être identiques.</p>
            <dl>
            <dt>Opérateur</dt><dd>\(escape(facts.operatorName)) (SIREN \(escape(facts.operatorSIREN)))</dd>
            <dt>Structures clientes (SIREN)</dt><dd>\(facts.clientSIRENs.map(escape).joined(separator: ", "))</dd>
            <dt>Demande</dt><dd>n° \(facts.requestNumber)</dd>
            <dt>DRIMbox</dt><dd>n° \(facts.drimboxIdentifier) du registre national</dd>
            <dt>Date d'émission</dt><dd>\(escape(AttestationPDF.frenchDate(facts.issuedAt)))</dd>
            <dt>Code de vérification</dt><dd>\(escape(facts.verificationCode))</dd>
            </dl>
            <table>
            <caption>Couples de FQDN attribués</caption>
            <thead><tr><th scope="col">PACS</th><th scope="col">db</th><th scope="col">vi</th></tr></thead>
            <tbody>
            \(pairs)
            </tbody>
            </table>
            """)
    }

    static func page(status: HTTPStatus, title: String, body: String) -> Response {
        let html = """
            <!DOCTYPE html>
            <html lang="fr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>\(title) — Espace de Confiance DRIM-M</title>
            </head>
            <body>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
        let response = Response(status: status, body: .init(string: html))
        response.headers.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}

extension Response {
    /// A file to download: its media type, `Content-Disposition: attachment`, never cached.
    static func attachment(_ bytes: [UInt8], type: String, filename: String) -> Response {
        let response = Response(status: .ok, body: .init(data: Data(bytes)))
        response.headers.replaceOrAdd(name: .contentType, value: type)
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(filename)\"")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        return response
    }
}

extension Request {
    var attestationIssuer: AttestationIssuer {
        get throws {
            guard let issuer = application.edc.attestations else { throw Abort(.serviceUnavailable, reason: "Service indisponible.") }
            return issuer
        }
    }
}
