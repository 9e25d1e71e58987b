@testable import Accounts
import Foundation
import Testing

/// The pure algorithms against their RFCs' own test vectors.
@Suite("TOTP (RFC 6238) and base32 (RFC 4648)")
struct TOTPTests {
    /// RFC 6238 appendix B: the SHA-1 seed is the 20 ASCII bytes "12345678901234567890".
    static let rfcSecret = Data("12345678901234567890".utf8)

    @Test("RFC 6238 appendix B, SHA-1: the 8-digit codes at each test time", arguments: [
        (59.0, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ])
    func rfc6238(time: TimeInterval, expected: String) {
        #expect(TOTP.code(secret: Self.rfcSecret, at: Date(timeIntervalSince1970: time), digits: 8) == expected)
    }

    @Test("RFC 6238 appendix B: the time steps (T) of the test times")
    func steps() {
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 59)) == 1)
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 1_111_111_109)) == 0x23523EC)
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 1_234_567_890)) == 0x273EF07)
        #expect(TOTP.step(at: Date(timeIntervalSince1970: 20_000_000_000)) == 0x27BC86AA)
    }

    @Test("RFC 4226 appendix D: the 6-digit HOTP values for counters 0 to 9")
    func rfc4226() {
        let expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
        #expect((0..<10).map { TOTP.code(secret: Self.rfcSecret, counter: UInt64($0)) } == expected)
    }

    @Test("a code matches its own step and one either side, not two away; malformed codes never match")
    func window() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let step = TOTP.step(at: now)
        func code(_ offset: Int64) -> String { TOTP.code(secret: Self.rfcSecret, counter: UInt64(step + offset)) }
        #expect(TOTP.matchingStep(code: code(0), secret: Self.rfcSecret, at: now) == step)
        #expect(TOTP.matchingStep(code: code(-1), secret: Self.rfcSecret, at: now) == step - 1)
        #expect(TOTP.matchingStep(code: code(1), secret: Self.rfcSecret, at: now) == step + 1)
        #expect(TOTP.matchingStep(code: code(-2), secret: Self.rfcSecret, at: now) == nil)
        #expect(TOTP.matchingStep(code: code(2), secret: Self.rfcSecret, at: now) == nil)
        let current = code(0)
        #expect(TOTP.matchingStep(code: String(current.prefix(3)) + " " + String(current.suffix(3)), secret: Self.rfcSecret, at: now) == step)
        for malformed in ["", "12345", "1234567", "12a456", "１２３４５６", String(current.dropLast()) + "\n"] {
            #expect(TOTP.matchingStep(code: malformed, secret: Self.rfcSecret, at: now) == nil, "\(malformed.debugDescription)")
        }
    }

    @Test("RFC 4648 § 10 base32 vectors, both ways")
    func base32Vectors() {
        let vectors = [("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="), ("foob", "MZXW6YQ="), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Data(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Data(plain.utf8))
            #expect(Base32.decode(encoded.lowercased().replacingOccurrences(of: "=", with: "")) == Data(plain.utf8))
        }
        #expect(Base32.encode(Data("foobar".utf8), padding: false) == "MZXW6YTBOI")
        #expect(Base32.decode("MZXW 6YTB-OI") == Data("foobar".utf8), "spaces and hyphens as users copy them")
    }

    @Test("base32 that no encoder writes is refused", arguments: ["M", "MZX", "MZXW6Y", "MZXW1===", "MZ!W6===", "MZ"])
    func base32Invalid(_ text: String) {
        // "MZ" ends with non-zero padding bits ("MY" is "f").
        #expect(Base32.decode(text) == nil)
    }

    @Test("a generated secret is 160 bits and round-trips through base32; the otpauth URI names issuer and account")
    func provisioning() throws {
        let secret = TOTP.generateSecret()
        #expect(secret.count == 20)
        #expect(TOTP.generateSecret() != secret)
        let text = Base32.encode(secret, padding: false)
        #expect(text.count == 32)
        #expect(Base32.decode(text) == secret)
        let uri = TOTP.provisioningURI(secret: secret, account: "alice+test@alpha.example.fr", issuer: "EDC DRIM-M")
        #expect(uri == "otpauth://totp/EDC%20DRIM-M:alice%2Btest%40alpha.example.fr?secret=\(text)&issuer=EDC%20DRIM-M&algorithm=SHA1&digits=6&period=30")
        let components = try #require(URLComponents(string: uri))
        #expect(components.queryItems?.first { $0.name == "secret" }?.value == text)
    }
}
