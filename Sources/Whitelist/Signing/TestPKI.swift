import Crypto
import Foundation
import SwiftASN1
import X509

/// A throw-away PKI shaped like IGC-Santé: root → "organisations" intermediate → an ORG SIGN-like
/// signer (digitalSignature + nonRepudiation). Every subject says TEST and "do not use in
/// production", so a list it signed can never be mistaken for a real one.
public struct TestPKI: Sendable {
    public static let organization = "EDC PKI DE TEST - NE PAS UTILISER EN PRODUCTION"
    public static let rootSubject = "CN=TEST EDC AC RACINE,O=\(organization),C=FR"
    public static let intermediateSubject = "CN=TEST EDC AC ORGANISATIONS,OU=TEST,O=\(organization),C=FR"
    public static let defaultSignerSubject = "CN=TEST Liste Blanche DRIM-M,OU=318751275100020,O=\(organization),C=FR"

    public var root: Certificate
    public var rootKey: SigningKey
    public var intermediate: Certificate
    public var intermediateKey: SigningKey
    public var signer: Certificate
    public var signerKey: SigningKey

    public init(
        root: Certificate, rootKey: SigningKey,
        intermediate: Certificate, intermediateKey: SigningKey,
        signer: Certificate, signerKey: SigningKey
    ) {
        self.root = root
        self.rootKey = rootKey
        self.intermediate = intermediate
        self.intermediateKey = intermediateKey
        self.signer = signer
        self.signerKey = signerKey
    }

    /// The signer with the intermediate, ready for `WhitelistSigner`.
    public var signingIdentity: SigningIdentity {
        // The key was generated for this certificate (or checked by `load`), so this cannot fail.
        try! SigningIdentity(certificate: signer, intermediates: [intermediate], key: signerKey)
    }

    /// A new PKI. The CAs are valid from `notValidBefore` for ten years; the signer for
    /// `signerValidity`. `signerKeyUsage` exists so tests can build an unsuitable signer.
    public static func generate(
        keyKind: SigningKey.Kind = .rsa2048,
        signerSubject: String = defaultSignerSubject,
        notValidBefore: Date = Date().addingTimeInterval(-3600),
        signerValidity: TimeInterval = 3 * 365 * 86_400,
        signerKeyUsage: KeyUsage = KeyUsage(digitalSignature: true, nonRepudiation: true)
    ) throws -> TestPKI {
        let rootKey = try SigningKey.generate(keyKind)
        let intermediateKey = try SigningKey.generate(keyKind)
        let signerKey = try SigningKey.generate(keyKind)
        let caValidity: TimeInterval = 10 * 365 * 86_400
        let rootName = try X509NameBridge.x509Name(rootSubject)
        let intermediateName = try X509NameBridge.x509Name(intermediateSubject)

        let rootSKI = SubjectKeyIdentifier(hash: rootKey.publicKey)
        let root = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: rootKey.publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidBefore.addingTimeInterval(caValidity),
            issuer: rootName, subject: rootName,
            signatureAlgorithm: signatureAlgorithm(for: rootKey),
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                rootSKI
            },
            issuerPrivateKey: rootKey.certificatePrivateKey
        )
        let intermediateSKI = SubjectKeyIdentifier(hash: intermediateKey.publicKey)
        let intermediate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: intermediateKey.publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidBefore.addingTimeInterval(caValidity),
            issuer: rootName, subject: intermediateName,
            signatureAlgorithm: signatureAlgorithm(for: rootKey),
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                intermediateSKI
                AuthorityKeyIdentifier(keyIdentifier: rootSKI.keyIdentifier)
            },
            issuerPrivateKey: rootKey.certificatePrivateKey
        )
        let signer = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: signerKey.publicKey,
            notValidBefore: notValidBefore, notValidAfter: notValidBefore.addingTimeInterval(signerValidity),
            issuer: intermediateName, subject: try X509NameBridge.x509Name(signerSubject),
            signatureAlgorithm: signatureAlgorithm(for: intermediateKey),
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(signerKeyUsage)
                SubjectKeyIdentifier(hash: signerKey.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: intermediateSKI.keyIdentifier)
            },
            issuerPrivateKey: intermediateKey.certificatePrivateKey
        )
        return TestPKI(
            root: root, rootKey: rootKey,
            intermediate: intermediate, intermediateKey: intermediateKey,
            signer: signer, signerKey: signerKey
        )
    }

    /// The file names used by `write(to:)` and `load(from:)`.
    public enum FileName {
        public static let root = "test-root-ca.pem"
        public static let rootKey = "test-root-ca.key.pem"
        public static let intermediate = "test-organisations-ca.pem"
        public static let intermediateKey = "test-organisations-ca.key.pem"
        public static let signer = "test-signer.pem"
        public static let signerKey = "test-signer.key.pem"
        public static let readme = "README-TEST-PKI.txt"
    }

    /// Writes the six PEM files (keys with mode 0600) and a README saying this is a test PKI.
    public func write(to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ text: String, _ name: String, secret: Bool) throws {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            try manager.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: url.path)
        }
        try write(PEMFiles.pem(root), FileName.root, secret: false)
        try write(rootKey.pemRepresentation, FileName.rootKey, secret: true)
        try write(PEMFiles.pem(intermediate), FileName.intermediate, secret: false)
        try write(intermediateKey.pemRepresentation, FileName.intermediateKey, secret: true)
        try write(PEMFiles.pem(signer), FileName.signer, secret: false)
        try write(signerKey.pemRepresentation, FileName.signerKey, secret: true)
        try write(
            "TEST PKI generated by EDC. NOT FOR PRODUCTION: lists signed with it are test lists.\n"
                + "PKI DE TEST generee par EDC. NE PAS UTILISER EN PRODUCTION.\n",
            FileName.readme, secret: false
        )
    }

    /// Reads what `write(to:)` wrote; refuses keys that do not match their certificates.
    public static func load(from directory: URL) throws -> TestPKI {
        func certificate(_ name: String) throws -> Certificate {
            try PEMFiles.certificates(in: PEMFiles.read(directory.appendingPathComponent(name)), what: name)[0]
        }
        func key(_ name: String, for certificate: Certificate) throws -> SigningKey {
            let key = try SigningKey(pemEncoded: PEMFiles.read(directory.appendingPathComponent(name)))
            guard key.publicKey == certificate.publicKey else {
                throw WhitelistSigningError(code: "key.certificate_mismatch", message: "\(name) does not match its certificate")
            }
            return key
        }
        let root = try certificate(FileName.root)
        let intermediate = try certificate(FileName.intermediate)
        let signer = try certificate(FileName.signer)
        return TestPKI(
            root: root, rootKey: try key(FileName.rootKey, for: root),
            intermediate: intermediate, intermediateKey: try key(FileName.intermediateKey, for: intermediate),
            signer: signer, signerKey: try key(FileName.signerKey, for: signer)
        )
    }

    private static func signatureAlgorithm(for key: SigningKey) -> Certificate.SignatureAlgorithm {
        switch key.storage {
        case .rsa: return .sha256WithRSAEncryption
        case .p256: return .ecdsaWithSHA256
        }
    }
}
