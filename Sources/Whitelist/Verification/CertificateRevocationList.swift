import Foundation
import SwiftASN1
import X509

/// An X.509 v2 certificate revocation list (RFC 5280 §5), read from DER or PEM.
///
/// swift-certificates has no CRL type, so this reads the structure with SwiftASN1; the signature
/// is checked with the issuing CA's public key (`isSigned(by:)`), the dates by the verifier.
/// Refused: delta CRLs, indirect CRLs, and any other critical extension this reader does not
/// understand (RFC 5280 §5.2: such a CRL must not be used).
public struct CertificateRevocationList: Sendable {
    public let issuer: X509.DistinguishedName
    public let thisUpdate: Date
    public let nextUpdate: Date?
    /// Revoked serial numbers (leading zero bytes removed) and their revocation dates.
    public let revoked: [[UInt8]: Date]
    private let tbsBytes: [UInt8]
    private let signatureAlgorithm: Certificate.SignatureAlgorithm
    private let signatureBytes: [UInt8]

    /// Every CRL in `bytes`: one DER CRL, or PEM text holding one or more `X509 CRL` blocks.
    public static func parse(_ bytes: [UInt8], what: String = "CRL") throws(WhitelistVerificationError) -> [CertificateRevocationList] {
        if bytes.first == 0x30 {
            return [try CertificateRevocationList(derEncoded: bytes, what: what)]
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw WhitelistVerificationError(.invalidConfiguration, "\(what) is neither DER nor PEM text")
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw WhitelistVerificationError(.invalidConfiguration, "\(what) is not valid PEM: \(error)")
        }
        var lists: [CertificateRevocationList] = []
        for document in documents where document.discriminator == "X509 CRL" {
            lists.append(try CertificateRevocationList(derEncoded: document.derBytes, what: what))
        }
        guard !lists.isEmpty else {
            throw WhitelistVerificationError(.invalidConfiguration, "\(what) holds no X509 CRL block")
        }
        return lists
    }

    public init(derEncoded bytes: [UInt8], what: String = "CRL") throws(WhitelistVerificationError) {
        do {
            self = try Self.read(bytes)
        } catch let error as WhitelistVerificationError {
            throw error
        } catch {
            throw WhitelistVerificationError(.invalidConfiguration, "\(what) is not a readable X.509 CRL: \(error)")
        }
    }

    /// Whether `issuer` (the CA named by `self.issuer`) signed this CRL, with a key allowed to.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard issuer.subject == self.issuer else { return false }
        if let usage = try? issuer.extensions.keyUsage, !usage.cRLSign { return false }
        return issuer.publicKey.isValidSignature(signatureBytes, for: tbsBytes, signatureAlgorithm: signatureAlgorithm)
    }

    /// When `serialNumber` was revoked, or nil when this list does not revoke it.
    public func revocationDate(of serialNumber: Certificate.SerialNumber) -> Date? {
        revoked[Self.normalized(Array(serialNumber.bytes))]
    }

    // MARK: Reading

    private init(issuer: X509.DistinguishedName, thisUpdate: Date, nextUpdate: Date?, revoked: [[UInt8]: Date], tbsBytes: [UInt8], signatureAlgorithm: Certificate.SignatureAlgorithm, signatureBytes: [UInt8]) {
        self.issuer = issuer
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.revoked = revoked
        self.tbsBytes = tbsBytes
        self.signatureAlgorithm = signatureAlgorithm
        self.signatureBytes = signatureBytes
    }

    private static let crlNumber = try! ASN1ObjectIdentifier(dotRepresentation: "2.5.29.20")
    private static let authorityKeyIdentifier = try! ASN1ObjectIdentifier(dotRepresentation: "2.5.29.35")
    private static let reasonCode = try! ASN1ObjectIdentifier(dotRepresentation: "2.5.29.21")
    private static let invalidityDate = try! ASN1ObjectIdentifier(dotRepresentation: "2.5.29.24")

    private static func read(_ bytes: [UInt8]) throws -> CertificateRevocationList {
        let root = try DER.parse(bytes)
        guard root.encodedBytes.count == bytes.count else { throw ASN1Error.invalidASN1Object(reason: "trailing bytes") }
        return try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbs = nodes.next(), let outerAlgorithm = nodes.next(), let signatureNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "CertificateList needs three fields")
            }
            let algorithm = try algorithmOID(outerAlgorithm)
            let signature = try ASN1BitString(derEncoded: signatureNode)
            guard signature.paddingBits == 0 else { throw ASN1Error.invalidASN1Object(reason: "signature has padding bits") }
            let parsed = try readTBS(tbs)
            guard parsed.innerAlgorithm == algorithm else {
                throw WhitelistVerificationError(.invalidConfiguration, "the CRL's two signature algorithm fields differ")
            }
            guard let signatureAlgorithm = signatureAlgorithms[algorithm.description] else {
                throw WhitelistVerificationError(.invalidConfiguration, "the CRL is signed with an unsupported algorithm \(algorithm)")
            }
            return CertificateRevocationList(
                issuer: parsed.issuer, thisUpdate: parsed.thisUpdate, nextUpdate: parsed.nextUpdate, revoked: parsed.revoked,
                tbsBytes: Array(tbs.encodedBytes), signatureAlgorithm: signatureAlgorithm, signatureBytes: Array(signature.bytes))
        }
    }

    private struct TBS {
        var innerAlgorithm: ASN1ObjectIdentifier
        var issuer: X509.DistinguishedName
        var thisUpdate: Date
        var nextUpdate: Date?
        var revoked: [[UInt8]: Date] = [:]
    }

    private static func readTBS(_ node: ASN1Node) throws -> TBS {
        try DER.sequence(node, identifier: .sequence) { nodes in
            var next = nodes.next()
            if let version = next, version.identifier == .integer {
                guard try Int(derEncoded: version) == 1 else { throw ASN1Error.invalidASN1Object(reason: "only v2 CRLs are read") }
                next = nodes.next()
            }
            guard let algorithmNode = next, let issuerNode = nodes.next(), let thisUpdateNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "TBSCertList is truncated")
            }
            var tbs = TBS(
                innerAlgorithm: try algorithmOID(algorithmNode),
                issuer: try X509.DistinguishedName(derEncoded: issuerNode),
                thisUpdate: try date(thisUpdateNode))
            next = nodes.next()
            if let node = next, node.identifier == .utcTime || node.identifier == .generalizedTime {
                tbs.nextUpdate = try date(node)
                next = nodes.next()
            }
            if let node = next, node.identifier == .sequence {
                try DER.sequence(node, identifier: .sequence) { entries in
                    while let entry = entries.next() {
                        try DER.sequence(entry, identifier: .sequence) { fields in
                            guard let serialNode = fields.next(), let dateNode = fields.next() else {
                                throw ASN1Error.invalidASN1Object(reason: "a revoked entry is truncated")
                            }
                            let serial = try ArraySlice<UInt8>(derEncoded: serialNode)
                            let revokedAt = try date(dateNode)
                            if let extensions = fields.next() {
                                try checkExtensions(extensions, understood: [reasonCode, invalidityDate], what: "a revoked entry")
                            }
                            tbs.revoked[normalized(Array(serial))] = revokedAt
                        }
                    }
                }
                next = nodes.next()
            }
            if let node = next {
                guard node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) else {
                    throw ASN1Error.invalidASN1Object(reason: "unexpected field in TBSCertList")
                }
                try DER.explicitlyTagged(node, tagNumber: 0, tagClass: .contextSpecific) { extensions in
                    try checkExtensions(extensions, understood: [crlNumber, authorityKeyIdentifier], what: "the CRL")
                }
            }
            return tbs
        }
    }

    /// Refuses a critical extension outside `understood` (delta CRL indicator, issuing distribution
    /// point, certificate issuer of indirect CRLs…): this reader would misread such a CRL.
    private static func checkExtensions(_ node: ASN1Node, understood: [ASN1ObjectIdentifier], what: String) throws {
        try DER.sequence(node, identifier: .sequence) { extensions in
            while let extensionNode = extensions.next() {
                try DER.sequence(extensionNode, identifier: .sequence) { fields in
                    guard let oidNode = fields.next() else { throw ASN1Error.invalidASN1Object(reason: "empty extension") }
                    let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
                    var critical = false
                    var value = fields.next()
                    if let node = value, node.identifier == .boolean {
                        critical = try Bool(derEncoded: node)
                        value = fields.next()
                    }
                    guard let value, value.identifier == .octetString else { throw ASN1Error.invalidASN1Object(reason: "extension without value") }
                    if critical, !understood.contains(oid) {
                        throw WhitelistVerificationError(.invalidConfiguration, "\(what) has a critical extension \(oid) that this verifier does not support (delta and indirect CRLs are not supported)")
                    }
                }
            }
        }
    }

    private static func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { fields in
            guard let oidNode = fields.next() else { throw ASN1Error.invalidASN1Object(reason: "empty AlgorithmIdentifier") }
            let oid = try ASN1ObjectIdentifier(derEncoded: oidNode)
            if let parameters = fields.next(), parameters.identifier != .null {
                throw WhitelistVerificationError(.invalidConfiguration, "the CRL's signature algorithm \(oid) has parameters this verifier does not support")
            }
            return oid
        }
    }

    private static let signatureAlgorithms: [String: Certificate.SignatureAlgorithm] = [
        "1.2.840.113549.1.1.11": .sha256WithRSAEncryption,
        "1.2.840.113549.1.1.12": .sha384WithRSAEncryption,
        "1.2.840.113549.1.1.13": .sha512WithRSAEncryption,
        "1.2.840.10045.4.3.2": .ecdsaWithSHA256,
        "1.2.840.10045.4.3.3": .ecdsaWithSHA384,
        "1.2.840.10045.4.3.4": .ecdsaWithSHA512,
        "1.3.101.112": .ed25519,
    ]

    private static func date(_ node: ASN1Node) throws -> Date {
        let parts: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
        switch node.identifier {
        case .utcTime:
            let time = try UTCTime(derEncoded: node)
            parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        case .generalizedTime:
            let time = try GeneralizedTime(derEncoded: node)
            parts = (time.year, time.month, time.day, time.hours, time.minutes, time.seconds)
        default:
            throw ASN1Error.unexpectedFieldType(node.identifier)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: parts.year, month: parts.month, day: parts.day, hour: parts.hours, minute: parts.minutes, second: parts.seconds)
        guard let date = calendar.date(from: components) else { throw ASN1Error.invalidASN1Object(reason: "impossible date") }
        return date
    }

    static func normalized(_ serial: [UInt8]) -> [UInt8] {
        let trimmed = serial.drop { $0 == 0 }
        return trimmed.isEmpty ? [0] : Array(trimmed)
    }
}
