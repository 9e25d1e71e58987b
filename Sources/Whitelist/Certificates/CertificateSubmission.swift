import EDCDomain
import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// What an operator pasted for the `db` FQDN of one of its DRIMbox's FQDN pairs: a PKCS#10
/// certificate signing request (before ordering the IGC-Santé certificate) or the certificate
/// itself (with its intermediates), checked so that the DN taken from it can go on the white list.
///
/// `inspect` refuses with a `ValidationError` (French `userMessage`, English `technicalDetail`,
/// one `code` per cause) and otherwise returns the subject as the RFC 4514 DN operators type
/// and the white list writes (CN first), with warnings that do not stop the integration.
public struct CertificateSubmission: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case csr, certificate
    }

    /// Something worth telling the operator that does not make the submission unacceptable.
    public struct Warning: Sendable, Hashable, Codable {
        public var code: String
        /// French, for the operator.
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var kind: Kind
    /// The subject, CN first, as `IntegrationPayload.certificates[].dn` expects it.
    public var dn: EDCDomain.DistinguishedName
    /// Certificates only.
    public var notBefore: Date?
    /// Certificates only.
    public var notAfter: Date?
    public var warnings: [Warning]

    public init(kind: Kind, dn: EDCDomain.DistinguishedName, notBefore: Date? = nil, notAfter: Date? = nil, warnings: [Warning] = []) {
        self.kind = kind
        self.dn = dn
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.warnings = warnings
    }

    /// Largest PEM text read (UTF-8 bytes): a CSR is 1 to 2 KiB, a certificate with a few
    /// intermediates well under 16 KiB.
    public static let maximumPEMSize = 64 * 1024
    /// A certificate expiring sooner than this gets a warning.
    public static let renewalWarningPeriod: TimeInterval = 30 * 86_400

    /// Checks `pem` for `dbFQDN` as of `time`.
    ///
    /// - A CSR (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`, exactly one): its self-signature
    ///   must verify.
    /// - A certificate (`CERTIFICATE`, the DRIMbox's first, then any intermediates): it must not be a
    ///   CA, must be valid at `time`, its key usage (when present) must allow `digitalSignature`, and
    ///   its extended key usage (when present) must include both `serverAuth` and `clientAuth`: the
    ///   DRIMbox presents the same certificate as server and, to its peers' nginx, as client
    ///   (`docs/nginx/edc-drimbox.conf`). With `trustAnchors` (the IGC-Santé roots), it must chain to
    ///   one of them under RFC 5280 at `time`, through the intermediates given in `pem`.
    /// - Either way, its subject must follow `CertificateDNRule` for `dbFQDN`.
    public static func inspect(
        pem: String, dbFQDN: FQDN, trustAnchors: [Certificate] = [], at time: Date = Date()
    ) async throws(ValidationError) -> CertificateSubmission {
        switch try Parsed(pem) {
        case .csr(let request):
            guard request.publicKey.isValidSignature(request.signature, for: request) else {
                throw refusal("certificate.csr_signature",
                              "La signature de la demande de certificat (CSR) ne correspond pas à sa clé publique : la demande a été modifiée ou est corrompue. Générez-la de nouveau.",
                              "the CSR's self-signature does not verify with its public key (\(request.signatureAlgorithm))")
            }
            let dn = try subjectDN(request.subject, dbFQDN: dbFQDN)
            return CertificateSubmission(kind: .csr, dn: dn)
        case .certificates(let leaf, let intermediates):
            return try await inspect(leaf: leaf, intermediates: intermediates, dbFQDN: dbFQDN, trustAnchors: trustAnchors, at: time)
        }
    }

    /// The certificates of a PEM text (e.g. the file of IGC-Santé roots given to EDC); at least one.
    public static func certificates(inPEM text: String) throws(ValidationError) -> [Certificate] {
        let blocks = try PEMBlock.read(text, limit: Int.max)
        var result: [Certificate] = []
        for block in blocks {
            guard block.type == "CERTIFICATE" else {
                throw refusal("certificate.pem_type", "Le fichier ne doit contenir que des certificats (CERTIFICATE).",
                              "unexpected PEM block '\(block.type)' among trust anchors")
            }
            result.append(try certificate(block))
        }
        return result
    }

    // MARK: - Certificates

    private static func inspect(
        leaf: Certificate, intermediates: [Certificate], dbFQDN: FQDN, trustAnchors: [Certificate], at time: Date
    ) async throws(ValidationError) -> CertificateSubmission {
        var warnings: [Warning] = []
        let extensions = leaf.extensions
        if case .isCertificateAuthority? = try? extensions.basicConstraints {
            throw refusal("certificate.not_leaf",
                          "Le premier certificat collé est celui d'une autorité de certification : collez d'abord le certificat de la DRIMbox, puis ses certificats intermédiaires.",
                          "the first certificate (\(X509NameBridge.text(leaf.subject))) is a CA certificate")
        }
        let dn = try subjectDN(leaf.subject, dbFQDN: dbFQDN)

        guard leaf.notValidBefore <= time else {
            throw refusal("certificate.not_yet_valid",
                          "Le certificat n'est valable qu'à partir du \(frenchDate(leaf.notValidBefore)).",
                          "certificate not valid before \(UTCTimestamp.format(leaf.notValidBefore)) (now \(UTCTimestamp.format(time)))")
        }
        guard time <= leaf.notValidAfter else {
            throw refusal("certificate.expired",
                          "Le certificat a expiré le \(frenchDate(leaf.notValidAfter)).",
                          "certificate expired at \(UTCTimestamp.format(leaf.notValidAfter)) (now \(UTCTimestamp.format(time)))")
        }
        if leaf.notValidAfter.timeIntervalSince(time) < renewalWarningPeriod {
            warnings.append(Warning(code: "certificate.expires_soon",
                                    message: "Le certificat expire le \(frenchDate(leaf.notValidAfter)) : prévoyez son renouvellement."))
        }

        let keyUsage: KeyUsage?
        let extendedKeyUsage: ExtendedKeyUsage?
        do {
            keyUsage = try extensions.keyUsage
            extendedKeyUsage = try extensions.extendedKeyUsage
        } catch {
            throw refusal("certificate.key_usage", "Les usages de clé du certificat sont illisibles.",
                          "cannot decode the key usage extensions: \(error)")
        }
        if let keyUsage, !keyUsage.digitalSignature {
            throw refusal("certificate.key_usage",
                          "Le certificat ne permet pas la signature numérique (usage « digitalSignature ») : il ne peut pas servir à établir une connexion TLS.",
                          "key usage \(keyUsage) lacks digitalSignature")
        }
        if let extendedKeyUsage {
            let missing = [("serverAuth", ExtendedKeyUsage.Usage.serverAuth), ("clientAuth", .clientAuth)]
                .filter { !extendedKeyUsage.contains($0.1) }.map(\.0)
            if !missing.isEmpty {
                throw refusal("certificate.extended_key_usage",
                              "Le certificat doit permettre l'authentification TLS serveur ET client (usages étendus « serverAuth » et « clientAuth ») : la DRIMbox présente le même certificat à ses pairs. Il lui manque : \(missing.joined(separator: ", ")).",
                              "extended key usage \(extendedKeyUsage) lacks \(missing.joined(separator: " and "))")
            }
        } else {
            warnings.append(Warning(code: "certificate.no_extended_key_usage",
                                    message: "Le certificat ne précise pas d'usages étendus (serverAuth, clientAuth) ; OpenSSL l'accepte, mais les certificats IGC-Santé SSL_SERV les précisent normalement."))
        }

        switch try? extensions.subjectAlternativeNames {
        case .some(let names):
            let dnsNames = names.compactMap { name -> String? in
                if case .dnsName(let text) = name { return text.lowercased() }
                return nil
            }
            if !dnsNames.contains(dbFQDN.value) {
                warnings.append(Warning(code: "certificate.san_without_fqdn",
                                        message: "Les noms alternatifs (SubjectAltName) du certificat ne contiennent pas \(dbFQDN.value) : les pairs qui vérifient le nom du serveur le refuseront."))
            }
        case .none:
            warnings.append(Warning(code: "certificate.san_absent",
                                    message: "Le certificat n'a pas de noms alternatifs (SubjectAltName) : certains clients TLS exigent que \(dbFQDN.value) y figure."))
        }

        if trustAnchors.isEmpty {
            warnings.append(Warning(code: "certificate.chain_not_checked",
                                    message: "La chaîne de certification n'a pas été vérifiée : aucune racine IGC-Santé n'est configurée sur ce service."))
        } else {
            let chain = try await verifiedChain(leaf: leaf, intermediates: intermediates, anchors: trustAnchors, at: time)
            // nginx (OpenSSL's "SSL client" purpose) also refuses a chain whose CA restricts its
            // extended key usage without clientAuth.
            for authority in chain.dropFirst() {
                if let usage = try? authority.extensions.extendedKeyUsage, !usage.contains(.clientAuth) {
                    warnings.append(Warning(code: "certificate.ca_without_client_auth",
                                            message: "L'autorité « \(X509NameBridge.text(authority.subject)) » limite ses usages étendus sans « clientAuth » : nginx refusera ce certificat comme certificat client."))
                }
            }
        }
        return CertificateSubmission(kind: .certificate, dn: dn, notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, warnings: warnings)
    }

    private static func verifiedChain(
        leaf: Certificate, intermediates: [Certificate], anchors: [Certificate], at time: Date
    ) async throws(ValidationError) -> [Certificate] {
        var verifier = Verifier(rootCertificates: CertificateStore(anchors)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let chain):
            return Array(chain)
        case .couldNotValidate(let failures):
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no path to a trust anchor"
            throw refusal("certificate.chain",
                          "Le certificat ne se rattache pas à une autorité IGC-Santé reconnue (ou un certificat de sa chaîne est expiré) : collez le certificat suivi de ses certificats intermédiaires.",
                          "certificate \(X509NameBridge.text(leaf.subject)) issued by \(X509NameBridge.text(leaf.issuer)) does not chain to a configured anchor: \(reason)")
        }
    }

    // MARK: - Subject

    private static func subjectDN(_ subject: X509.DistinguishedName, dbFQDN: FQDN) throws(ValidationError) -> EDCDomain.DistinguishedName {
        guard let dn = X509NameBridge.textName(subject), !dn.rdns.isEmpty else {
            throw refusal("certificate.subject_unreadable",
                          "Le sujet (DN) du certificat est vide ou contient une valeur qui n'est pas du texte.",
                          "subject '\(subject)' is empty or has a non-string attribute value")
        }
        do {
            try CertificateDNRule.check(dn, dbFQDN: dbFQDN)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw refusal("dn.invalid", "Le DN du certificat est invalide.", "\(error)")
        }
        return dn
    }

    // MARK: - Reading

    private enum Parsed {
        case csr(CertificateSigningRequest)
        case certificates(leaf: Certificate, intermediates: [Certificate])

        init(_ text: String) throws(ValidationError) {
            let blocks = try PEMBlock.read(text, limit: CertificateSubmission.maximumPEMSize)
            if let key = blocks.first(where: { $0.type.hasSuffix("PRIVATE KEY") }) {
                throw refusal("certificate.private_key",
                              "Le texte contient une clé privée : ne la transmettez jamais. Collez seulement la demande de certificat (CSR) ou le certificat, et gardez la clé sur la DRIMbox.",
                              "a '\(key.type)' PEM block was submitted (its content was not read)")
            }
            let requests = blocks.filter { PEMBlock.requestTypes.contains($0.type) }
            let certificates = blocks.filter { $0.type == "CERTIFICATE" }
            if let other = blocks.first(where: { !PEMBlock.requestTypes.contains($0.type) && $0.type != "CERTIFICATE" }) {
                throw refusal("certificate.pem_type",
                              "Le bloc « \(other.type) » n'est pas attendu : collez une demande de certificat (BEGIN CERTIFICATE REQUEST) ou un certificat (BEGIN CERTIFICATE).",
                              "unexpected PEM block type '\(other.type)'")
            }
            if requests.count > 1 {
                throw refusal("certificate.csr_multiple",
                              "Le texte contient \(requests.count) demandes de certificat : collez-en une seule, celle du FQDN \u{AB} db \u{BB} concerné.",
                              "\(requests.count) certificate requests in one submission")
            }
            if let request = requests.first {
                guard certificates.isEmpty else {
                    throw refusal("certificate.pem_mixed",
                                  "Le texte mélange une demande de certificat et des certificats : collez l'une ou les autres.",
                                  "a certificate request together with \(certificates.count) certificate(s)")
                }
                do {
                    self = .csr(try CertificateSigningRequest(derEncoded: request.der))
                } catch {
                    throw refusal("certificate.der_invalid",
                                  "La demande de certificat (CSR) est illisible, ou sa clé n'est pas prise en charge (RSA d'au moins 2048 bits ou ECDSA).",
                                  "cannot decode the PKCS#10 request: \(error)")
                }
                return
            }
            let parsed = try certificates.map { block throws(ValidationError) in try CertificateSubmission.certificate(block) }
            self = .certificates(leaf: parsed[0], intermediates: Array(parsed.dropFirst()))
        }
    }

    fileprivate static func certificate(_ block: PEMBlock) throws(ValidationError) -> Certificate {
        do {
            return try Certificate(derEncoded: block.der)
        } catch {
            throw refusal("certificate.der_invalid",
                          "Un certificat collé est illisible, ou sa clé n'est pas prise en charge (RSA d'au moins 2048 bits ou ECDSA).",
                          "cannot decode an X.509 certificate: \(error)")
        }
    }

    fileprivate static func refusal(_ code: String, _ userMessage: String, _ technicalDetail: String) -> ValidationError {
        ValidationError(code: code, userMessage: userMessage, technicalDetail: technicalDetail)
    }

    /// « 3 décembre 2026 à 14:05 » (Paris time).
    static func frenchDate(_ date: Date) -> String {
        DateText.paris(date, "d MMMM yyyy 'à' HH:mm")
    }
}

/// One `-----BEGIN TYPE-----` … `-----END TYPE-----` block of a PEM text. Lenient where pasted
/// text varies (line lengths, CRLF, a missing final line break, text around the blocks), strict
/// on the rest (matching markers, base64 alphabet, no encapsulated headers).
struct PEMBlock {
    var type: String
    var der: [UInt8]

    static let requestTypes: Set<String> = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]

    static func read(_ text: String, limit: Int) throws(ValidationError) -> [PEMBlock] {
        guard text.utf8.count <= limit else {
            throw CertificateSubmission.refusal("certificate.pem_too_large",
                                                "Le texte collé dépasse \(limit / 1024) Kio : collez seulement la demande de certificat, ou le certificat et ses intermédiaires.",
                                                "PEM text of \(text.utf8.count) bytes exceeds \(limit)")
        }
        var blocks: [PEMBlock] = []
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN ") {
            guard let close = rest[begin.upperBound...].range(of: "-----") else { throw unreadable("unterminated BEGIN line") }
            let type = String(rest[begin.upperBound..<close.lowerBound])
            guard !type.isEmpty, type.count <= 64, !type.contains("\n") else { throw unreadable("malformed BEGIN line") }
            let endMarker = "-----END \(type)-----"
            guard let end = rest[close.upperBound...].range(of: endMarker) else {
                throw unreadable("'-----BEGIN \(type)-----' has no '\(endMarker)'")
            }
            let body = rest[close.upperBound..<end.lowerBound]
            guard !body.contains("-----"), !body.contains(":") else {
                throw unreadable("the '\(type)' block has nested markers or encapsulated headers")
            }
            let base64 = String(body.filter { !$0.isWhitespace })
            guard !base64.isEmpty, let data = Data(base64Encoded: base64) else {
                throw unreadable("the '\(type)' block is not valid base64")
            }
            blocks.append(PEMBlock(type: type, der: Array(data)))
            rest = rest[end.upperBound...]
        }
        guard !blocks.isEmpty else {
            throw CertificateSubmission.refusal("certificate.pem_missing",
                                                "Le texte collé n'est pas au format PEM : il doit commencer par « -----BEGIN CERTIFICATE REQUEST----- » (demande de certificat) ou « -----BEGIN CERTIFICATE----- » (certificat).",
                                                "no PEM block found in \(text.utf8.count) bytes")
        }
        return blocks
    }

    private static func unreadable(_ detail: String) -> ValidationError {
        CertificateSubmission.refusal("certificate.pem_unreadable",
                                      "Le texte PEM collé est incomplet ou altéré : copiez-le de nouveau en entier, lignes « -----BEGIN » et « -----END » comprises.",
                                      "unreadable PEM: \(detail)")
    }
}
