import CLibXML2
import Foundation

/// The parts of one enveloped XAdES signature, read strictly: every element must be where the
/// profile puts it, every algorithm must be one we accept, and nothing else may be present.
struct SignatureElements {
    struct Reference {
        enum DocumentTransform: Equatable { case envelopedSignature, xpathFilter2SubtractSignature }
        let uri: String
        let digest: XMLDSig.Digest
        let digestValue: [UInt8]
        let documentTransform: DocumentTransform?
    }

    struct CertificateDigest {
        let digest: XMLDSig.Digest
        let value: [UInt8]
    }

    let signature: xmlNodePtr
    let signedInfo: xmlNodePtr
    let method: XMLDSig.SignatureMethod
    let documentReference: Reference
    let propertiesReference: Reference
    let signatureValue: [UInt8]
    let keyInfoCertificates: [[UInt8]]
    let signedProperties: xmlNodePtr
    let signingTime: Date
    let signingCertificateDigest: CertificateDigest

    private typealias Failure = WhitelistVerificationError
    private static let ds = XMLDSig.namespace
    private static let xades = XMLDSig.xadesNamespace

    init(_ signature: xmlNodePtr, in document: xmlDocPtr) throws(WhitelistVerificationError) {
        self.signature = signature
        let children = try Self.children(of: signature, "Signature")
        guard children.count >= 2,
              children[0].isElement("SignedInfo", namespace: Self.ds),
              children[1].isElement("SignatureValue", namespace: Self.ds)
        else { throw Failure(.malformedSignature, "Signature must start with SignedInfo then SignatureValue") }
        signedInfo = children[0]
        signatureValue = try Self.base64(children[1], "SignatureValue")

        var rest = Array(children.dropFirst(2))
        var certificates: [[UInt8]] = []
        if let keyInfo = rest.first, keyInfo.isElement("KeyInfo", namespace: Self.ds) {
            certificates = try Self.keyInfoCertificates(keyInfo)
            rest.removeFirst()
        }
        keyInfoCertificates = certificates
        guard rest.count == 1, rest[0].isElement("Object", namespace: Self.ds) else {
            throw Failure(.malformedSignature, "Signature must end with exactly one Object holding the XAdES QualifyingProperties")
        }
        let qualifying = try Self.children(of: rest[0], "Object")
        guard qualifying.count == 1, qualifying[0].isElement("QualifyingProperties", namespace: Self.xades) else {
            throw Failure(.malformedSignature, "the signature Object must hold exactly one xades:QualifyingProperties (XAdES 1.3.2)")
        }
        if let signatureID = signature.attribute("Id") {
            guard qualifying[0].attribute("Target") == "#" + signatureID else {
                throw Failure(.malformedSignedProperties, "QualifyingProperties Target does not point at this Signature")
            }
        }
        let properties = try Self.children(of: qualifying[0], "QualifyingProperties")
        guard let first = properties.first, first.isElement("SignedProperties", namespace: Self.xades),
              properties.dropFirst().allSatisfy({ $0.isElement("UnsignedProperties", namespace: Self.xades) })
        else { throw Failure(.missingReference, "QualifyingProperties has no SignedProperties") }
        signedProperties = first

        (method, documentReference, propertiesReference) = try Self.readSignedInfo(signedInfo, in: document)
        (signingTime, signingCertificateDigest) = try Self.readSignedProperties(signedProperties)
    }

    // MARK: SignedInfo

    private static func readSignedInfo(
        _ signedInfo: xmlNodePtr,
        in document: xmlDocPtr
    ) throws(WhitelistVerificationError) -> (XMLDSig.SignatureMethod, Reference, Reference) {
        let children = try Self.children(of: signedInfo, "SignedInfo")
        guard children.count >= 3,
              children[0].isElement("CanonicalizationMethod", namespace: ds),
              children[1].isElement("SignatureMethod", namespace: ds)
        else { throw Failure(.malformedSignature, "SignedInfo must hold CanonicalizationMethod, SignatureMethod, then References") }
        let canonicalization = children[0].attribute("Algorithm") ?? ""
        guard canonicalization == XMLDSig.exclusiveC14N, children[0].elementChildren.isEmpty else {
            throw Failure(.forbiddenAlgorithm, "canonicalization method \(canonicalization) is not exclusive C14N without comments")
        }
        let methodURI = children[1].attribute("Algorithm") ?? ""
        guard let method = XMLDSig.SignatureMethod(rawValue: methodURI), children[1].elementChildren.isEmpty else {
            throw Failure(.forbiddenAlgorithm, "signature method \(methodURI) is not accepted (RSA or ECDSA with SHA-2 only)")
        }
        var documentReference: Reference?
        var propertiesReference: Reference?
        for node in children.dropFirst(2) {
            guard node.isElement("Reference", namespace: ds) else {
                throw Failure(.malformedSignature, "unexpected \(node.localName) in SignedInfo")
            }
            guard let uri = node.attribute("URI") else {
                throw Failure(.unexpectedReference, "a Reference without URI is not accepted")
            }
            if uri.isEmpty {
                guard documentReference == nil else { throw Failure(.unexpectedReference, "two references to the whole document") }
                documentReference = try readReference(node, uri: uri, isDocument: true, in: document)
            } else if uri.hasPrefix("#"), node.attribute("Type") == XMLDSig.signedPropertiesType {
                guard propertiesReference == nil else { throw Failure(.unexpectedReference, "two references to SignedProperties") }
                propertiesReference = try readReference(node, uri: uri, isDocument: false, in: document)
            } else {
                throw Failure(.unexpectedReference, "reference URI=\"\(uri)\" is neither the whole document nor the SignedProperties")
            }
        }
        guard let documentReference else { throw Failure(.missingReference, "no reference covers the whole document (URI=\"\")") }
        guard let propertiesReference else { throw Failure(.missingReference, "no reference covers the XAdES SignedProperties") }
        return (method, documentReference, propertiesReference)
    }

    private static func readReference(
        _ node: xmlNodePtr,
        uri: String,
        isDocument: Bool,
        in document: xmlDocPtr
    ) throws(WhitelistVerificationError) -> Reference {
        let extraAttributes = node.attributeNames.filter { !["Id", "URI", "Type"].contains($0) }
        guard extraAttributes.isEmpty else {
            throw Failure(.malformedSignature, "unexpected attribute \(extraAttributes[0]) on Reference URI=\"\(uri)\"")
        }
        if isDocument, let type = node.attribute("Type"), type != "http://www.w3.org/2000/09/xmldsig#Object" {
            throw Failure(.unexpectedReference, "the document reference has an unexpected Type \(type)")
        }
        let children = try Self.children(of: node, "Reference")
        guard children.count == 3,
              children[0].isElement("Transforms", namespace: ds),
              children[1].isElement("DigestMethod", namespace: ds),
              children[2].isElement("DigestValue", namespace: ds)
        else { throw Failure(.malformedSignature, "Reference URI=\"\(uri)\" must hold Transforms, DigestMethod, DigestValue") }

        let transforms = try Self.children(of: children[0], "Transforms")
        var algorithms: [String] = []
        for transform in transforms {
            guard transform.isElement("Transform", namespace: ds) else {
                throw Failure(.malformedSignature, "unexpected \(transform.localName) in Transforms")
            }
            algorithms.append(transform.attribute("Algorithm") ?? "")
        }
        var documentTransform: Reference.DocumentTransform?
        if isDocument {
            guard algorithms.count == 2, algorithms[1] == XMLDSig.exclusiveC14N, transforms[1].elementChildren.isEmpty else {
                throw Failure(.forbiddenTransform, "the document reference must use exactly the enveloped-signature (or ANS XPath-filter2) transform then exclusive C14N; found \(algorithms)")
            }
            switch algorithms[0] {
            case XMLDSig.envelopedSignature where transforms[0].elementChildren.isEmpty:
                documentTransform = .envelopedSignature
            case XMLDSig.xpathFilter2 where isSubtractSignatureFilter(transforms[0], in: document):
                documentTransform = .xpathFilter2SubtractSignature
            default:
                throw Failure(.forbiddenTransform, "transform \(algorithms[0]) is not accepted on the document reference")
            }
        } else {
            guard algorithms == [XMLDSig.exclusiveC14N], transforms[0].elementChildren.isEmpty else {
                throw Failure(.forbiddenTransform, "the SignedProperties reference must use exactly exclusive C14N; found \(algorithms)")
            }
        }
        let digestURI = children[1].attribute("Algorithm") ?? ""
        guard let digest = XMLDSig.Digest(rawValue: digestURI), children[1].elementChildren.isEmpty else {
            throw Failure(.forbiddenAlgorithm, "digest method \(digestURI) is not accepted (SHA-256, SHA-384, SHA-512 only)")
        }
        let value = try base64(children[2], "DigestValue")
        guard value.count == digest.hash([]).count else {
            throw Failure(.malformedSignature, "DigestValue of reference URI=\"\(uri)\" has the wrong length")
        }
        return Reference(uri: uri, digest: digest, digestValue: value, documentTransform: documentTransform)
    }

    /// The one XPath-filter2 form ANS uses: `subtract` of `/descendant::ds:Signature`, with `ds`
    /// bound to the XMLDSig namespace. Equivalent to enveloped-signature once we know the document
    /// holds exactly one `Signature`.
    private static func isSubtractSignatureFilter(_ transform: xmlNodePtr, in document: xmlDocPtr) -> Bool {
        let children = transform.elementChildren
        guard children.count == 1, children[0].isElement("XPath", namespace: XMLDSig.filter2Namespace),
              children[0].attribute("Filter") == "subtract",
              let expression = children[0].leafText?.trimmed
        else { return false }
        guard expression.hasPrefix("/descendant::") else { return false }
        let pieces = expression.dropFirst("/descendant::".count).split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, pieces[1] == "Signature" else { return false }
        return children[0].namespaceURI(forPrefix: String(pieces[0]), in: document) == XMLDSig.namespace
    }

    // MARK: KeyInfo

    private static func keyInfoCertificates(_ keyInfo: xmlNodePtr) throws(WhitelistVerificationError) -> [[UInt8]] {
        var certificates: [[UInt8]] = []
        for child in try children(of: keyInfo, "KeyInfo") {
            guard child.namespaceURI == ds else { throw Failure(.malformedSignature, "unexpected \(child.localName) in KeyInfo") }
            switch child.localName {
            case "X509Data":
                for item in try children(of: child, "X509Data") {
                    guard item.namespaceURI == ds else { throw Failure(.malformedSignature, "unexpected \(item.localName) in X509Data") }
                    switch item.localName {
                    case "X509Certificate": certificates.append(try base64(item, "X509Certificate"))
                    case "X509SubjectName", "X509IssuerSerial", "X509SKI": continue
                    default: throw Failure(.malformedSignature, "\(item.localName) is not accepted in X509Data")
                    }
                }
            case "KeyName", "KeyValue":
                continue // Informative only: the key always comes from a certificate.
            default:
                throw Failure(.malformedSignature, "\(child.localName) is not accepted in KeyInfo")
            }
        }
        return certificates
    }

    // MARK: SignedProperties

    private static func readSignedProperties(_ properties: xmlNodePtr) throws(WhitelistVerificationError) -> (Date, CertificateDigest) {
        let children = try children(of: properties, "SignedProperties")
        guard let signatureProperties = children.first, signatureProperties.isElement("SignedSignatureProperties", namespace: xades),
              children.dropFirst().allSatisfy({ $0.isElement("SignedDataObjectProperties", namespace: xades) }), children.count <= 2
        else { throw Failure(.malformedSignedProperties, "SignedProperties must hold SignedSignatureProperties (and optionally SignedDataObjectProperties)") }
        var signingTime: Date?
        var certificateDigest: CertificateDigest?
        for child in try Self.children(of: signatureProperties, "SignedSignatureProperties") {
            guard child.namespaceURI == xades else {
                throw Failure(.malformedSignedProperties, "unexpected \(child.localName) in SignedSignatureProperties")
            }
            switch child.localName {
            case "SigningTime":
                guard signingTime == nil else { throw Failure(.malformedSignedProperties, "two SigningTime") }
                guard let text = child.leafText, let date = UTCTimestamp.parse(text.trimmed) else {
                    throw Failure(.malformedSignedProperties, "SigningTime is not a UTC timestamp (yyyy-MM-ddTHH:mm:ssZ)")
                }
                signingTime = date
            case "SigningCertificate", "SigningCertificateV2":
                guard certificateDigest == nil else {
                    throw Failure(.malformedSignedProperties, "more than one SigningCertificate/SigningCertificateV2")
                }
                certificateDigest = try readSigningCertificate(child)
            default:
                continue // SignaturePolicyIdentifier, SignerRole, SignatureProductionPlace: informative.
            }
        }
        guard let signingTime else { throw Failure(.malformedSignedProperties, "SignedProperties has no SigningTime") }
        guard let certificateDigest else {
            throw Failure(.malformedSignedProperties, "SignedProperties has no SigningCertificateV2 (or SigningCertificate)")
        }
        return (signingTime, certificateDigest)
    }

    private static func readSigningCertificate(_ node: xmlNodePtr) throws(WhitelistVerificationError) -> CertificateDigest {
        let certs = try children(of: node, node.localName)
        guard let cert = certs.first, certs.allSatisfy({ $0.isElement("Cert", namespace: xades) }) else {
            throw Failure(.malformedSignedProperties, "\(node.localName) has no Cert")
        }
        let parts = try children(of: cert, "Cert")
        guard let certDigest = parts.first, certDigest.isElement("CertDigest", namespace: xades) else {
            throw Failure(.malformedSignedProperties, "Cert has no CertDigest")
        }
        let digestParts = try children(of: certDigest, "CertDigest")
        guard digestParts.count == 2,
              digestParts[0].isElement("DigestMethod", namespace: ds),
              digestParts[1].isElement("DigestValue", namespace: ds)
        else { throw Failure(.malformedSignedProperties, "CertDigest must hold DigestMethod and DigestValue") }
        let uri = digestParts[0].attribute("Algorithm") ?? ""
        guard let digest = XMLDSig.Digest(rawValue: uri) else {
            throw Failure(.forbiddenAlgorithm, "signing certificate digest method \(uri) is not accepted (SHA-2 only)")
        }
        return CertificateDigest(digest: digest, value: try base64(digestParts[1], "CertDigest DigestValue"))
    }

    // MARK: Helpers

    /// Element children, refusing text other than layout whitespace.
    private static func children(of node: xmlNodePtr, _ name: String) throws(WhitelistVerificationError) -> [xmlNodePtr] {
        guard node.hasOnlyWhitespaceText else {
            throw Failure(.malformedSignature, "unexpected text inside \(name)")
        }
        return node.elementChildren
    }

    private static func base64(_ node: xmlNodePtr, _ name: String) throws(WhitelistVerificationError) -> [UInt8] {
        guard let text = node.leafText else { throw Failure(.malformedSignature, "\(name) must hold base64 text only") }
        let compact = String(text.unicodeScalars.filter { !" \t\r\n".unicodeScalars.contains($0) })
        guard !compact.isEmpty, let data = Data(base64Encoded: compact) else {
            throw Failure(.malformedSignature, "\(name) is not valid base64")
        }
        return Array(data)
    }
}
