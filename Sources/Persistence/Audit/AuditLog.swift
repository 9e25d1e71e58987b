import Crypto
import FluentKit
import Foundation

/// The hash-chained audit log: each entry's hash covers the previous hash and the entry's
/// content, and the head row names the last entry, so a modified, deleted or truncated entry
/// breaks the chain.
public enum AuditLog {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Audit times are kept to the millisecond so that both databases give back the hashed value.
    public static func truncatedToMilliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    static func hash(of entry: AuditEntryModel) -> String {
        let millis = Int64((entry.at.timeIntervalSince1970 * 1000).rounded())
        let fields: [String] = [
            String(entry.seq), String(millis), entry.actorID?.uuidString ?? "", entry.actorRole,
            entry.action.rawValue, entry.entityType, entry.entityID, entry.data,
        ]
        let canonical = (try? JSONText.encode(fields)) ?? ""
        let digest = SHA256.hash(data: Data((entry.previousHash + "\n" + canonical).utf8))
        return digest.hexString
    }

    public struct Verification: Sendable, Equatable {
        public var entries: Int
        /// The first sequence number at which the chain is broken, nil when intact.
        public var brokenAt: Int?
        public var problem: String?
        public var isIntact: Bool { brokenAt == nil }
    }

    /// Recomputes the whole chain.
    public static func verify(on database: any Database) async throws -> Verification {
        let entries = try await AuditEntryModel.query(on: database).sort(\.$seq).all()
        var previous = genesisHash
        var expectedSeq = 1
        for entry in entries {
            if entry.seq != expectedSeq {
                return Verification(entries: entries.count, brokenAt: expectedSeq, problem: "entry \(expectedSeq) is missing")
            }
            if entry.previousHash != previous {
                return Verification(entries: entries.count, brokenAt: entry.seq, problem: "entry \(entry.seq) does not follow the previous hash")
            }
            if hash(of: entry) != entry.hash {
                return Verification(entries: entries.count, brokenAt: entry.seq, problem: "entry \(entry.seq) was modified")
            }
            previous = entry.hash
            expectedSeq += 1
        }
        guard let head = try await AuditHeadModel.find(1, on: database) else {
            return Verification(entries: entries.count, brokenAt: 0, problem: "audit head is missing")
        }
        if head.seq != entries.count || head.hash != previous {
            return Verification(entries: entries.count, brokenAt: entries.count + 1, problem: "entries after \(entries.count) were deleted (head names \(head.seq))")
        }
        return Verification(entries: entries.count, brokenAt: nil, problem: nil)
    }
}
