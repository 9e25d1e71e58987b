import Crypto
import Foundation
import SwiftASN1
import X509

/// A throw-away CA for the probe tests (P-256, made in memory for each test). Every name says
/// TEST so nothing it signs can be mistaken for a real certificate.
struct TestCA: Sendable {
    static let organization = "EDC METEO PKI DE TEST - NE PAS UTILISER EN PRODUCTION"

    let key: Certificate.PrivateKey
    let certificate: Certificate
    private let keyIdentifier: SubjectKeyIdentifier

    init(commonName: String = "TEST EDC METEO AC") throws {
        let p256 = P256.Signing.PrivateKey()
        key = Certificate.PrivateKey(p256)
        let name = try DistinguishedName {
            CountryName("FR")
            OrganizationName(Self.organization)
            CommonName(commonName)
        }
        let identifier = SubjectKeyIdentifier(hash: Certificate.PublicKey(p256.publicKey))
        keyIdentifier = identifier
        let caKey = key
        let now = Date()
        certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(p256.publicKey),
            notValidBefore: now.addingTimeInterval(-400 * 86_400), notValidAfter: now.addingTimeInterval(3650 * 86_400),
            issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                identifier
            },
            issuerPrivateKey: caKey
        )
    }

    /// A server (and client) certificate: subject `CN=<commonName>,OU=<ou>,O=<organization>,C=FR`,
    /// the DNS names in its SAN.
    func issue(
        commonName: String, organizationalUnit: String = "318751275100020", organization: String = organization,
        dnsNames: [String], notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(365 * 86_400)
    ) throws -> IssuedCertificate {
        let leafKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            CountryName("FR")
            OrganizationName(organization)
            OrganizationalUnitName(organizationalUnit)
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(leafKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter,
            issuer: self.certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(dnsNames.map { .dnsName($0) })
                AuthorityKeyIdentifier(keyIdentifier: keyIdentifier.keyIdentifier)
            },
            issuerPrivateKey: key
        )
        return IssuedCertificate(certificate: certificate, keyPEM: leafKey.pemRepresentation)
    }

    var pem: String { try! certificate.serializeAsPEM().pemString }
}

struct IssuedCertificate: Sendable {
    let certificate: Certificate
    let keyPEM: String

    var pem: String { try! certificate.serializeAsPEM().pemString }
    var derBytes: [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
