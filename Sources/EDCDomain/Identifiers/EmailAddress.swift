/// An e-mail address, checked pragmatically: an RFC 5322 dot-atom local part, `@`, and a valid
/// `FQDN`. Quoted local parts and IP-literal domains are refused: no real contact needs them.
public struct EmailAddress: ValidatedIdentifier {
    /// `local@domain`, the local part as typed, the domain lower-cased.
    public let value: String

    /// The characters RFC 5322 allows in an atom, besides letters and digits.
    private static let atomSymbols = Set("!#$%&'*+/=?^_`{|}~-")

    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else {
            throw ValidationError(
                code: "email.empty",
                userMessage: "L'adresse électronique est obligatoire.",
                technicalDetail: "e-mail address is empty"
            )
        }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ValidationError(
                code: "email.syntax",
                userMessage: "L'adresse électronique doit être de la forme nom@domaine.fr.",
                technicalDetail: "e-mail address \(text.quotedForLog) does not contain exactly one \"@\""
            )
        }
        let local = String(parts[0])
        guard !local.isEmpty, local.utf8.count <= 64 else {
            throw ValidationError(
                code: "email.local_part_length",
                userMessage: "La partie avant « @ » de l'adresse électronique doit comporter de 1 à 64 caractères.",
                technicalDetail: "e-mail address \(text.quotedForLog) has a local part of \(local.utf8.count) characters, expected 1...64"
            )
        }
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        let isDotAtom = atoms.allSatisfy { atom in
            !atom.isEmpty && atom.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || Self.atomSymbols.contains($0)) }
        }
        guard isDotAtom else {
            throw ValidationError(
                code: "email.local_part_invalid",
                userMessage: "La partie avant « @ » de l'adresse électronique contient des caractères non autorisés (espaces, accents, points doublés ou en bord…).",
                technicalDetail: "e-mail address \(text.quotedForLog) has a local part that is not an RFC 5322 dot-atom"
            )
        }
        let domain: FQDN
        do {
            domain = try FQDN(String(parts[1]))
        } catch let error as ValidationError {
            throw ValidationError(
                code: "email.domain",
                userMessage: "Le domaine de l'adresse électronique (après « @ ») n'est pas valide : \(error.userMessage)",
                technicalDetail: "e-mail address \(text.quotedForLog) has an invalid domain: \(error.technicalDetail) [\(error.code)]"
            )
        }
        let address = local + "@" + domain.value
        guard address.utf8.count <= 254 else {
            throw ValidationError(
                code: "email.too_long",
                userMessage: "L'adresse électronique ne doit pas dépasser 254 caractères.",
                technicalDetail: "e-mail address \(text.quotedForLog) is \(address.utf8.count) characters long, more than 254"
            )
        }
        self.value = address
    }

    /// The part before `@`, as typed.
    public var localPart: String { String(value[..<value.lastIndex(of: "@")!]) }

    /// The domain after `@`, lower-cased.
    public var domain: FQDN { FQDN(uncheckedCanonical: String(value[value.index(after: value.lastIndex(of: "@")!)...])) }
}

extension FQDN {
    init(uncheckedCanonical value: String) { self.value = value }
}
