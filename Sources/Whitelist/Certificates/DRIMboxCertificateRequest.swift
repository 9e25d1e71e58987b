import EDCDomain
import Foundation
import SwiftASN1
import X509

/// The PKCS#10 request a DRIMbox sends to IGC-Santé for the certificate of its `db` FQDN (used by
/// `edc-agent csr`): subject `CN=<db FQDN>,OU=<structure id>[,O=…][,ST=Département (NN)],C=FR`,
/// the shape of the DNs on ANS's white list, checked with `CertificateDNRule`; the FQDN as
/// SubjectAltName and the TLS server and client usages are requested as extensions.
public enum DRIMboxCertificateRequest {
    /// X.520 upper bounds, which OpenSSL and CAs enforce.
    static let maximumLengths = ["CN": 64, "OU": 64, "O": 64, "ST": 128]

    /// The subject, checked. `department` reads "Paris (75)".
    public static func subject(
        dbFQDN: FQDN, structureID: StructureID, organisation: String? = nil, department: String? = nil
    ) throws(ValidationError) -> EDCDomain.DistinguishedName {
        var rdns = [
            EDCDomain.RelativeDistinguishedName(type: "CN", value: dbFQDN.value),
            EDCDomain.RelativeDistinguishedName(type: "OU", value: structureID.value),
        ]
        if let organisation { rdns.append(EDCDomain.RelativeDistinguishedName(type: "O", value: organisation)) }
        if let department { rdns.append(EDCDomain.RelativeDistinguishedName(type: "ST", value: department)) }
        rdns.append(EDCDomain.RelativeDistinguishedName(type: "C", value: "FR"))
        for attribute in rdns.flatMap(\.attributes) {
            let value = attribute.value
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty, value == value.trimmingCharacters(in: .whitespacesAndNewlines),
                  !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw ValidationError(
                    code: "dn.value_blank", field: attribute.type,
                    userMessage: "La valeur \(attribute.type) du DN ne doit être ni vide ni entourée d'espaces.",
                    technicalDetail: "\(attribute.type) value \(value.debugDescription) is blank, padded or has control characters")
            }
            if let limit = maximumLengths[attribute.type], value.count > limit {
                throw ValidationError(
                    code: "dn.value_too_long", field: attribute.type,
                    userMessage: "La valeur \(attribute.type) du DN dépasse \(limit) caractères.",
                    technicalDetail: "\(attribute.type) value has \(value.count) characters, more than the X.520 bound \(limit)")
            }
        }
        let dn = EDCDomain.DistinguishedName(rdns: rdns)
        do {
            try CertificateDNRule.check(dn, dbFQDN: dbFQDN)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError(code: "dn.invalid", userMessage: "Le DN est invalide.", technicalDetail: "\(error)")
        }
        return dn
    }

    /// A request for `subject` signed with `key` (SHA-256).
    public static func make(subject: EDCDomain.DistinguishedName, dbFQDN: FQDN, key: SigningKey) throws -> CertificateSigningRequest {
        let extensions = try Certificate.Extensions {
            SubjectAlternativeNames([.dnsName(dbFQDN.value)])
            KeyUsage(digitalSignature: true, keyEncipherment: key.isRSA)
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
        }
        var attributes = CertificateSigningRequest.Attributes()
        attributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)))
        let privateKey = key.certificatePrivateKey
        return try CertificateSigningRequest(
            version: .v1, subject: try X509NameBridge.x509Name(subject.value), privateKey: privateKey,
            attributes: attributes, signatureAlgorithm: key.isRSA ? .sha256WithRSAEncryption : .ecdsaWithSHA256)
    }

    /// `-----BEGIN CERTIFICATE REQUEST-----` …
    public static func pem(_ request: CertificateSigningRequest) throws -> String {
        try request.serializeAsPEM().pemString + "\n"
    }
}

extension SigningKey {
    var isRSA: Bool {
        if case .rsa = storage { return true }
        return false
    }
}
