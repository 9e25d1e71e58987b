/// Escaping for the text and attribute values the writer produces.
enum XMLText {
    /// True when every scalar is allowed in XML 1.0 and is not a control character other than
    /// tab (the writer never emits CR/LF inside a value: they would not survive a round trip).
    static func isWritable(_ text: String, allowTab: Bool = false) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x09: return allowTab
            case 0x00...0x1F, 0x7F...0x9F: return false
            case 0xFFFE, 0xFFFF: return false
            default: return true
            }
        }
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
