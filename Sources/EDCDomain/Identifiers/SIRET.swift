/// The 14-digit identifier of one establishment of a company: its SIREN then a 5-digit NIC.
///
/// The whole number carries a Luhn check digit, except at La Poste (SIREN 356000000), whose many
/// establishments were numbered before the rule: their SIRET is valid when the sum of its digits
/// is a multiple of 5 (the head office, 35600000000048, passes Luhn; both rules are accepted).
public struct SIRET: ValidatedIdentifier {
    /// The 14 digits, without spaces.
    public let value: String

    static let laPosteSIREN = "356000000"

    public init(_ text: String) throws {
        let digits = text.removingSpaces.trimmingWhitespace
        guard !digits.isEmpty else {
            throw ValidationError(
                code: "siret.empty",
                userMessage: "Le SIRET est obligatoire.",
                technicalDetail: "SIRET is empty"
            )
        }
        guard digits.isASCIIDigits else {
            throw ValidationError(
                code: "siret.invalid_character",
                userMessage: "Le SIRET ne doit contenir que des chiffres.",
                technicalDetail: "SIRET \(text.quotedForLog) contains characters other than digits and spaces"
            )
        }
        guard digits.utf8.count == 14 else {
            throw ValidationError(
                code: "siret.length",
                userMessage: "Le SIRET doit comporter 14 chiffres.",
                technicalDetail: "SIRET \(text.quotedForLog) has \(digits.utf8.count) digits, expected 14"
            )
        }
        let sirenDigits = String(digits.prefix(9))
        guard Luhn.isValid(sirenDigits) else {
            throw ValidationError(
                code: "siret.siren_checksum",
                userMessage: "Les 9 premiers chiffres du SIRET (le SIREN \(sirenDigits)) ne sont pas valides : vérifiez sa saisie.",
                technicalDetail: "SIRET \(text.quotedForLog): its SIREN part \(sirenDigits) fails the Luhn check"
            )
        }
        guard Luhn.isValid(digits) || Self.isValidLaPosteSIRET(digits) else {
            throw ValidationError(
                code: "siret.checksum",
                userMessage: "Le SIRET \(digits) n'est pas valide (clé de contrôle incorrecte) : vérifiez sa saisie.",
                technicalDetail: "SIRET \(text.quotedForLog) fails the Luhn check (and is not a La Poste SIRET whose digit sum is a multiple of 5)"
            )
        }
        self.value = digits
    }

    /// The company this establishment belongs to.
    public var siren: SIREN { SIREN(uncheckedDigits: String(value.prefix(9))) }

    /// The La Poste exception: SIREN 356000000 and a digit sum that is a multiple of 5.
    static func isValidLaPosteSIRET(_ digits: String) -> Bool {
        guard digits.hasPrefix(laPosteSIREN) else { return false }
        let sum = digits.utf8.reduce(0) { $0 + Int($1 - UInt8(ascii: "0")) }
        return sum % 5 == 0
    }

    /// For digits already checked by a caller.
    init(uncheckedDigits digits: String) {
        self.value = digits
    }
}
