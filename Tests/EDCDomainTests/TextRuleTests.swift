import EDCDomain
import Testing

@Suite("One rule for typed text: no controls, no bidi overrides, no noncharacters")
struct TextRuleTests {
    static let alwaysRefused: [(String, UInt32)] = [
        ("NUL", 0x00), ("SOH", 0x01), ("ESC", 0x1B), ("DEL", 0x7F), ("NEL (C1)", 0x85), ("CSI (C1)", 0x9B),
        ("LRE", 0x202A), ("RLO", 0x202E), ("LRI", 0x2066), ("PDI", 0x2069),
        ("U+FFFE", 0xFFFE), ("U+FFFF", 0xFFFF), ("U+FDD0", 0xFDD0), ("U+1FFFF", 0x1FFFF),
    ]

    @Test("refused in one-line and multi-line texts alike", arguments: alwaysRefused)
    func refusedEverywhere(_ label: String, _ value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(!TextRule.allows(scalar, lines: .single), "\(label)")
        #expect(!TextRule.allows(scalar, lines: .multiple), "\(label)")
        #expect(throws: ValidationError.self, "\(label)") { try Name("Alpha\(Character(scalar))Beta") }
        #expect(throws: ValidationError.self, "\(label)") { try FreeText("Alpha\(Character(scalar))Beta") }
    }

    @Test("line breaks and tabs are for multi-line texts only", arguments: ["\t", "\n", "\r", "\u{2028}", "\u{2029}"] as [Unicode.Scalar])
    func lineBreaks(_ scalar: Unicode.Scalar) throws {
        #expect(!TextRule.allows(scalar, lines: .single))
        #expect(TextRule.allows(scalar, lines: .multiple))
        #expect(throws: ValidationError.self) { try Name("Alpha\(Character(scalar))Beta") }
        #expect(try FreeText("Alpha\(Character(scalar))Beta").value.contains(Character(scalar)))
    }

    @Test("French text, typographic spaces and emoji are kept", arguments: [
        "Bêta Radiologie — Île-de-France", "Prix\u{202F}: 12\u{00A0}€", "Œuvre « citée »", "Imagerie 🩻", "لغة عربية", "中文",
    ])
    func ordinaryTextKept(_ text: String) throws {
        #expect(try Name(text).value == text)
        #expect(TextRule.isPublishable(text))
    }

    @Test("the error names the field, the character and says it in French")
    func errorMessage() {
        let error = TextRule.problem(in: "a\u{202E}b", field: "comment", lines: .multiple)
        #expect(error?.code == "text.forbidden_character")
        #expect(error?.field == "comment")
        #expect(error?.userMessage.contains("U+202E") == true)
        #expect(error?.userMessage.contains("direction") == true)
    }

    @Test("names are 1 to 200 characters once trimmed; free text at most 4000")
    func lengths() throws {
        #expect(throws: ValidationError.self) { try Name("   ") }
        #expect(try Name(String(repeating: "é", count: 200)).value.count == 200)
        #expect(throws: ValidationError.self) { try Name(String(repeating: "é", count: 201)) }
        #expect(try FreeText(String(repeating: "a", count: 4000)).value.count == 4000)
        #expect(throws: ValidationError.self) { try FreeText(String(repeating: "a", count: 4001)) }
        #expect(try FreeText("  ").isEmpty)
        #expect(throws: ValidationError.self) { try ContactLine(String(repeating: "a", count: 301)) }
    }

    @Test("file names: no path separator, no control, one line", arguments: ["../cgi.pdf", "a\\b.pdf", "cgi\u{0000}.pdf", "cgi\u{202E}fdp.exe", "", ".."])
    func badFilenames(_ name: String) {
        #expect(throws: ValidationError.self) { try Filename(name) }
    }

    @Test("a DN value holding a C1 control or a bidi override is refused", arguments: ["\u{0085}", "\u{202E}", "\u{2066}"])
    func distinguishedName(_ scalar: String) {
        #expect(throws: ValidationError.self) { try DistinguishedName("CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Op\(scalar),C=FR") }
    }
}
