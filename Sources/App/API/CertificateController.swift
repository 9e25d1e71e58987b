import EDCDomain
import Foundation
import Vapor
import Whitelist
import X509

/// The certificate helper: an operator pastes the CSR or the IGC-Santé certificate of a `db` FQDN
/// and gets back the DN to declare at integration, or the reason it would be refused.
enum CertificateController {
    struct InspectionBody: Codable {
        var dbFQDN: String
        var pem: String
    }

    struct InspectionResource: Content {
        struct Warning: Content {
            var code: String
            var detail: String
        }

        var kind: String
        var dn: String
        var notBefore: Date?
        var notAfter: Date?
        var warnings: [Warning]

        init(_ submission: CertificateSubmission) {
            kind = submission.kind.rawValue
            dn = submission.dn.value
            notBefore = submission.notBefore
            notAfter = submission.notAfter
            warnings = submission.warnings.map { Warning(code: $0.code, detail: $0.message) }
        }
    }

    /// `POST /api/v1/certificates/inspection`: any signed-in user. 200 with the DN (CN first, as
    /// the white list writes it), 422 with the French reason (field `dbFQDN` or `pem`). Nothing is stored.
    static func inspect(_ req: Request) async throws -> InspectionResource {
        _ = try req.currentUser
        let body = try JSONInput.decode(InspectionBody.self, from: req)
        let fqdn: FQDN
        do {
            fqdn = try FQDN(body.dbFQDN)
        } catch let error as ValidationError {
            throw ValidationErrors([error.at(field: "dbFQDN")])
        }
        do {
            return InspectionResource(try await req.application.inspectCertificate(pem: body.pem, dbFQDN: fqdn))
        } catch {
            throw ValidationErrors([error.at(field: "pem")])
        }
    }

    /// The roots of `EDC_IGC_SANTE_ANCHORS`, read once at start; none when unset. A file that
    /// cannot be read or holds anything but certificates stops the start.
    static func loadAnchors(_ path: String?) throws -> [Certificate] {
        guard let path else { return [] }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError("EDC_IGC_SANTE_ANCHORS: cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try CertificateSubmission.certificates(inPEM: text)
        } catch {
            throw SettingsError("EDC_IGC_SANTE_ANCHORS: \(path) must hold PEM certificates only: \(error.technicalDetail)")
        }
    }
}

extension Application {
    /// Checks a pasted CSR or certificate (PEM) for `dbFQDN` against the configured IGC-Santé
    /// roots, now: the API and the web pages call this. Throws the refusal, in French.
    func inspectCertificate(pem: String, dbFQDN: FQDN) async throws(ValidationError) -> CertificateSubmission {
        try await CertificateSubmission.inspect(pem: pem, dbFQDN: dbFQDN, trustAnchors: edc.igcSanteAnchors, at: edc.settings.clock())
    }
}
