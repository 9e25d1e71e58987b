import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA1: what every
/// authenticator application computes from a shared secret and the time. Pure: no storage, no clock.
public enum TOTP {
    /// Seconds per step (time counter), as authenticator applications use by default.
    public static let period: TimeInterval = 30
    /// Digits of a code.
    public static let digits = 6

    /// The time step that `date` falls in: whole periods since the Unix epoch.
    public static func step(at date: Date, period: TimeInterval = period) -> Int64 {
        Int64((date.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The HOTP value of `secret` for `counter` (RFC 4226 § 5.3: dynamic truncation), as
    /// `digits` decimal digits with leading zeros.
    public static func code(secret: some DataProtocol, counter: UInt64, digits: Int = digits) -> String {
        precondition((1...9).contains(digits), "1 to 9 digits")
        var bigEndian = counter.bigEndian
        let message = withUnsafeBytes(of: &bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret))))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The code of `secret` at `date`.
    public static func code(secret: some DataProtocol, at date: Date, digits: Int = digits, period: TimeInterval = period) -> String {
        code(secret: secret, counter: UInt64(max(0, step(at: date, period: period))), digits: digits)
    }

    /// The step whose code `code` is, among the step of `date` and `window` steps either side
    /// (clock drift, and the seconds a user takes to type); nil when none matches. `code` is
    /// compared in constant time; spaces in it are ignored ("123 456").
    public static func matchingStep(code: String, secret: some DataProtocol, at date: Date, window: Int = 1, digits: Int = digits, period: TimeInterval = period) -> Int64? {
        let typed = Array(code.filter { $0 != " " }.utf8)
        guard typed.count == digits, typed.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let current = step(at: date, period: period)
        var found: Int64?
        // Every candidate is computed and compared, whichever matches: the time taken tells nothing.
        for candidate in (current - Int64(window))...(current + Int64(window)) where candidate >= 0 {
            let expected = Array(Self.code(secret: secret, counter: UInt64(candidate), digits: digits).utf8)
            var difference: UInt8 = 0
            for index in 0..<digits { difference |= expected[index] ^ typed[index] }
            if difference == 0, found == nil { found = candidate }
        }
        return found
    }

    /// A new random secret: 20 bytes (160 bits, the HMAC-SHA1 block RFC 4226 recommends).
    public static func generateSecret() -> Data {
        SymmetricKey(size: SymmetricKeySize(bitCount: 160)).withUnsafeBytes { Data($0) }
    }

    /// The `otpauth://` URI authenticator applications read (usually from a QR code): the
    /// account label is `issuer:account`, both percent-encoded.
    public static func provisioningURI(secret: some DataProtocol, account: String, issuer: String) -> String {
        // RFC 3986 unreserved characters only.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        let secret = Base32.encode(secret, padding: false)
        return "otpauth://totp/\(encoded(issuer)):\(encoded(account))?secret=\(secret)&issuer=\(encoded(issuer))&algorithm=SHA1&digits=\(digits)&period=\(Int(period))"
    }
}

/// Base32 (RFC 4648 § 6), the alphabet TOTP secrets are shown and exchanged in.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Upper-case base32, with `=` padding to a multiple of 8 characters unless `padding` is false.
    public static func encode(_ bytes: some DataProtocol, padding: Bool = true) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 4) / 5 * 8)
        var buffer: UInt64 = 0
        var bits = 0
        for byte in input {
            buffer = (buffer << 8) | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt64(bits)) & 0x1f)])
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt64(5 - bits)) & 0x1f)]) }
        if padding { while output.count % 8 != 0 { output.append(UInt8(ascii: "=")) } }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, read case-insensitively, ignoring spaces and hyphens (as users copy a
    /// secret) and trailing padding; nil when a character is outside the alphabet, or the length
    /// or trailing bits cannot come from an encoding.
    public static func decode(_ text: String) -> Data? {
        var characters = Array(text.uppercased().utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "-") })
        while characters.last == UInt8(ascii: "=") { characters.removeLast() }
        // 1, 3 and 6 characters (mod 8) never end an encoding.
        guard ![1, 3, 6].contains(characters.count % 8) else { return nil }
        var output = Data()
        var buffer: UInt64 = 0
        var bits = 0
        for character in characters {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt64(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt64(bits)) & 0xff))
            }
        }
        // The bits left over are padding: they must be zero.
        guard buffer & ((1 << UInt64(bits)) - 1) == 0 else { return nil }
        return output
    }
}
