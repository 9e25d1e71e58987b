/// One component of a distinguished name: usually a single `TYPE=value`, sometimes several joined
/// by `+` (a multi-valued RDN, e.g. `CN=a+OU=b`).
public struct RelativeDistinguishedName: Sendable, Hashable, CustomStringConvertible {
    /// One `TYPE=value` pair.
    public struct Attribute: Sendable, Hashable, CustomStringConvertible {
        /// Canonical upper-case short name (`CN`, `OU`, `O`, `L`, `ST`, `C`, `STREET`, `DC`, `UID`,
        /// `SERIALNUMBER`, `E`) or, for types without a known name, the dotted OID.
        public var type: String
        /// The unescaped text. A BER value written `#04…` is kept as that text.
        public var value: String

        /// `type` is canonicalised when it is a known name or OID (`commonName`, `2.5.4.3` → `CN`).
        public init(type: String, value: String) {
            self.type = Self.canonicalType(type) ?? type
            self.value = value
        }

        /// RFC 4514: `TYPE=value`, escaping only what the RFC requires; non-ASCII stays UTF-8.
        public var description: String { type + "=" + Self.escape(value) }

        /// Known short names by OID.
        static let namesByOID: [String: String] = [
            "2.5.4.3": "CN", "2.5.4.5": "SERIALNUMBER", "2.5.4.6": "C", "2.5.4.7": "L",
            "2.5.4.8": "ST", "2.5.4.9": "STREET", "2.5.4.10": "O", "2.5.4.11": "OU",
            "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
            "1.2.840.113549.1.9.1": "E",
        ]

        /// Long or alternative names, upper-cased, to their canonical short name.
        static let aliases: [String: String] = [
            "COMMONNAME": "CN", "ORGANIZATIONNAME": "O", "ORGANIZATIONALUNITNAME": "OU",
            "COUNTRYNAME": "C", "LOCALITYNAME": "L", "STATEORPROVINCENAME": "ST",
            "STREETADDRESS": "STREET", "DOMAINCOMPONENT": "DC", "USERID": "UID",
            "EMAILADDRESS": "E", "EMAIL": "E",
        ]

        /// The canonical form of an attribute type (case-insensitive name, `OID.` prefix allowed),
        /// or nil when `raw` is neither an RFC 4514 keystring nor a numeric OID.
        static func canonicalType(_ raw: String) -> String? {
            var text = Substring(raw)
            if text.uppercased().hasPrefix("OID.") { text = text.dropFirst(4) }
            guard let first = text.first, first.isASCII else { return nil }
            if first.isNumber {
                let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
                guard arcs.count >= 2, arcs.allSatisfy({ String($0).isASCIIDigits }) else { return nil }
                let oid = String(text)
                return namesByOID[oid] ?? oid
            }
            guard first.isLetter,
                  text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else { return nil }
            let upper = text.uppercased()
            return aliases[upper] ?? upper
        }

        /// Escapes a value for RFC 4514 output: `"` `+` `,` `;` `<` `>` `\` anywhere, `#` or space
        /// in first position, space in last position; control characters as `\XX`.
        static func escape(_ value: String) -> String {
            let scalars = Array(value.unicodeScalars)
            var output = ""
            for (index, scalar) in scalars.enumerated() {
                switch scalar {
                case "\"", "+", ",", ";", "<", ">", "\\":
                    output += "\\" + String(scalar)
                case "#" where index == 0:
                    output += "\\#"
                case " " where index == 0 || index == scalars.count - 1:
                    output += "\\ "
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    output += "\\" + (hex.count == 1 ? "0" + hex : hex)
                default:
                    output.unicodeScalars.append(scalar)
                }
            }
            return output
        }
    }

    /// In the order given (a multi-valued RDN is a set in X.509; see `DistinguishedName.matches`).
    public var attributes: [Attribute]

    public init(_ attributes: [Attribute]) {
        self.attributes = attributes
    }

    /// A single-valued RDN.
    public init(type: String, value: String) {
        self.attributes = [Attribute(type: type, value: value)]
    }

    public var description: String { attributes.map(\.description).joined(separator: "+") }
}
