import X509

/// Whom a verifier trusts to sign the list.
public enum WhitelistTrust: Sendable {
    /// Exactly this signer certificate (no CA needed). A `KeyInfo` certificate, when present,
    /// must be byte-identical to it.
    case pinnedSigner(Certificate)
    /// Any signer chaining to one of these roots, through the `KeyInfo` certificates and these
    /// intermediates.
    case anchors([Certificate], intermediates: [Certificate])
}
