import Foundation

extension WhitelistSigner {
    /// Whether a list signed now by this signer would pass `verifier`, as `edc-agent` configured
    /// the same way would judge it: a small list is signed and verified at `time` (validity of
    /// the signer and of its chain, key usage, expected subject, anchors, revocation).
    /// EDC runs it at start and before each publication, so that it never publishes a list that
    /// DRIMboxes are bound to refuse.
    public func selfCheck(with verifier: WhitelistVerifier, at time: Date) async throws(WhitelistVerificationError) {
        let whole = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        let bytes: [UInt8]
        do {
            bytes = try sign(WhitelistDocument(generatedAt: whole, entries: []), signingTime: whole)
        } catch {
            throw WhitelistVerificationError(.invalidConfiguration, "the signer cannot sign: \(error)")
        }
        _ = try await verifier.verify(bytes, at: whole)
    }
}
