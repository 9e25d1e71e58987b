import EDCDomain
import SwiftASN1
import X509

/// Converts between the RFC 4514 text DNs of `EDCDomain` and X.509 names.
///
/// Comparison is on attribute type and value text only: the ASN.1 string type of a value
/// (PrintableString, UTF8String) is not part of what a person means by a DN.
enum X509NameBridge {
    private static let oidsByName: [String: ASN1ObjectIdentifier] = [
        "CN": .RDNAttributeType.commonName, "C": .RDNAttributeType.countryName,
        "L": .RDNAttributeType.localityName, "ST": .RDNAttributeType.stateOrProvinceName,
        "O": .RDNAttributeType.organizationName, "OU": .RDNAttributeType.organizationalUnitName,
        "STREET": .RDNAttributeType.streetAddress, "DC": .RDNAttributeType.domainComponent,
        "E": .RDNAttributeType.emailAddress, "SERIALNUMBER": [2, 5, 4, 5], "UID": [0, 9, 2342, 19_200_300, 100, 1, 1],
    ]

    /// An X.509 name from RFC 4514 text (first RDN written = last in the ASN.1 sequence).
    static func x509Name(_ text: String) throws -> X509.DistinguishedName {
        let parsed = try EDCDomain.DistinguishedName(text)
        var rdns: [X509.RelativeDistinguishedName] = []
        for rdn in parsed.rdns.reversed() {
            var attributes: [X509.RelativeDistinguishedName.Attribute] = []
            for attribute in rdn.attributes {
                let oid: ASN1ObjectIdentifier
                if let known = oidsByName[attribute.type] {
                    oid = known
                } else {
                    oid = try ASN1ObjectIdentifier(dotRepresentation: attribute.type)
                }
                switch attribute.type {
                case "C": attributes.append(try .init(type: oid, printableString: attribute.value))
                case "DC", "E": attributes.append(try .init(type: oid, ia5String: attribute.value))
                default: attributes.append(.init(type: oid, utf8String: attribute.value))
                }
            }
            rdns.append(X509.RelativeDistinguishedName(attributes))
        }
        return X509.DistinguishedName(rdns)
    }

    /// The RFC 4514 form of an X.509 name; nil when a value is not a text string.
    static func textName(_ name: X509.DistinguishedName) -> EDCDomain.DistinguishedName? {
        var rdns: [EDCDomain.RelativeDistinguishedName] = []
        for rdn in name.reversed() {
            var attributes: [EDCDomain.RelativeDistinguishedName.Attribute] = []
            for attribute in rdn {
                guard let value = String(attribute.value) else { return nil }
                attributes.append(.init(type: attribute.type.description, value: value))
            }
            rdns.append(EDCDomain.RelativeDistinguishedName(attributes))
        }
        return EDCDomain.DistinguishedName(rdns: rdns)
    }

    /// RFC 4514 text of an X.509 name, for messages and reports.
    static func text(_ name: X509.DistinguishedName) -> String {
        textName(name)?.value ?? name.description
    }
}

/// Certificate names as the white list writes them, for tools that compare a presented
/// certificate with a listed DN (e.g. `edc-agent check-peer`).
public enum CertificateNames {
    /// RFC 4514 text of `name`, most significant attribute last, as in the list's `dn` elements.
    public static func text(_ name: X509.DistinguishedName) -> String { X509NameBridge.text(name) }

    /// Whether `name` is the RFC 4514 DN `listed`, compared on attribute types and values.
    public static func name(_ name: X509.DistinguishedName, matches listed: String) -> Bool {
        guard let listedName = try? EDCDomain.DistinguishedName(listed), let actual = X509NameBridge.textName(name) else { return false }
        return actual.matches(listedName)
    }
}
