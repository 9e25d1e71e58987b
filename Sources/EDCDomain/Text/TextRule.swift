/// The one rule for text that people type and that EDC stores, shows in pages and e-mails, and
/// writes into the signed white list. The white list writer applies the same rule
/// (`TextRule.isPublishable`), so the registry can never hold a text the writer would refuse.
///
/// Refused everywhere: C0 and C1 control characters and DEL (XML 1.0 forbids most of them, and
/// they forge log lines), the bidirectional embedding, override and isolate controls (they make a
/// text read differently from what it holds, "Trojan Source"), and Unicode noncharacters.
/// Single-line texts (names, contacts, DN values) also refuse line and paragraph separators;
/// multi-line texts (comments, reasons) keep line feeds, carriage returns and tabs.
public enum TextRule {
    public enum Lines: Sendable {
        case single
        case multiple
    }

    /// True when `scalar` may appear in a text of that kind.
    @inlinable
    public static func allows(_ scalar: Unicode.Scalar, lines: Lines) -> Bool {
        let value = scalar.value
        switch value {
        case 0x20...0x7E:
            return true
        case 0x09, 0x0A, 0x0D, 0x2028, 0x2029:
            return lines == .multiple
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0xFDD0...0xFDEF:
            return false
        default:
            // The two noncharacters that end each plane (U+FFFE, U+FFFF, U+1FFFE…).
            return value & 0xFFFE != 0xFFFE
        }
    }

    /// The first refused character of `text`, if any.
    public static func firstRefused(in text: some StringProtocol, lines: Lines) -> Unicode.Scalar? {
        text.unicodeScalars.first { !allows($0, lines: lines) }
    }

    /// True when `text` can be written into the white list: single line, nothing refused.
    public static func isPublishable(_ text: some StringProtocol) -> Bool {
        // ASCII printable fast path: the white list writer runs this on every field of every entry.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return true }
        return firstRefused(in: text, lines: .single) == nil
    }

    /// A `ValidationError` for `text` in `field` when it holds a refused character; nil otherwise.
    public static func problem(in text: some StringProtocol, field: String?, lines: Lines) -> ValidationError? {
        guard let scalar = firstRefused(in: text, lines: lines) else { return nil }
        let name = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        let what = isBidiControl(scalar) ? "un caractère de contrôle de direction du texte" : "un caractère de contrôle ou invisible"
        let hint = lines == .single ? " Ce texte doit tenir sur une seule ligne." : ""
        return ValidationError(
            code: "text.forbidden_character", field: field,
            userMessage: "Ce texte contient \(what) (\(name)), qui n'est pas accepté.\(hint)",
            technicalDetail: "\(field ?? "text") contains the refused character \(name)")
    }

    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
