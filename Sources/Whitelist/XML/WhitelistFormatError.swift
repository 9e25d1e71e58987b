/// A list that cannot be read, or a document the writer refuses to produce.
///
/// `code` is stable and machine-readable (`entry.vi_equals_db`, `xml.unexpected_element`, …);
/// `message` is one English line for logs; `entryIndex` is the position of the offending entry
/// in the input, when there is one.
public struct WhitelistFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var entryIndex: Int?

    public init(code: String, message: String, entryIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.entryIndex = entryIndex
    }

    public var description: String {
        "\(code)\(entryIndex.map { " [entry \($0)]" } ?? ""): \(message)"
    }
}
