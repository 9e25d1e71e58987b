/// The subject of an X.509 certificate as RFC 4514 text, e.g.
/// `CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR`.
///
/// RDNs are kept in the order they are written (the ANS white list writes CN first) and printed in
/// that same order, so `DistinguishedName(dn.description) == dn`. The parser is lenient where real
/// inputs vary (spaces around `,` `+` `=`, double-quoted values, case of type names, OIDs) and strict
/// where ambiguity would hide a mistake (empty values, unescaped `;` `<` `>` `"`, bad escapes).
public struct DistinguishedName: ValidatedIdentifier {
    public var rdns: [RelativeDistinguishedName]

    /// Builds a DN from parts already known to be right (no validation).
    public init(rdns: [RelativeDistinguishedName]) {
        self.rdns = rdns
    }

    public init(_ text: String) throws {
        var parser = DistinguishedNameParser(text)
        self.rdns = try parser.parse()
    }

    /// RFC 4514 text, in the stored order.
    public var value: String { rdns.map(\.description).joined(separator: ",") }

    /// The values of every attribute of `type` (a name in any case, or an OID), in order.
    public func values(of type: String) -> [String] {
        let wanted = RelativeDistinguishedName.Attribute.canonicalType(type) ?? type
        return rdns.flatMap(\.attributes).filter { $0.type == wanted }.map(\.value)
    }

    /// The common name when there is exactly one CN; nil when there is none or several.
    public var commonName: String? {
        let names = values(of: "CN")
        return names.count == 1 ? names[0] : nil
    }

    /// True when both DNs have the same RDNs in the same order, with the same attribute types and
    /// exactly the same value text (case-sensitive). Attributes inside one multi-valued RDN may
    /// come in any order, since X.509 treats an RDN as a set.
    public func matches(_ other: DistinguishedName) -> Bool {
        guard rdns.count == other.rdns.count else { return false }
        return zip(rdns, other.rdns).allSatisfy { mine, theirs in
            func sorted(_ rdn: RelativeDistinguishedName) -> [RelativeDistinguishedName.Attribute] {
                rdn.attributes.sorted { ($0.type, $0.value) < ($1.type, $1.value) }
            }
            return sorted(mine) == sorted(theirs)
        }
    }
}
