import Foundation
import Whitelist

/// What was verified, for scripts and DRIMboxes in other languages (e.g. extracting the db FQDNs
/// and DNs): the `verify --json` output, and `sync`'s `peers.json` (which also names the SHA-256
/// of the list it was derived from).
struct VerifiedListJSON: Codable {
    struct Entry: Codable {
        let identifiant: String
        let db: String
        /// Omitted when the list gives no viewer FQDN for the entry (older entries of real ANS lists).
        let vi: String?
        let denomination: String
        let dn: String
    }

    /// In `peers.json` only: the SHA-256 (hex) of the installed list these entries come from.
    var listSHA256: String?
    let generatedAt: String
    let signingTime: String
    let signer: String
    let entries: [Entry]

    init(_ verified: VerifiedWhitelist, listSHA256: String? = nil) {
        self.listSHA256 = listSHA256
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
