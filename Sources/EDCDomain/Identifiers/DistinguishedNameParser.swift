/// RFC 4514 parser behind `DistinguishedName.init(_:)`. Works on UTF-8 bytes so that `\XX` escapes
/// of multi-byte characters (`\C3\A9` = é) reassemble naturally.
struct DistinguishedNameParser {
    private let text: String
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) {
        self.text = text
        // Leading whitespace and a trailing line break (pasted text) are noise; trailing spaces are
        // left to the value parser, since `\ ` at the end is a meaningful escaped space.
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") || last == UInt8(ascii: "\t") {
            bytes.removeLast()
        }
        let leading = bytes.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }.count
        self.bytes = Array(bytes.dropFirst(leading))
    }

    mutating func parse() throws -> [RelativeDistinguishedName] {
        skipSpaces()
        guard !isAtEnd else {
            throw failure("dn.empty", "Le DN (nom distinctif) est obligatoire.", "distinguished name is empty")
        }
        var rdns: [RelativeDistinguishedName] = []
        while true {
            rdns.append(try parseRelativeDistinguishedName())
            skipSpaces()
            if isAtEnd { return rdns }
            guard current == UInt8(ascii: ",") else {
                throw syntaxError("expected \",\" between RDNs")
            }
            position += 1
            skipSpaces()
            if isAtEnd { throw syntaxError("ends with a separator") }
        }
    }

    // MARK: - Grammar

    private mutating func parseRelativeDistinguishedName() throws -> RelativeDistinguishedName {
        var attributes = [try parseAttribute()]
        while true {
            skipSpaces()
            guard !isAtEnd, current == UInt8(ascii: "+") else { return RelativeDistinguishedName(attributes) }
            position += 1
            skipSpaces()
            if isAtEnd { throw syntaxError("ends with a separator") }
            attributes.append(try parseAttribute())
        }
    }

    private mutating func parseAttribute() throws -> RelativeDistinguishedName.Attribute {
        let typeStart = position
        while !isAtEnd, Self.isTypeCharacter(current) { position += 1 }
        let rawType = String(decoding: bytes[typeStart..<position], as: UTF8.self)
        guard !rawType.isEmpty else {
            if !isAtEnd, current == UInt8(ascii: ",") || current == UInt8(ascii: "+") {
                throw syntaxError("has an empty RDN")
            }
            throw failure(
                "dn.attribute_type",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : un type d'attribut (CN, OU, O, ST, C…) est attendu avant « = ».",
                "distinguished name \(text.quotedForLog): attribute type expected at offset \(position)"
            )
        }
        guard let type = RelativeDistinguishedName.Attribute.canonicalType(rawType) else {
            throw failure(
                "dn.attribute_type",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : « \(rawType) » n'est pas un type d'attribut (CN, OU, O, ST, C…).",
                "distinguished name \(text.quotedForLog): invalid attribute type \(rawType.quotedForLog)"
            )
        }
        skipSpaces()
        guard !isAtEnd, current == UInt8(ascii: "=") else {
            throw syntaxError("expected \"=\" after attribute type \(rawType.quotedForLog)")
        }
        position += 1
        skipSpaces()
        let value = try parseValue(type: type)
        return RelativeDistinguishedName.Attribute(type: type, value: value)
    }

    private mutating func parseValue(type: String) throws -> String {
        guard !isAtEnd, current != UInt8(ascii: ","), current != UInt8(ascii: "+") else {
            throw failure(
                "dn.empty_value",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : l'attribut \(type) n'a pas de valeur.",
                "distinguished name \(text.quotedForLog): empty value for \(type)"
            )
        }
        let valueStart = position
        var value: [UInt8]
        if current == UInt8(ascii: "#") {
            value = try parseHexValue()
        } else if current == UInt8(ascii: "\"") {
            value = try parseQuotedValue()
        } else {
            value = try parseStringValue()
        }
        guard !value.isEmpty else {
            throw failure(
                "dn.empty_value",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : l'attribut \(type) n'a pas de valeur.",
                "distinguished name \(text.quotedForLog): empty value for \(type)"
            )
        }
        guard let decoded = String(validating: value, as: UTF8.self) else {
            throw failure(
                "dn.invalid_utf8",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : les octets échappés (\\XX) de l'attribut \(type) ne forment pas du texte UTF-8.",
                "distinguished name \(text.quotedForLog): value of \(type) at offset \(valueStart) is not valid UTF-8"
            )
        }
        // The rule every text of the white list follows (C0/C1 controls, bidi controls, noncharacters).
        if TextRule.firstRefused(in: decoded, lines: .single) != nil {
            throw failure(
                "dn.control_character",
                "Le DN n'est pas valide : l'attribut \(type) contient un caractère de contrôle ou invisible (retour à la ligne, tabulation, contrôle de direction…).",
                "distinguished name \(text.quotedForLog): value of \(type) contains a control character"
            )
        }
        return decoded
    }

    /// `#` followed by hex pairs (a BER-encoded value): kept as text, `#` included.
    private mutating func parseHexValue() throws -> [UInt8] {
        let start = position
        position += 1
        while !isAtEnd, Self.hexValue(current) != nil { position += 1 }
        let digitCount = position - start - 1
        guard digitCount >= 2, digitCount % 2 == 0 else {
            throw failure(
                "dn.hex_value",
                "Le DN « \(text.trimmingWhitespace) » n'est pas valide : une valeur commençant par « # » doit être suivie de chiffres hexadécimaux par paires (ou écrivez « \\# » pour un « # » littéral).",
                "distinguished name \(text.quotedForLog): invalid #hexstring value at offset \(start)"
            )
        }
        let value = Array(bytes[start..<position])
        try expectEndOfValue()
        return value
    }

    /// A double-quoted value (RFC 2253 style, not RFC 4514): accepted for leniency.
    private mutating func parseQuotedValue() throws -> [UInt8] {
        let start = position
        position += 1
        var value: [UInt8] = []
        while true {
            guard !isAtEnd else {
                throw failure(
                    "dn.unterminated_quote",
                    "Le DN « \(text.trimmingWhitespace) » n'est pas valide : un guillemet ouvert n'est pas refermé.",
                    "distinguished name \(text.quotedForLog): quoted value at offset \(start) is not terminated"
                )
            }
            let byte = current
            if byte == UInt8(ascii: "\"") {
                position += 1
                break
            }
            if byte == UInt8(ascii: "\\") {
                value.append(try parseEscape())
            } else {
                value.append(byte)
                position += 1
            }
        }
        try expectEndOfValue()
        return value
    }

    private mutating func parseStringValue() throws -> [UInt8] {
        var value: [UInt8] = []
        var significantLength = 0  // unescaped trailing spaces are dropped
        while !isAtEnd {
            let byte = current
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "+"):
                return Array(value.prefix(significantLength))
            case UInt8(ascii: "\\"):
                value.append(try parseEscape())
                significantLength = value.count
            case UInt8(ascii: " "):
                value.append(byte)
                position += 1
            case UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"), 0:
                let character = String(decoding: [byte], as: UTF8.self)
                throw failure(
                    "dn.unescaped_character",
                    "Le DN « \(text.trimmingWhitespace) » n'est pas valide : le caractère « \(character) » doit être précédé d'une barre oblique inverse (\\\(character)).",
                    "distinguished name \(text.quotedForLog): unescaped \(character.quotedForLog) at offset \(position)"
                )
            default:
                value.append(byte)
                position += 1
                significantLength = value.count
            }
        }
        return Array(value.prefix(significantLength))
    }

    /// After `\`: one of the RFC 4514 special characters, or two hex digits (one UTF-8 byte).
    private mutating func parseEscape() throws -> UInt8 {
        let start = position
        position += 1
        if position + 1 < bytes.count,
           let high = Self.hexValue(bytes[position]), let low = Self.hexValue(bytes[position + 1]) {
            position += 2
            return high << 4 | low
        }
        if !isAtEnd, Self.escapableCharacters.contains(current) {
            defer { position += 1 }
            return current
        }
        throw failure(
            "dn.invalid_escape",
            "Le DN « \(text.trimmingWhitespace) » n'est pas valide : la barre oblique inverse (\\) doit précéder un caractère spécial (, + \" \\ < > ; = # espace) ou deux chiffres hexadécimaux.",
            "distinguished name \(text.quotedForLog): invalid escape sequence at offset \(start)"
        )
    }

    private mutating func expectEndOfValue() throws {
        skipSpaces()
        guard isAtEnd || current == UInt8(ascii: ",") || current == UInt8(ascii: "+") else {
            throw syntaxError("unexpected character after a quoted or #hex value")
        }
    }

    // MARK: - Helpers

    private static let escapableCharacters: Set<UInt8> = Set(",+\"\\<>;=# ".utf8)

    private static func isTypeCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private var isAtEnd: Bool { position >= bytes.count }
    private var current: UInt8 { bytes[position] }

    private mutating func skipSpaces() {
        while !isAtEnd, current == UInt8(ascii: " ") { position += 1 }
    }

    private func syntaxError(_ detail: String) -> ValidationError {
        failure(
            "dn.syntax",
            "Le DN « \(text.trimmingWhitespace) » n'est pas valide : il doit être de la forme CN=…,OU=…,O=…,ST=…,C=FR.",
            "distinguished name \(text.quotedForLog): \(detail) (offset \(position))"
        )
    }

    private func failure(_ code: String, _ userMessage: String, _ detail: String) -> ValidationError {
        ValidationError(code: code, userMessage: userMessage, technicalDetail: detail)
    }
}
