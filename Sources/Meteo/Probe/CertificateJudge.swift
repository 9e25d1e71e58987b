import EDCDomain
import Foundation
import SwiftASN1
import Whitelist
import X509

/// Judges the chain a probed server presents, for one FQDN, and says why it is refused:
/// expired, not yet valid, not for this name, or no chain to a trusted CA (in that order of
/// precedence, so that an expired certificate from a trusted CA is reported as expired).
struct CertificateJudge: Sendable {
    let roots: CertificateStore
    let host: String

    /// nil when the chain verifies for `host` at the current time.
    func judge(leaf: Certificate, intermediates: [Certificate], now: Date = Date()) async -> TLSFailureReason? {
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: host, serverIP: nil)
        }
        let failures: [CertificateValidationResult.PolicyFailure]
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate: return nil
        case .couldNotValidate(let found): failures = found
        }
        if now > leaf.notValidAfter { return .certificateExpired(notAfter: leaf.notValidAfter) }
        if now < leaf.notValidBefore { return .certificateNotYetValid(notBefore: leaf.notValidBefore) }
        // The name alone: the leaf trusted as its own root, with only the server identity policy
        // (and its critical extensions declared handled, since only the name is asked here).
        var nameCheck = Verifier(rootCertificates: CertificateStore([leaf])) {
            ServerIdentityPolicy(serverHostname: host, serverIP: nil)
            HandledExtensions(oids: leaf.extensions.filter(\.critical).map(\.oid))
        }
        if case .couldNotValidate = await nameCheck.validate(leaf: leaf, intermediates: CertificateStore()) {
            return .wrongName(presented: Self.dnsNames(leaf))
        }
        if let expired = intermediates.first(where: { now > $0.notValidAfter }) {
            return .unknownAuthority(detail: "intermediate \(CertificateNames.text(expired.subject)) expired on \(expired.notValidAfter)")
        }
        let detail = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trusted CA"
        return .unknownAuthority(detail: "issuer \(CertificateNames.text(leaf.issuer)): \(detail)")
    }

    static func dnsNames(_ certificate: Certificate) -> [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            if case .dnsName(let dns) = name { return dns }
            return nil
        }
    }

    /// What a probe records of the server certificate.
    static func record(_ leaf: Certificate, listedDN: EDCDomain.DistinguishedName?) -> ServerCertificate {
        ServerCertificate(
            subject: CertificateNames.text(leaf.subject),
            issuer: CertificateNames.text(leaf.issuer),
            notBefore: leaf.notValidBefore,
            notAfter: leaf.notValidAfter,
            dnsNames: dnsNames(leaf),
            matchesListedDN: listedDN.map { CertificateNames.name(leaf.subject, matches: $0.value) }
        )
    }
}

/// A policy that accepts every chain and declares some critical extensions handled.
private struct HandledExtensions: VerifierPolicy {
    let oids: [ASN1ObjectIdentifier]
    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { oids }
    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult { .meetsPolicy }
}
