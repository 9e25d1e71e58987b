import EDCDomain
import Foundation

/// A linear pass over a JSON body before any decoding: refuses nesting deeper than `maximumDepth`
/// (decoding cost and stack depth stay bounded whatever the input) and an object holding the same
/// key twice (decoders keep one of them silently, and two readers may not keep the same one).
/// Syntax errors are left to the decoder.
enum JSONShape {
    static let maximumDepth = 32

    static func check(_ bytes: some Collection<UInt8>) throws(ValidationErrors) {
        var frames: [(isObject: Bool, keys: Set<String>, expectKey: Bool)] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                frames.append((byte == UInt8(ascii: "{"), [], byte == UInt8(ascii: "{")))
                if frames.count > maximumDepth {
                    throw ValidationErrors([ValidationError(
                        code: "body.too_deep", userMessage: "Le corps de la requête est trop imbriqué (au plus \(maximumDepth) niveaux).",
                        technicalDetail: "JSON nesting deeper than \(maximumDepth)")])
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !frames.isEmpty { frames.removeLast() }
            case UInt8(ascii: ","):
                if let last = frames.indices.last, frames[last].isObject { frames[last].expectKey = true }
            case UInt8(ascii: "\""):
                let (text, end) = readString(bytes, from: bytes.index(after: index))
                index = end
                if let last = frames.indices.last, frames[last].isObject, frames[last].expectKey {
                    frames[last].expectKey = false
                    if !frames[last].keys.insert(text).inserted {
                        throw ValidationErrors([ValidationError(
                            code: "body.duplicate_key", field: text.count <= 100 ? text : nil,
                            userMessage: "Le corps de la requête contient deux fois le même champ.",
                            technicalDetail: "duplicate JSON key \(text.debugDescription.prefix(100))")])
                    }
                }
                continue
            default:
                break
            }
            index = bytes.index(after: index)
        }
    }

    /// The decoded content of the string starting after its opening quote, and the index after its closing quote.
    private static func readString<C: Collection<UInt8>>(_ bytes: C, from start: C.Index) -> (String, C.Index) {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        var index = start
        var pendingHigh: UInt32?
        func flush() {
            if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
        }
        while index != bytes.endIndex {
            let byte = bytes[index]
            index = bytes.index(after: index)
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\"), index != bytes.endIndex else { raw.append(byte); continue }
            let escaped = bytes[index]
            index = bytes.index(after: index)
            flush()
            switch escaped {
            case UInt8(ascii: "u"):
                var value: UInt32 = 0
                for _ in 0..<4 where index != bytes.endIndex {
                    let digit = bytes[index]
                    index = bytes.index(after: index)
                    value = value << 4 | UInt32(hexValue(digit))
                }
                if (0xD800...0xDBFF).contains(value) {
                    pendingHigh = value
                    continue
                }
                if let high = pendingHigh, (0xDC00...0xDFFF).contains(value) {
                    value = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                }
                pendingHigh = nil
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            default: scalars.append(Unicode.Scalar(escaped))
            }
        }
        flush()
        return (String(scalars), index)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: 0
        }
    }
}
