/// A value type whose only way in is a validating `init(_:)` from text, and which travels as that
/// text: encoded as a single JSON/DB string, decoded by validating again (never trusted blindly).
public protocol ValidatedIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Validates `text` and keeps its canonical form; throws `ValidationError` otherwise.
    init(_ text: String) throws
    /// The canonical text (what is stored, compared and printed).
    var value: String { get }
}

extension ValidatedIdentifier {
    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch let error as ValidationError {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: error.userMessage,
                underlyingError: error
            ))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension String {
    /// The text quoted for an English log line, cut at 100 characters so a hostile input cannot
    /// flood the logs.
    var quotedForLog: String {
        let limit = 100
        let escaped = self.unicodeScalars.count > limit
            ? String(String.UnicodeScalarView(self.unicodeScalars.prefix(limit))) + "…"
            : self
        return "\"" + escaped.debugDescriptionContent + "\""
    }

    /// `debugDescription` without its surrounding quotes: control characters shown as escapes.
    private var debugDescriptionContent: String {
        String(debugDescription.dropFirst().dropLast())
    }

    /// The text without any kind of space (ASCII, no-break, narrow no-break), as users type
    /// numbers grouped by three.
    var removingSpaces: String {
        String(unicodeScalars.filter { !Self.groupingSpaces.contains($0) }.map(Character.init))
    }

    /// The text without leading and trailing whitespace and newlines.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    static let groupingSpaces: Set<Unicode.Scalar> = [" ", "\u{00A0}", "\u{202F}"]

    /// True when every character is an ASCII digit 0-9 (and there is at least one).
    var isASCIIDigits: Bool {
        !isEmpty && utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
