/// The Luhn (mod 10) check digit algorithm, used by SIREN and SIRET: the one place that computes it.
public enum Luhn {
    /// True when `digits` is a non-empty string of ASCII digits whose Luhn sum is a multiple of 10.
    public static func isValid(_ digits: String) -> Bool {
        guard digits.isASCIIDigits else { return false }
        var sum = 0
        for (offsetFromRight, byte) in digits.utf8.reversed().enumerated() {
            var digit = Int(byte - UInt8(ascii: "0"))
            if offsetFromRight % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }
}
