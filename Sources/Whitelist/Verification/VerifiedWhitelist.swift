import Foundation
import X509

/// A list whose signature, signer and content were all checked, read from the verified tree.
public struct VerifiedWhitelist: Sendable {
    public var document: WhitelistDocument
    public var namespace: WhitelistNamespace
    /// XAdES `SigningTime`.
    public var signingTime: Date
    /// The signer's subject, RFC 4514 text (`CN=…,OU=…,O=…,C=FR`).
    public var signerSubject: String
    public var signerCertificate: Certificate
}
