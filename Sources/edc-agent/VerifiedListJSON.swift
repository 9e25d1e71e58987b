import Foundation
import Whitelist

/// The `--json` output: what was verified, for scripts (e.g. extracting the db FQDNs and DNs).
struct VerifiedListJSON: Encodable {
    struct Entry: Encodable {
        let identifiant: String
        let db: String
        /// Omitted when the list gives no viewer FQDN for the entry (older entries of real ANS lists).
        let vi: String?
        let denomination: String
        let dn: String
    }

    let generatedAt: String
    let signingTime: String
    let signer: String
    let entries: [Entry]

    init(_ verified: VerifiedWhitelist) {
        generatedAt = UTCTimestamp.format(verified.document.generatedAt)
        signingTime = UTCTimestamp.format(verified.signingTime)
        signer = verified.signerSubject
        entries = verified.document.entries.map {
            Entry(identifiant: $0.identifiant, db: $0.db, vi: $0.vi, denomination: $0.denomination, dn: $0.certificateDN)
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}
