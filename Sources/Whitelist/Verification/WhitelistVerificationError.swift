/// Why a signed list was refused. `code` is stable (for scripts, metrics and tests); `message` is
/// one English line saying what was wrong, for logs and the `edc-agent` output.
public struct WhitelistVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // The document itself.
        public static let tooLarge = Code(rawValue: "document.too_large")
        public static let malformed = Code(rawValue: "document.malformed")
        public static let doctype = Code(rawValue: "document.doctype")
        public static let forbiddenNode = Code(rawValue: "document.forbidden_node")
        public static let unknownRoot = Code(rawValue: "document.unknown_root")
        public static let invalidContent = Code(rawValue: "document.invalid_content")
        // Where the signature is and how it is built.
        public static let unsigned = Code(rawValue: "signature.missing")
        public static let multipleSignatures = Code(rawValue: "signature.multiple")
        public static let misplacedSignature = Code(rawValue: "signature.misplaced")
        public static let malformedSignature = Code(rawValue: "signature.malformed")
        public static let forbiddenAlgorithm = Code(rawValue: "signature.algorithm_forbidden")
        public static let invalidSignatureValue = Code(rawValue: "signature.value_invalid")
        // What the signature covers.
        public static let forbiddenTransform = Code(rawValue: "reference.transform_forbidden")
        public static let unexpectedReference = Code(rawValue: "reference.unexpected")
        public static let missingReference = Code(rawValue: "reference.missing")
        public static let unresolvedReference = Code(rawValue: "reference.unresolved")
        public static let duplicateID = Code(rawValue: "reference.duplicate_id")
        public static let digestMismatch = Code(rawValue: "reference.digest_mismatch")
        // XAdES signed properties.
        public static let malformedSignedProperties = Code(rawValue: "signed_properties.malformed")
        public static let signingCertificateMismatch = Code(rawValue: "signed_properties.certificate_mismatch")
        public static let signingTimeOutsideValidity = Code(rawValue: "signed_properties.signing_time_outside_validity")
        // Who signed.
        public static let malformedCertificate = Code(rawValue: "certificate.malformed")
        public static let missingCertificate = Code(rawValue: "certificate.missing")
        public static let signerNotPinned = Code(rawValue: "signer.not_pinned")
        public static let untrustedSigner = Code(rawValue: "signer.untrusted")
        public static let signerNotValidAtTime = Code(rawValue: "signer.not_valid_at_time")
        public static let signerKeyUsage = Code(rawValue: "signer.key_usage")
        public static let signerSubjectMismatch = Code(rawValue: "signer.subject_mismatch")
        public static let weakSignerKey = Code(rawValue: "signer.weak_key")
        public static let signerRevoked = Code(rawValue: "signer.revoked")
        // Revocation lists given to the verifier.
        public static let revocationListInvalid = Code(rawValue: "revocation.crl_invalid")
        public static let revocationListOutdated = Code(rawValue: "revocation.crl_outdated")
        public static let revocationListUnrelated = Code(rawValue: "revocation.crl_unrelated")
        // The verifier's own configuration.
        public static let invalidConfiguration = Code(rawValue: "configuration.invalid")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
