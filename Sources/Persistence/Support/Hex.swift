extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits per byte (digests in columns, ETags, tokens).
    public var hexString: String {
        var text = ""
        for byte in self {
            text.append(Self.digits[Int(byte >> 4)])
            text.append(Self.digits[Int(byte & 0x0F)])
        }
        return text
    }

    private static var digits: [Character] { Array("0123456789abcdef") }
}
