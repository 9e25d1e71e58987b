import EDCDomain

/// Escaping for the text and attribute values the writer produces.
enum XMLText {
    /// True when the text can be written as a value: the domain's rule for every text that reaches
    /// the white list (`TextRule.isPublishable`), so that the registry can never hold a value the
    /// writer refuses. (The writer never emits CR/LF or tabs inside a value: they would not survive
    /// a round trip.)
    static func isWritable(_ text: String) -> Bool {
        TextRule.isPublishable(text)
    }

    static func appendEscaped(_ text: String, to output: inout String) {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else {
            output += text
            return
        }
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.unicodeScalars.append(character)
            }
        }
    }

    static func escaped(_ text: String) -> String {
        var output = ""
        appendEscaped(text, to: &output)
        return output
    }
}
