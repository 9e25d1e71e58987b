import Crypto
import Foundation
import X509
import _CryptoExtras

/// The private key that signs the list: RSA (PKCS#1 v1.5 with SHA-256, as ANS does) or ECDSA P-256.
public struct SigningKey: Sendable {
    enum Storage: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        // swift-crypto's P-256 key is not `Sendable` on Linux: keep its raw scalar instead.
        case p256(rawRepresentation: Data)
    }

    let storage: Storage

    public init(_ key: _RSA.Signing.PrivateKey) {
        storage = .rsa(key)
    }

    public init(_ key: P256.Signing.PrivateKey) {
        storage = .p256(rawRepresentation: key.rawRepresentation)
    }

    /// A new random key: RSA 2048 or 3072 bits, or P-256.
    public static func generate(_ kind: Kind) throws -> SigningKey {
        switch kind {
        case .rsa2048: return SigningKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .rsa3072: return SigningKey(try _RSA.Signing.PrivateKey(keySize: .bits3072))
        case .p256: return SigningKey(P256.Signing.PrivateKey())
        }
    }

    public enum Kind: String, Sendable, CaseIterable {
        case rsa2048, rsa3072, p256
    }

    private var p256Key: P256.Signing.PrivateKey? {
        guard case .p256(let raw) = storage else { return nil }
        // The bytes came from a valid key, so this cannot fail.
        return try? P256.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// Reads an unencrypted PEM private key: PKCS#8 (`PRIVATE KEY`, RSA or EC), PKCS#1
    /// (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`, P-256).
    public init(pemEncoded pem: String) throws(WhitelistSigningError) {
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            throw WhitelistSigningError(code: "key.encrypted", message: "encrypted PEM private keys are not supported; use an unencrypted PKCS#8, PKCS#1 or SEC1 key file (mode 0600)")
        }
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(rsa)
        } else if let ec = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(ec)
        } else {
            throw WhitelistSigningError(code: "key.unsupported", message: "the PEM file holds no RSA or P-256 private key")
        }
    }

    public var certificatePrivateKey: Certificate.PrivateKey {
        switch storage {
        case .rsa(let key): return Certificate.PrivateKey(key)
        case .p256: return Certificate.PrivateKey(p256Key!)
        }
    }

    public var publicKey: Certificate.PublicKey {
        certificatePrivateKey.publicKey
    }

    /// PKCS#8 PEM.
    public var pemRepresentation: String {
        switch storage {
        case .rsa(let key): return key.pkcs8PEMRepresentation
        case .p256: return p256Key!.pemRepresentation
        }
    }

    var signatureMethod: XMLDSig.SignatureMethod {
        switch storage {
        case .rsa: return .rsaSHA256
        case .p256: return .ecdsaSHA256
        }
    }

    /// The XMLDSig `SignatureValue` bytes: PKCS#1 v1.5 for RSA, raw r‖s for ECDSA.
    func signatureValue(for bytes: [UInt8]) throws -> [UInt8] {
        switch storage {
        case .rsa(let key):
            return Array(try key.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5).rawRepresentation)
        case .p256:
            return Array(try p256Key!.signature(for: SHA256.hash(data: bytes)).rawRepresentation)
        }
    }
}
