/// What changed between two versions of the list, entry by entry, keyed by the `db` FQDN
/// (compared case-insensitively).
public struct WhitelistDiff: Sendable, Hashable {
    public struct Change: Sendable, Hashable {
        public var old: WhitelistEntry
        public var new: WhitelistEntry
    }

    /// In the new list only, in the new list's order.
    public var added: [WhitelistEntry]
    /// In the old list only, in the old list's order.
    public var removed: [WhitelistEntry]
    /// In both, with at least one field different, in the new list's order.
    public var changed: [Change]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    public static func between(_ old: WhitelistDocument, _ new: WhitelistDocument) -> WhitelistDiff {
        func key(_ entry: WhitelistEntry) -> String { entry.db.lowercased() }
        // A real list may repeat a db; the first occurrence wins, as a DRIMbox reading it would do.
        var oldByKey: [String: WhitelistEntry] = [:]
        for entry in old.entries where oldByKey[key(entry)] == nil { oldByKey[key(entry)] = entry }
        var newKeys = Set<String>()
        var added: [WhitelistEntry] = []
        var changed: [Change] = []
        for entry in new.entries {
            guard newKeys.insert(key(entry)).inserted else { continue }
            if let previous = oldByKey[key(entry)] {
                if previous != entry { changed.append(Change(old: previous, new: entry)) }
            } else {
                added.append(entry)
            }
        }
        var seenRemoved = Set<String>()
        let removed = old.entries.filter { entry in
            !newKeys.contains(key(entry)) && seenRemoved.insert(key(entry)).inserted
        }
        return WhitelistDiff(added: added, removed: removed, changed: changed)
    }
}
