import EDCDomain
import Foundation
import Whitelist

/// The bodies of the nginx `map` blocks that enforce the white list:
/// - the peer map, on `$ssl_client_s_dn`: one line per listed certificate DN, value its
///   `Identifiant` (`map $ssl_client_s_dn $edc_peer { default ""; include FILE; }`);
/// - the hosts map, on a host name: one line per listed `db` FQDN, value its `Identifiant`.
/// Keys are exactly what nginx puts in `$ssl_client_s_dn`: OpenSSL's RFC 2253 form
/// (`X509_NAME_print_ex` with `XN_FLAG_RFC2253`, as Debian's nginx 1.22 prints it): RDNs joined by
/// `,` without spaces, `, + " \ < > ;` escaped with a backslash, a leading `#` or space and a
/// trailing space escaped, control characters and every byte of a non-ASCII character as `\XX`.
/// Every key and value is then written as an nginx quoted string. An entry that cannot be written
/// safely is left out and reported, never written raw: a list must not be able to inject configuration.
enum NginxMaps {
    struct Output {
        var text: String
        var omitted: [String]
    }

    /// OpenSSL's short names for the attribute types EDC's DN parser knows.
    static let openSSLNames: [String: String] = [
        "CN": "CN", "OU": "OU", "O": "O", "L": "L", "ST": "ST", "C": "C", "DC": "DC", "UID": "UID",
        "STREET": "street", "SERIALNUMBER": "serialNumber", "E": "emailAddress",
    ]

    static func peers(_ entries: [WhitelistEntry], listSHA256: String) -> Output {
        var lines: [String] = []
        var omitted: [String] = []
        var seen = Set<String>()
        for entry in entries {
            guard WhitelistEntry.isWritableIdentifiant(entry.identifiant) else {
                omitted.append("Identifiant \(entry.identifiant.debugDescription) is not 1 to 18 digits"); continue
            }
            guard let key = nginxSubject(entry.certificateDN) else {
                omitted.append("Identifiant \(entry.identifiant): DN \(entry.certificateDN.debugDescription) cannot be written as nginx prints it"); continue
            }
            // One DN, one peer: a DN listed under two Identifiants would make the value ambiguous.
            guard seen.insert(key).inserted else {
                omitted.append("Identifiant \(entry.identifiant): DN listed twice, only its first entry is kept"); continue
            }
            lines.append("\(quoted(key)) \(quoted(entry.identifiant));")
        }
        return Output(text: header(listSHA256, "$ssl_client_s_dn") + lines.map { $0 + "\n" }.joined(), omitted: omitted)
    }

    static func hosts(_ entries: [WhitelistEntry], listSHA256: String) -> Output {
        var lines: [String] = []
        var omitted: [String] = []
        var seen = Set<String>()
        for entry in entries {
            guard WhitelistEntry.isWritableIdentifiant(entry.identifiant), let fqdn = try? FQDN(entry.db).value else {
                omitted.append("Identifiant \(entry.identifiant.debugDescription): db \(entry.db.debugDescription) is not a valid FQDN"); continue
            }
            guard seen.insert(fqdn).inserted else { continue }
            lines.append("\(quoted(fqdn)) \(quoted(entry.identifiant));")
        }
        return Output(text: header(listSHA256, "a host name") + lines.map { $0 + "\n" }.joined(), omitted: omitted)
    }

    /// The subject as nginx's `$ssl_client_s_dn` shows it, or nil when it cannot be known for sure.
    static func nginxSubject(_ text: String) -> String? {
        guard let dn = try? DistinguishedName(text), !dn.rdns.isEmpty else { return nil }
        var rdns: [String] = []
        for rdn in dn.rdns {
            var attributes: [String] = []
            for attribute in rdn.attributes {
                // An OID without a short name, or a value given as BER (`#…`), is printed by
                // OpenSSL as its DER in hex, which the list's text does not give.
                guard let name = openSSLNames[attribute.type], !attribute.value.hasPrefix("#") else { return nil }
                attributes.append(name + "=" + escape(attribute.value))
            }
            rdns.append(attributes.joined(separator: "+"))
        }
        return rdns.joined(separator: ",")
    }

    /// OpenSSL's RFC 2253 escaping with `ASN1_STRFLGS_ESC_2253 | ESC_CTRL | ESC_MSB | UTF8_CONVERT`.
    static func escape(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var out = ""
        for (index, byte) in bytes.enumerated() {
            let first = index == 0, last = index == bytes.count - 1
            switch byte {
            case 0x80...0xFF, 0x00..<0x20, 0x7F:
                out += "\\" + String(format: "%02X", byte)
            case UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "\""), UInt8(ascii: "\\"),
                 UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ";"):
                out += "\\" + String(UnicodeScalar(byte))
            case UInt8(ascii: "#") where first, UInt8(ascii: " ") where first || last:
                out += "\\" + String(UnicodeScalar(byte))
            default:
                out += String(UnicodeScalar(byte))
            }
        }
        return out
    }

    /// An nginx quoted string: backslash and double quote escaped. The text holds no control
    /// character (they were escaped as `\XX` above), no newline, nothing that ends the string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func header(_ sha: String, _ what: String) -> String {
        "# Written by edc-agent sync from the verified white list \(sha); keys: \(what). Do not edit.\n"
    }
}
