import CLibXML2
import Crypto
import Foundation
import SwiftASN1
import X509

/// Signs a list as an enveloped XAdES-BASELINE-B signature, in the shape ANS uses:
/// exclusive C14N, RSA-SHA256 (PKCS#1 v1.5) or ECDSA-P256-SHA256, a reference `URI=""` with the
/// enveloped-signature transform, a reference to `SignedProperties` (SigningTime,
/// SigningCertificateV2), and the signer certificate (plus intermediates) in `KeyInfo`.
public struct WhitelistSigner: Sendable {
    public var identity: SigningIdentity
    public var namespace: WhitelistNamespace
    /// Whether `KeyInfo` carries the intermediates after the signer certificate.
    public var includesIntermediates: Bool

    public init(identity: SigningIdentity, namespace: WhitelistNamespace = .default, includesIntermediates: Bool = true) {
        self.identity = identity
        self.namespace = namespace
        self.includesIntermediates = includesIntermediates
    }

    /// Renders (validating the entries) and signs. `signingTime` is written in whole seconds.
    public func sign(_ document: WhitelistDocument, signingTime: Date = Date()) throws -> [UInt8] {
        try sign(unsignedXML: WhitelistXML.render(document, namespace: namespace), signingTime: signingTime)
    }

    /// Signs an already-rendered XML document: the signature becomes the last child of its root
    /// element. The bytes outside the inserted `Signature` are kept exactly.
    public func sign(unsignedXML: [UInt8], signingTime: Date = Date()) throws(WhitelistSigningError) -> [UInt8] {
        guard let insertionPoint = Self.rootEndTagOffset(unsignedXML) else {
            throw WhitelistSigningError(code: "signing.malformed_input", message: "cannot find the end tag of the root element")
        }
        let tree: XMLTree
        do {
            tree = try XMLTree(parsing: unsignedXML)
        } catch {
            throw WhitelistSigningError(code: "signing.malformed_input", message: "the document to sign is not acceptable XML: \(error)")
        }
        let method = identity.key.signatureMethod
        let digest = XMLDSig.Digest.sha256
        var hasher = digest.makeHasher()
        do {
            try ExclusiveCanonicalizer.canonicalize(tree, .documentExcluding(nil)) { hasher.update($0) }
        } catch {
            throw WhitelistSigningError(code: "signing.canonicalization", message: "libxml2 could not canonicalise the document")
        }
        let documentDigest = hasher.finalize()

        let certificateDER = try identity.certificateDER
        let suffix = documentDigest.prefix(8).map { String($0, radix: 16).leftPadded(2) }.joined()
        let ids = SignatureIDs(suffix: suffix)
        let signedProperties = try signedPropertiesXML(ids: ids, signingTime: signingTime, certificateDER: certificateDER)
        let propertiesDigest = try Self.canonicalDigest(
            ofElement: "SignedProperties",
            in: "<ds:Signature xmlns:ds=\"\(XMLDSig.namespace)\"><ds:Object><xades:QualifyingProperties xmlns:xades=\"\(XMLDSig.xadesNamespace)\" Target=\"#\(ids.signature)\">\(signedProperties)</xades:QualifyingProperties></ds:Object></ds:Signature>",
            digest: digest
        )
        let signedInfo = "<ds:SignedInfo>"
            + "<ds:CanonicalizationMethod Algorithm=\"\(XMLDSig.exclusiveC14N)\"/>"
            + "<ds:SignatureMethod Algorithm=\"\(method.rawValue)\"/>"
            + "<ds:Reference Id=\"\(ids.documentReference)\" URI=\"\">"
            + "<ds:Transforms><ds:Transform Algorithm=\"\(XMLDSig.envelopedSignature)\"/>"
            + "<ds:Transform Algorithm=\"\(XMLDSig.exclusiveC14N)\"/></ds:Transforms>"
            + "<ds:DigestMethod Algorithm=\"\(digest.rawValue)\"/>"
            + "<ds:DigestValue>\(Data(documentDigest).base64EncodedString())</ds:DigestValue></ds:Reference>"
            + "<ds:Reference Type=\"\(XMLDSig.signedPropertiesType)\" URI=\"#\(ids.signedProperties)\">"
            + "<ds:Transforms><ds:Transform Algorithm=\"\(XMLDSig.exclusiveC14N)\"/></ds:Transforms>"
            + "<ds:DigestMethod Algorithm=\"\(digest.rawValue)\"/>"
            + "<ds:DigestValue>\(Data(propertiesDigest).base64EncodedString())</ds:DigestValue></ds:Reference>"
            + "</ds:SignedInfo>"
        let canonicalSignedInfo = try Self.canonicalBytes(
            ofElement: "SignedInfo",
            in: "<ds:Signature xmlns:ds=\"\(XMLDSig.namespace)\">\(signedInfo)</ds:Signature>"
        )
        let signatureValue: [UInt8]
        do {
            signatureValue = try identity.key.signatureValue(for: canonicalSignedInfo)
        } catch {
            throw WhitelistSigningError(code: "signing.key_failure", message: "the private key could not sign: \(error)")
        }
        var certificates = [certificateDER]
        if includesIntermediates {
            for intermediate in identity.intermediates {
                certificates.append(try PEMFiles.der(intermediate))
            }
        }
        let keyInfo = "<ds:KeyInfo><ds:X509Data>"
            + certificates.map { "<ds:X509Certificate>\(Data($0).base64EncodedString())</ds:X509Certificate>" }.joined()
            + "</ds:X509Data></ds:KeyInfo>"
        let signature = "<ds:Signature xmlns:ds=\"\(XMLDSig.namespace)\" Id=\"\(ids.signature)\">"
            + signedInfo
            + "<ds:SignatureValue Id=\"\(ids.signatureValue)\">\(Data(signatureValue).base64EncodedString())</ds:SignatureValue>"
            + keyInfo
            + "<ds:Object><xades:QualifyingProperties xmlns:xades=\"\(XMLDSig.xadesNamespace)\" Target=\"#\(ids.signature)\">"
            + signedProperties
            + "</xades:QualifyingProperties></ds:Object></ds:Signature>"
        var output: [UInt8] = []
        output.reserveCapacity(unsignedXML.count + signature.utf8.count)
        output.append(contentsOf: unsignedXML[..<insertionPoint])
        output.append(contentsOf: signature.utf8)
        output.append(contentsOf: unsignedXML[insertionPoint...])
        return output
    }

    struct SignatureIDs {
        let signature: String
        let documentReference: String
        let signedProperties: String
        let signatureValue: String

        init(suffix: String) {
            signature = "edc-signature-\(suffix)"
            documentReference = "edc-reference-document-\(suffix)"
            signedProperties = "edc-signed-properties-\(suffix)"
            signatureValue = "edc-signature-value-\(suffix)"
        }
    }

    private func signedPropertiesXML(ids: SignatureIDs, signingTime: Date, certificateDER: [UInt8]) throws(WhitelistSigningError) -> String {
        let issuerSerial: [UInt8]
        do {
            issuerSerial = try Self.issuerSerialV2(identity.certificate)
        } catch {
            throw WhitelistSigningError(code: "certificate.invalid", message: "cannot encode IssuerSerialV2: \(error)")
        }
        return "<xades:SignedProperties Id=\"\(ids.signedProperties)\">"
            + "<xades:SignedSignatureProperties>"
            + "<xades:SigningTime>\(UTCTimestamp.format(signingTime))</xades:SigningTime>"
            + "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>"
            + "<ds:DigestMethod Algorithm=\"\(XMLDSig.Digest.sha256.rawValue)\"/>"
            + "<ds:DigestValue>\(Data(SHA256.hash(data: certificateDER)).base64EncodedString())</ds:DigestValue>"
            + "</xades:CertDigest>"
            + "<xades:IssuerSerialV2>\(Data(issuerSerial).base64EncodedString())</xades:IssuerSerialV2>"
            + "</xades:Cert></xades:SigningCertificateV2>"
            + "</xades:SignedSignatureProperties>"
            + "<xades:SignedDataObjectProperties>"
            + "<xades:DataObjectFormat ObjectReference=\"#\(ids.documentReference)\"><xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat>"
            + "</xades:SignedDataObjectProperties>"
            + "</xades:SignedProperties>"
    }

    /// DER of `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }` (RFC 5035).
    static func issuerSerialV2(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 4, tagClass: .contextSpecific)) { coder in
                    try coder.serialize(certificate.issuer)
                }
            }
            coder.appendPrimitiveNode(identifier: .integer) { bytes in
                bytes.append(contentsOf: certificate.serialNumber.bytes)
            }
        }
        return serializer.serializedBytes
    }

    /// Offset of the `</` that closes the root element (the last one in the document).
    static func rootEndTagOffset(_ bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "/") { return index }
            index -= 1
        }
        return nil
    }

    private static func canonicalBytes(ofElement name: String, in fragment: String) throws(WhitelistSigningError) -> [UInt8] {
        do {
            let tree = try XMLTree(parsing: Array(fragment.utf8))
            guard let element = tree.rootElement.flatMap({ findElement(name, under: $0) }) else {
                throw WhitelistSigningError(code: "signing.internal", message: "\(name) not found in the signature template")
            }
            return try ExclusiveCanonicalizer.canonicalBytes(tree, .subtree(element))
        } catch let error as WhitelistSigningError {
            throw error
        } catch {
            throw WhitelistSigningError(code: "signing.canonicalization", message: "cannot canonicalise \(name): \(error)")
        }
    }

    private static func canonicalDigest(ofElement name: String, in fragment: String, digest: XMLDSig.Digest) throws(WhitelistSigningError) -> [UInt8] {
        digest.hash(try canonicalBytes(ofElement: name, in: fragment))
    }

    static func findElement(_ name: String, under node: xmlNodePtr) -> xmlNodePtr? {
        if node.localName == name { return node }
        for child in node.elementChildren {
            if let found = findElement(name, under: child) { return found }
        }
        return nil
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
