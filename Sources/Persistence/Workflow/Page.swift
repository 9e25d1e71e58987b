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
}
