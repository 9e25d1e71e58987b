/// Why a list could not be signed, or a signing identity not loaded. `code` is stable.
public struct WhitelistSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
