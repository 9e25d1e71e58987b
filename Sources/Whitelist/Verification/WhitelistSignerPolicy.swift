import EDCDomain
import SwiftASN1
import X509

/// What the list signer's certificate must be, beyond RFC 5280: usable for signatures
/// (digitalSignature or nonRepudiation), and with the expected subject when one is configured.
struct WhitelistSignerPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    let expectedSubject: EDCDomain.DistinguishedName?

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        if let problem = Self.problem(with: chain.leaf, expectedSubject: expectedSubject) {
            return .failsToMeetPolicy(reason: problem.message)
        }
        return .meetsPolicy
    }

    static func problem(with signer: Certificate, expectedSubject: EDCDomain.DistinguishedName?) -> WhitelistVerificationError? {
        let usage: KeyUsage?
        do {
            usage = try signer.extensions.keyUsage
        } catch {
            return WhitelistVerificationError(.malformedCertificate, "the signer certificate has an unreadable key usage extension")
        }
        guard let usage, usage.digitalSignature || usage.nonRepudiation else {
            return WhitelistVerificationError(.signerKeyUsage, "the signer certificate is not meant for signatures (key usage lacks digitalSignature and nonRepudiation)")
        }
        if let expectedSubject {
            let actual = X509NameBridge.textName(signer.subject)
            guard let actual, actual.matches(expectedSubject) else {
                return WhitelistVerificationError(
                    .signerSubjectMismatch,
                    "signer subject \(X509NameBridge.text(signer.subject)) is not the expected \(expectedSubject.value)"
                )
            }
        }
        return nil
    }
}
