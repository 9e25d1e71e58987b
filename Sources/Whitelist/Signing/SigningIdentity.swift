import Foundation
import SwiftASN1
import X509

/// The signer certificate, the intermediates to ship in `KeyInfo`, and the private key.
public struct SigningIdentity: Sendable {
    public let certificate: Certificate
    public let intermediates: [Certificate]
    public let key: SigningKey

    /// Refuses a key that does not belong to the certificate.
    public init(certificate: Certificate, intermediates: [Certificate] = [], key: SigningKey) throws(WhitelistSigningError) {
        guard key.publicKey == certificate.publicKey else {
            throw WhitelistSigningError(code: "key.certificate_mismatch", message: "the private key does not match the signer certificate \(certificate.subject)")
        }
        self.certificate = certificate
        self.intermediates = intermediates
        self.key = key
    }

    /// `certificatePEM` holds the signer certificate first, optionally followed by intermediates;
    /// `intermediatesPEM` may hold more.
    public init(certificatePEM: String, privateKeyPEM: String, intermediatesPEM: String? = nil) throws(WhitelistSigningError) {
        var certificates = try PEMFiles.certificates(in: certificatePEM, what: "signer certificate")
        let signer = certificates.removeFirst()
        if let intermediatesPEM {
            certificates += try PEMFiles.certificates(in: intermediatesPEM, what: "intermediate certificates")
        }
        try self.init(certificate: signer, intermediates: certificates, key: SigningKey(pemEncoded: privateKeyPEM))
    }

    /// Loads PEM files (see `init(certificatePEM:privateKeyPEM:intermediatesPEM:)`).
    public static func load(
        certificateFile: URL,
        privateKeyFile: URL,
        intermediatesFile: URL? = nil
    ) throws(WhitelistSigningError) -> SigningIdentity {
        try SigningIdentity(
            certificatePEM: PEMFiles.read(certificateFile),
            privateKeyPEM: PEMFiles.read(privateKeyFile),
            intermediatesPEM: intermediatesFile.map { url throws(WhitelistSigningError) in try PEMFiles.read(url) }
        )
    }

    var certificateDER: [UInt8] {
        get throws(WhitelistSigningError) { try PEMFiles.der(certificate) }
    }
}

/// Reading and writing PEM files for certificates.
public enum PEMFiles {
    public static func read(_ url: URL) throws(WhitelistSigningError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw WhitelistSigningError(code: "file.unreadable", message: "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Every `CERTIFICATE` block of a PEM text, in order; at least one.
    public static func certificates(in pem: String, what: String = "certificate") throws(WhitelistSigningError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw WhitelistSigningError(code: "certificate.invalid_pem", message: "the \(what) file is not valid PEM: \(error)")
        }
        var result: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                result.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw WhitelistSigningError(code: "certificate.invalid", message: "the \(what) file holds an unreadable certificate: \(error)")
            }
        }
        guard !result.isEmpty else {
            throw WhitelistSigningError(code: "certificate.missing", message: "the \(what) file holds no CERTIFICATE")
        }
        return result
    }

    public static func pem(_ certificate: Certificate) throws(WhitelistSigningError) -> String {
        do {
            return try certificate.serializeAsPEM().pemString
        } catch {
            throw WhitelistSigningError(code: "certificate.invalid", message: "cannot serialise certificate: \(error)")
        }
    }

    static func der(_ certificate: Certificate) throws(WhitelistSigningError) -> [UInt8] {
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return serializer.serializedBytes
        } catch {
            throw WhitelistSigningError(code: "certificate.invalid", message: "cannot serialise certificate: \(error)")
        }
    }
}
