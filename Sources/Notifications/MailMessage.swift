import EDCDomain
import Foundation

/// An e-mail address with an optional display name. The address is checked when built: no
/// white space, no control character, no angle bracket, exactly one `@` — nothing a header could
/// be broken with.
public struct MailAddress: Sendable, Hashable {
    public let name: String?
    public let address: String

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ address: String, name: String? = nil) throws {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254,
              address.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains($0) })
        else { throw Invalid(description: "\(address.debugDescription) is not an e-mail address") }
        self.address = address
        self.name = name.map { $0.filter { !$0.isNewline && $0 != "\t" } }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `"Name" <address>` as a header value (the name encoded when it is not plain ASCII).
    var header: String {
        guard let name else { return address }
        let plain = name.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        return (plain ? "\"\(name)\"" : MailMessage.encodedWords(name)) + " <\(address)>"
    }

    /// The domain, for `Message-ID`s.
    public var domain: Substring { address.split(separator: "@")[1] }
}

/// A French notification e-mail, rendered as RFC 5322 + MIME: `multipart/alternative` (plain text,
/// then HTML), UTF-8 bodies in base64, non-ASCII header text as RFC 2047 encoded words, CRLF line
/// ends. The same message renders to the same bytes (the boundary derives from the Message-ID).
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String
    /// Without angle brackets, e.g. `3f2a…@edc.example.fr`; derived from the outbox event id, so
    /// that a receiver can tell a retry from a new message.
    public var messageID: String
    public var date: Date

    public init(from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, text: String, html: String, messageID: String, date: Date) {
        (self.from, self.to, self.cc, self.subject, self.text, self.html, self.messageID, self.date) = (from, to, cc, subject, text, html, messageID, date)
    }

    /// Every recipient, for the SMTP envelope.
    public var recipients: [String] { (to + cc).map(\.address) }

    public func rendered() -> [UInt8] {
        let boundary = "edc-" + String(messageID.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init).prefix(40))
        var headers = [
            "Date: \(Self.rfc5322Date(date))",
            "From: \(from.header)",
            "To: \(to.map(\.header).joined(separator: ",\r\n "))",
        ]
        if !cc.isEmpty { headers.append("Cc: \(cc.map(\.header).joined(separator: ",\r\n "))") }
        headers += [
            "Subject: \(Self.encodedWords(subject))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "Content-Language: fr",
            "Auto-Submitted: auto-generated",
        ]
        var lines = headers + [""]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: base64",
                "",
            ]
            lines += Self.base64Lines(Array(body.utf8))
        }
        lines.append("--\(boundary)--")
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// Plain ASCII stays as it is; anything else becomes `=?UTF-8?B?…?=` words of at most 75
    /// characters (never splitting a character), folded onto continuation lines.
    static func encodedWords(_ text: String) -> String {
        let clean = text.filter { !$0.isNewline }
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }) && !clean.contains("=?") { return clean }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in clean {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            let to = encoded.index(from, offsetBy: min(76, encoded.count - start))
            return String(encoded[from..<to])
        }
    }

    static func rfc5322Date(_ date: Date) -> String { DateText.utc(date, "EEE, dd MMM yyyy HH:mm:ss '+0000'") }
}
