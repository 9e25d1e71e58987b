import CLibXML2
import Crypto
import EDCDomain
import Foundation
@_spi(FixedExpiryValidationTime) import X509
import _CryptoExtras

/// The strict verifier of a signed `ListeBlancheDRIM-M`.
///
/// Accepts the two ANS signature profiles (enveloped-signature or XPath-filter2 "subtract
/// Signature", `SigningCertificate` or `SigningCertificateV2`) and everything `WhitelistSigner`
/// produces; refuses anything else (see `WhitelistVerificationError.Code`). The returned content
/// is read from the very tree whose digests were checked.
public struct WhitelistVerifier: Sendable {
    public static let defaultMaxSize = 16 * 1024 * 1024

    public let trust: WhitelistTrust
    public let expectedSubject: EDCDomain.DistinguishedName?
    public let maxSize: Int
    /// CRLs checked against the validated chain (anchored trust only).
    public let revocationLists: [CertificateRevocationList]
    private let pinnedDER: [UInt8]?

    /// `expectedSubject` is RFC 4514 text compared on attribute types and values
    /// (e.g. `CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR`).
    /// `revocationLists` go with `.anchors`: each one is checked against the chain it revokes in
    /// (issuer name and signature), and must be current at the verification time.
    public init(
        trust: WhitelistTrust, expectedSubject: String? = nil, maxSize: Int = defaultMaxSize,
        revocationLists: [CertificateRevocationList] = []
    ) throws(WhitelistVerificationError) {
        self.trust = trust
        self.maxSize = maxSize
        self.revocationLists = revocationLists
        if case .pinnedSigner = trust, !revocationLists.isEmpty {
            throw WhitelistVerificationError(.invalidConfiguration, "revocation lists go with trust anchors: a pinned signer has no chain to check them against")
        }
        if let expectedSubject {
            do {
                self.expectedSubject = try EDCDomain.DistinguishedName(expectedSubject)
            } catch {
                throw WhitelistVerificationError(.invalidConfiguration, "expected subject \(expectedSubject.debugDescription) is not an RFC 4514 DN: \(error)")
            }
        } else {
            self.expectedSubject = nil
        }
        if case .pinnedSigner(let certificate) = trust {
            do {
                pinnedDER = try PEMFiles.der(certificate)
            } catch {
                throw WhitelistVerificationError(.invalidConfiguration, "the pinned certificate cannot be encoded")
            }
        } else {
            pinnedDER = nil
        }
    }

    /// Verifies `bytes` as of `time` (certificate validity is checked at that instant).
    public func verify(_ bytes: [UInt8], at time: Date = Date()) async throws(WhitelistVerificationError) -> VerifiedWhitelist {
        let checked = try checkDocument(bytes)
        try checkSignerCertificate(checked.signer, at: checked.elements.signingTime, time: time)
        if case .anchors(let roots, let configuredIntermediates) = trust {
            let intermediates = checked.otherCertificates + configuredIntermediates
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                WhitelistSignerPolicy(expectedSubject: expectedSubject)
            }
            switch await verifier.validate(leaf: checked.signer, intermediates: CertificateStore(intermediates)) {
            case .couldNotValidate(let failures):
                let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trust anchor"
                throw WhitelistVerificationError(.untrustedSigner, "the signer certificate does not chain to a trust anchor: \(reason)")
            case .validCertificate(let chain):
                if !revocationLists.isEmpty { try checkRevocation(of: Array(chain), at: time) }
            }
        }
        return checked.result
    }

    /// Every certificate of the chain below the root whose issuer has a CRL here must not be
    /// listed in it. A CRL naming a chain CA must be signed by it and current at `time`; at least
    /// one CRL must concern the chain (a CRL for another PKI is a configuration mistake).
    private func checkRevocation(of chain: [Certificate], at time: Date) throws(WhitelistVerificationError) {
        var used = 0
        for (index, certificate) in chain.enumerated() where index + 1 < chain.count {
            let issuer = chain[index + 1]
            let named = revocationLists.filter { $0.issuer == certificate.issuer }
            guard !named.isEmpty else { continue }
            let signed = named.filter { $0.isSigned(by: issuer) }
            guard !signed.isEmpty else {
                throw WhitelistVerificationError(.revocationListInvalid, "the CRL of \(X509NameBridge.text(issuer.subject)) is not signed by that CA's key")
            }
            for list in signed {
                used += 1
                guard list.thisUpdate <= time, time <= (list.nextUpdate ?? .distantFuture) else {
                    throw WhitelistVerificationError(.revocationListOutdated, "the CRL of \(X509NameBridge.text(issuer.subject)) is not current at \(UTCTimestamp.format(time)) (this update \(UTCTimestamp.format(list.thisUpdate)), next update \(list.nextUpdate.map(UTCTimestamp.format) ?? "none"))")
                }
                if let revokedAt = list.revocationDate(of: certificate.serialNumber) {
                    let role = index == 0 ? "signer certificate" : "CA certificate"
                    throw WhitelistVerificationError(.signerRevoked, "the \(role) \(X509NameBridge.text(certificate.subject)) (serial \(certificate.serialNumber)) was revoked at \(UTCTimestamp.format(revokedAt)) by \(X509NameBridge.text(issuer.subject))")
                }
            }
        }
        guard used > 0 else {
            throw WhitelistVerificationError(.revocationListUnrelated, "none of the given CRLs was issued by a CA of the signer's chain")
        }
    }

    // MARK: Synchronous part (the libxml2 tree never crosses a suspension point)

    private struct CheckedDocument {
        let elements: SignatureElementsSummary
        let signer: Certificate
        let otherCertificates: [Certificate]
        let result: VerifiedWhitelist
    }

    /// What survives the tree: plain values only.
    private struct SignatureElementsSummary {
        let signingTime: Date
    }

    private func checkDocument(_ bytes: [UInt8]) throws(WhitelistVerificationError) -> CheckedDocument {
        guard bytes.count <= maxSize else {
            throw WhitelistVerificationError(.tooLarge, "the document is \(bytes.count) bytes, over the \(maxSize)-byte limit")
        }
        let tree: XMLTree
        do {
            tree = try XMLTree(parsing: bytes)
        } catch {
            switch error {
            case .doctype: throw WhitelistVerificationError(.doctype, "a DOCTYPE or entity declaration is not allowed")
            case .malformed(let reason): throw WhitelistVerificationError(.malformed, "not well-formed XML (\(reason))")
            }
        }
        if let forbidden = ForbiddenNodeScanner.firstForbiddenNode(in: tree) {
            throw WhitelistVerificationError(.forbiddenNode, "\(forbidden) is not allowed in a signed list")
        }
        guard let root = tree.rootElement else { throw WhitelistVerificationError(.malformed, "no root element") }
        do {
            _ = try WhitelistTreeReader.rootNamespace(root)
        } catch {
            throw WhitelistVerificationError(.unknownRoot, error.message)
        }
        let signatureNode = try Self.theSignature(in: tree, root: root)
        let elements = try SignatureElements(signatureNode, in: tree.document)
        try Self.checkIDs(tree: tree, elements: elements)

        let certificates = try elements.keyInfoCertificates.map { der throws(WhitelistVerificationError) in
            do {
                return try Certificate(derEncoded: der)
            } catch {
                throw WhitelistVerificationError(.malformedCertificate, "a KeyInfo X509Certificate cannot be read: \(error)")
            }
        }
        let (signer, signerDER, others) = try selectSigner(elements: elements, certificates: certificates)

        let certificateDigest = elements.signingCertificateDigest
        guard certificateDigest.digest.hash(signerDER) == certificateDigest.value else {
            throw WhitelistVerificationError(.signingCertificateMismatch, "SigningCertificate digest does not match the signer certificate")
        }
        try Self.checkReferences(tree: tree, elements: elements)
        try Self.checkSignatureValue(tree: tree, elements: elements, signer: signer)

        let content: (document: WhitelistDocument, namespace: WhitelistNamespace)
        do {
            content = try WhitelistTreeReader.read(tree)
        } catch {
            throw WhitelistVerificationError(.invalidContent, error.description)
        }
        let result = VerifiedWhitelist(
            document: content.document,
            namespace: content.namespace,
            signingTime: elements.signingTime,
            signerSubject: X509NameBridge.text(signer.subject),
            signerCertificate: signer
        )
        return CheckedDocument(
            elements: SignatureElementsSummary(signingTime: elements.signingTime),
            signer: signer,
            otherCertificates: others,
            result: result
        )
    }

    /// Exactly one XMLDSig `Signature` in the whole document, a direct child of the root.
    private static func theSignature(in tree: XMLTree, root: xmlNodePtr) throws(WhitelistVerificationError) -> xmlNodePtr {
        var found: [xmlNodePtr] = []
        try XMLWalk.forEachNode(from: root) { node in
            if node.pointee.type == XML_ELEMENT_NODE, node.isElement("Signature", namespace: XMLDSig.namespace) {
                found.append(node)
            }
        }
        guard let signature = found.first else {
            throw WhitelistVerificationError(.unsigned, "the list is not signed (no ds:Signature element)")
        }
        guard found.count == 1 else {
            throw WhitelistVerificationError(.multipleSignatures, "the document holds \(found.count) Signature elements; exactly one is accepted")
        }
        guard signature.pointee.parent == root else {
            throw WhitelistVerificationError(.misplacedSignature, "the Signature is not a direct child of the root element")
        }
        return signature
    }

    /// Every `Id` value is unique in the document, and the SignedProperties reference resolves to
    /// the SignedProperties of this signature and nothing else (no ID-wrapping).
    private static func checkIDs(tree: XMLTree, elements: SignatureElements) throws(WhitelistVerificationError) {
        var owners: [String: [xmlNodePtr]] = [:]
        try XMLWalk.forEachNode(from: tree.rootElement!) { node in
            guard node.pointee.type == XML_ELEMENT_NODE else { return }
            var attribute = node.pointee.properties
            while let current = attribute {
                let name = current.pointee.name.map { String(cString: $0) } ?? ""
                let isXMLID = current.pointee.ns.flatMap { $0.pointee.href.map { String(cString: $0) } } == "http://www.w3.org/XML/1998/namespace" && name == "id"
                if name == "Id" || name == "ID" || name == "id" || isXMLID, let value = node.attribute(name) ?? xmlGetProp(node, name).map({ pointer in
                    defer { edc_xml_free(pointer) }
                    return String(cString: pointer)
                }) {
                    owners[value, default: []].append(node)
                }
                attribute = current.pointee.next
            }
        }
        if let duplicate = owners.first(where: { $0.value.count > 1 }) {
            throw WhitelistVerificationError(.duplicateID, "the Id \"\(duplicate.key)\" is used by \(duplicate.value.count) elements")
        }
        let target = String(elements.propertiesReference.uri.dropFirst())
        guard let owner = owners[target]?.first else {
            throw WhitelistVerificationError(.unresolvedReference, "reference URI=\"\(elements.propertiesReference.uri)\" points at no element")
        }
        guard owner == elements.signedProperties else {
            throw WhitelistVerificationError(.unresolvedReference, "reference URI=\"\(elements.propertiesReference.uri)\" does not point at this signature's SignedProperties")
        }
    }

    /// The signer certificate: the pinned one, or the `KeyInfo` certificate named by
    /// SigningCertificate(V2); the other `KeyInfo` certificates may serve as intermediates.
    private func selectSigner(
        elements: SignatureElements,
        certificates: [Certificate]
    ) throws(WhitelistVerificationError) -> (Certificate, [UInt8], [Certificate]) {
        switch trust {
        case .pinnedSigner(let pinned):
            let pinnedDER = self.pinnedDER ?? []
            if let first = elements.keyInfoCertificates.first, first != pinnedDER {
                throw WhitelistVerificationError(.signerNotPinned, "the KeyInfo certificate (\(X509NameBridge.text(certificates[0].subject))) is not the pinned signer certificate")
            }
            return (pinned, pinnedDER, [])
        case .anchors:
            guard !certificates.isEmpty else {
                throw WhitelistVerificationError(.missingCertificate, "KeyInfo carries no X509Certificate to check against the trust anchors")
            }
            let digest = elements.signingCertificateDigest
            guard let index = elements.keyInfoCertificates.firstIndex(where: { digest.digest.hash($0) == digest.value }) else {
                throw WhitelistVerificationError(.signingCertificateMismatch, "no KeyInfo certificate matches the SigningCertificate digest")
            }
            var others = certificates
            others.remove(at: index)
            return (certificates[index], elements.keyInfoCertificates[index], others)
        }
    }

    private static func checkReferences(tree: XMLTree, elements: SignatureElements) throws(WhitelistVerificationError) {
        let properties = elements.propertiesReference
        let propertiesBytes: [UInt8]
        do {
            propertiesBytes = try ExclusiveCanonicalizer.canonicalBytes(tree, .subtree(elements.signedProperties))
        } catch {
            throw WhitelistVerificationError(.malformed, "libxml2 could not canonicalise SignedProperties")
        }
        guard properties.digest.hash(propertiesBytes) == properties.digestValue else {
            throw WhitelistVerificationError(.digestMismatch, "reference digest mismatch for URI=\"\(properties.uri)\" (SignedProperties)")
        }
        let document = elements.documentReference
        var hasher = document.digest.makeHasher()
        do {
            try ExclusiveCanonicalizer.canonicalize(tree, .documentExcluding(elements.signature)) { hasher.update($0) }
        } catch {
            throw WhitelistVerificationError(.malformed, "libxml2 could not canonicalise the document")
        }
        guard hasher.finalize() == document.digestValue else {
            throw WhitelistVerificationError(.digestMismatch, "reference digest mismatch for URI=\"\" (the list content was changed after signing)")
        }
    }

    private static func checkSignatureValue(tree: XMLTree, elements: SignatureElements, signer: Certificate) throws(WhitelistVerificationError) {
        let signedInfo: [UInt8]
        do {
            signedInfo = try ExclusiveCanonicalizer.canonicalBytes(tree, .subtree(elements.signedInfo))
        } catch {
            throw WhitelistVerificationError(.malformed, "libxml2 could not canonicalise SignedInfo")
        }
        let method = elements.method
        let valid: Bool
        if method.isRSA {
            guard let key = _RSA.Signing.PublicKey(signer.publicKey) else {
                throw WhitelistVerificationError(.forbiddenAlgorithm, "signature method \(method.rawValue) does not match the signer's key type")
            }
            guard key.keySizeInBits >= 2048 else {
                throw WhitelistVerificationError(.weakSignerKey, "the signer's RSA key has \(key.keySizeInBits) bits; 2048 at least are required")
            }
            let signature = _RSA.Signing.RSASignature(rawRepresentation: elements.signatureValue)
            switch method.digest {
            case .sha256: valid = key.isValidSignature(signature, for: SHA256.hash(data: signedInfo), padding: .insecurePKCS1v1_5)
            case .sha384: valid = key.isValidSignature(signature, for: SHA384.hash(data: signedInfo), padding: .insecurePKCS1v1_5)
            case .sha512: valid = key.isValidSignature(signature, for: SHA512.hash(data: signedInfo), padding: .insecurePKCS1v1_5)
            }
        } else if let key = P256.Signing.PublicKey(signer.publicKey) {
            guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: elements.signatureValue) else {
                throw WhitelistVerificationError(.invalidSignatureValue, "the ECDSA SignatureValue is not r||s for P-256")
            }
            switch method.digest {
            case .sha256: valid = key.isValidSignature(signature, for: SHA256.hash(data: signedInfo))
            case .sha384: valid = key.isValidSignature(signature, for: SHA384.hash(data: signedInfo))
            case .sha512: valid = key.isValidSignature(signature, for: SHA512.hash(data: signedInfo))
            }
        } else {
            throw WhitelistVerificationError(.forbiddenAlgorithm, "signature method \(method.rawValue) does not match the signer's key type (RSA or P-256 only)")
        }
        guard valid else {
            throw WhitelistVerificationError(.invalidSignatureValue, "the SignatureValue does not verify with the signer's key")
        }
    }

    /// Validity at `time` and at the signing time, key usage and subject: checked for pinned and
    /// anchored signers alike (the chain is checked afterwards, for anchors).
    private func checkSignerCertificate(_ signer: Certificate, at signingTime: Date, time: Date) throws(WhitelistVerificationError) {
        let validity = "\(UTCTimestamp.format(signer.notValidBefore)) to \(UTCTimestamp.format(signer.notValidAfter))"
        guard signer.notValidBefore <= time, time <= signer.notValidAfter else {
            throw WhitelistVerificationError(.signerNotValidAtTime, "the signer certificate is not valid at \(UTCTimestamp.format(time)) (valid \(validity))")
        }
        guard signer.notValidBefore <= signingTime, signingTime <= signer.notValidAfter else {
            throw WhitelistVerificationError(.signingTimeOutsideValidity, "SigningTime \(UTCTimestamp.format(signingTime)) is outside the signer certificate validity (\(validity))")
        }
        if let problem = WhitelistSignerPolicy.problem(with: signer, expectedSubject: expectedSubject) {
            throw problem
        }
    }
}
