/// An input that a user (or a machine) gave us is not acceptable.
///
/// Carries two texts: `userMessage` in French, safe to show on a page or in an API `detail`,
/// and `technicalDetail` in English for logs. `code` is stable and machine-readable
/// (for example `siren.checksum`); `field` names the input that failed, when known.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var field: String?
    public var userMessage: String
    public var technicalDetail: String

    public init(code: String, field: String? = nil, userMessage: String, technicalDetail: String) {
        self.code = code
        self.field = field
        self.userMessage = userMessage
        self.technicalDetail = technicalDetail
    }

    /// The same error, attached to a named input field (e.g. `clients[1].siren`).
    public func at(field: String) -> ValidationError {
        var copy = self
        copy.field = field
        return copy
    }

    public var description: String {
        "\(code)\(field.map { " [\($0)]" } ?? ""): \(technicalDetail)"
    }
}

/// Several validation errors found in one input, reported together (one per field).
public struct ValidationErrors: Error, Sendable, Hashable {
    public var errors: [ValidationError]
    public init(_ errors: [ValidationError]) { self.errors = errors }
}
