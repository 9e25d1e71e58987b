/// The 9-digit French company identifier (Système d'identification du répertoire des entreprises),
/// whose last digit is a Luhn check digit. Users may group the digits with spaces.
public struct SIREN: ValidatedIdentifier {
    /// The 9 digits, without spaces.
    public let value: String

    public init(_ text: String) throws {
        let digits = text.removingSpaces.trimmingWhitespace
        guard !digits.isEmpty else {
            throw ValidationError(
                code: "siren.empty",
                userMessage: "Le SIREN est obligatoire.",
                technicalDetail: "SIREN is empty"
            )
        }
        guard digits.isASCIIDigits else {
            throw ValidationError(
                code: "siren.invalid_character",
                userMessage: "Le SIREN ne doit contenir que des chiffres.",
                technicalDetail: "SIREN \(text.quotedForLog) contains characters other than digits and spaces"
            )
        }
        guard digits.utf8.count == 9 else {
            throw ValidationError(
                code: "siren.length",
                userMessage: "Le SIREN doit comporter 9 chiffres.",
                technicalDetail: "SIREN \(text.quotedForLog) has \(digits.utf8.count) digits, expected 9"
            )
        }
        guard Luhn.isValid(digits) else {
            throw ValidationError(
                code: "siren.checksum",
                userMessage: "Le SIREN \(digits) n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.",
                technicalDetail: "SIREN \(text.quotedForLog) fails the Luhn check"
            )
        }
        self.value = digits
    }

    /// For digits already checked by a caller that validated a longer number (a SIRET).
    init(uncheckedDigits digits: String) {
        self.value = digits
    }
}
