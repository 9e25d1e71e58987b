/// A French (metropolitan, +33) phone number, typed in any usual way: `01 23 45 67 89`,
/// `01.23.45.67.89`, `0123456789`, `+33 1 23 45 67 89`, `0033 1 23 45 67 89`.
///
/// Stored in E.164 form (`+33123456789`). Overseas numbers with their own country code (+262,
/// +590…) are not handled.
public struct FrenchPhoneNumber: ValidatedIdentifier {
    /// E.164: `+33` then the 9 national digits after the leading 0.
    public let value: String

    /// Separators users put between digit groups.
    private static let separators: Set<Character> = [" ", ".", "-", "\u{00A0}", "\u{202F}"]

    public init(_ text: String) throws {
        let compact = String(text.trimmingWhitespace.filter { !Self.separators.contains($0) })
        let significant: Substring
        if compact.hasPrefix("+33") {
            significant = compact.dropFirst(3)
        } else if compact.hasPrefix("0033") {
            significant = compact.dropFirst(4)
        } else if compact.hasPrefix("+") || compact.hasPrefix("00") {
            throw ValidationError(
                code: "phone.country",
                userMessage: "Seuls les numéros de téléphone français (+33) sont acceptés.",
                technicalDetail: "phone number \(text.quotedForLog) has a country code other than +33"
            )
        } else if compact.hasPrefix("0") {
            significant = compact.dropFirst(1)
        } else {
            throw ValidationError(
                code: "phone.format",
                userMessage: "Le numéro de téléphone doit être au format 01 23 45 67 89 ou +33 1 23 45 67 89.",
                technicalDetail: "phone number \(text.quotedForLog) starts with neither 0, +33 nor 0033"
            )
        }
        let digits = String(significant)
        guard digits.isASCIIDigits || digits.isEmpty else {
            throw ValidationError(
                code: "phone.invalid_character",
                userMessage: "Le numéro de téléphone ne doit contenir que des chiffres, des espaces ou des points.",
                technicalDetail: "phone number \(text.quotedForLog) contains characters other than digits and separators"
            )
        }
        guard digits.utf8.count == 9 else {
            throw ValidationError(
                code: "phone.length",
                userMessage: "Le numéro de téléphone doit comporter 10 chiffres (0 compris).",
                technicalDetail: "phone number \(text.quotedForLog) has \(digits.utf8.count) digits after the prefix, expected 9"
            )
        }
        guard digits.first != "0" else {
            throw ValidationError(
                code: "phone.prefix",
                userMessage: "Le numéro de téléphone ne peut pas commencer par 00 : le chiffre après le 0 va de 1 à 9.",
                technicalDetail: "phone number \(text.quotedForLog) has 0 as first national digit"
            )
        }
        self.value = "+33" + digits
    }

    /// The national form in pairs, e.g. `01 23 45 67 89`.
    public var national: String {
        let digits = Array("0" + value.dropFirst(3))
        return stride(from: 0, to: digits.count, by: 2)
            .map { String(digits[$0..<min($0 + 2, digits.count)]) }
            .joined(separator: " ")
    }
}
