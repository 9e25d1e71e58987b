/// One page of a list, with the cursor of the next page (keyset pagination: the cost of a page
/// does not grow with the number of stored rows).
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    public static var maximumLimit: Int { 200 }

    /// The page from rows fetched with `limit + 1`: the extra row, if any, only says that a next
    /// page exists, whose cursor is the key of this page's last item.
    public init(keyset rows: [Item], limit: Int, key: (Item) -> Int) {
        let items = Array(rows.prefix(limit))
        self.init(items: items, nextCursor: rows.count > limit ? items.last.map { String(key($0)) } : nil)
    }
}
