/// The national structure identifier (identifiant national de structure) that IGC-Santé writes in
/// the OU of a certificate: one digit for the kind of register, then the number in that register,
/// e.g. `318751275100020` = SIRET 18751275100020 (ANS).
public struct StructureID: ValidatedIdentifier {
    /// The register the number comes from; the raw value is the prefix digit.
    public enum Kind: Int, Sendable, Hashable, CaseIterable, Codable {
        case adeli = 0
        case finess = 1
        case siren = 2
        case siret = 3
        case rpps = 4

        /// How many characters follow the prefix digit.
        var numberLength: Int {
            switch self {
            case .adeli, .finess, .siren: 9
            case .siret: 14
            case .rpps: 11
            }
        }

        var frenchName: String {
            switch self {
            case .adeli: "ADELI"
            case .finess: "FINESS"
            case .siren: "SIREN"
            case .siret: "SIRET"
            case .rpps: "RPPS"
            }
        }
    }

    /// The prefix digit then the number, e.g. `318751275100020`.
    public let value: String
    public let kind: Kind

    /// The number without its prefix digit, e.g. `18751275100020`.
    public var number: String { String(value.dropFirst()) }

    /// The SIRET, when the kind is `.siret`.
    public var siret: SIRET? { kind == .siret ? SIRET(uncheckedDigits: number) : nil }

    /// The SIREN of the structure: the number itself for `.siren`, its first 9 digits for `.siret`.
    public var siren: SIREN? {
        switch kind {
        case .siren: SIREN(uncheckedDigits: number)
        case .siret: siret?.siren
        default: nil
        }
    }

    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace
        guard let first = trimmed.utf8.first else {
            throw ValidationError(
                code: "structure_id.empty",
                userMessage: "L'identifiant national de structure est obligatoire.",
                technicalDetail: "structure identifier is empty"
            )
        }
        guard first >= UInt8(ascii: "0"), first <= UInt8(ascii: "4"),
              let kind = Kind(rawValue: Int(first - UInt8(ascii: "0")))
        else {
            throw ValidationError(
                code: "structure_id.kind",
                userMessage: "L'identifiant national de structure doit commencer par un chiffre de 0 à 4 (0 ADELI, 1 FINESS, 2 SIREN, 3 SIRET, 4 RPPS).",
                technicalDetail: "structure identifier \(text.quotedForLog) does not start with a kind digit 0...4"
            )
        }
        let number = String(trimmed.dropFirst()).uppercased()
        guard number.utf8.count == kind.numberLength else {
            throw ValidationError(
                code: "structure_id.length",
                userMessage: "Un identifiant national de structure de type \(kind.frenchName) comporte le chiffre \(kind.rawValue) suivi de \(kind.numberLength) caractères.",
                technicalDetail: "structure identifier \(text.quotedForLog) of kind \(kind) has \(number.utf8.count) characters after the prefix, expected \(kind.numberLength)"
            )
        }
        guard kind == .finess ? Self.isFINESS(number) : number.isASCIIDigits else {
            throw ValidationError(
                code: "structure_id.invalid_character",
                userMessage: kind == .finess
                    ? "Un numéro FINESS ne contient que des chiffres (ou 2A / 2B pour la Corse en 2e et 3e positions)."
                    : "L'identifiant national de structure ne doit contenir que des chiffres.",
                technicalDetail: "structure identifier \(text.quotedForLog) of kind \(kind) contains invalid characters"
            )
        }
        do {
            switch kind {
            case .siren: _ = try SIREN(number)
            case .siret: _ = try SIRET(number)
            default: break
            }
        } catch let error as ValidationError {
            throw ValidationError(
                code: "structure_id.\(kind)",
                userMessage: "L'identifiant national de structure \(trimmed) n'est pas valide : \(error.userMessage)",
                technicalDetail: "structure identifier \(text.quotedForLog): \(error.technicalDetail) [\(error.code)]"
            )
        }
        self.kind = kind
        self.value = String(first - UInt8(ascii: "0")) + number
    }

    /// FINESS numbers are 9 digits, the first two being the department code, which is 2A or 2B
    /// in Corsica (positions 2-3 of the structure identifier, after the prefix digit).
    private static func isFINESS(_ number: String) -> Bool {
        let characters = Array(number)
        guard characters.count == 9 else { return false }
        let department = String(characters[0...1])
        let rest = String(characters[2...])
        return rest.isASCIIDigits && (department.isASCIIDigits || department == "2A" || department == "2B")
    }
}
