import Foundation

/// A `ListeBlancheDRIM-M`: generation time and entries, without any signature.
public struct WhitelistDocument: Sendable, Hashable, Codable {
    /// `DateDeGeneration` (whole seconds, UTC, in the XML).
    public var generatedAt: Date
    public var entries: [WhitelistEntry]

    public init(generatedAt: Date, entries: [WhitelistEntry]) {
        self.generatedAt = generatedAt
        self.entries = entries
    }

    /// The entries in the order the writer uses: `Identifiant` numerically, then `db`.
    public var sortedEntries: [WhitelistEntry] {
        entries.sorted { left, right in
            let leftNumber = UInt64(left.identifiant)
            let rightNumber = UInt64(right.identifiant)
            switch (leftNumber, rightNumber) {
            case let (l?, r?) where l != r: return l < r
            case (nil, _?): return false
            case (_?, nil): return true
            case (nil, nil) where left.identifiant != right.identifiant:
                return left.identifiant < right.identifiant
            default:
                return left.db < right.db
            }
        }
    }
}
