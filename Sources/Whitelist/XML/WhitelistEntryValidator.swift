import EDCDomain
import Foundation

/// The rules the writer enforces, so that EDC never publishes the quirks found in real lists.
public enum WhitelistEntryValidator {
    /// An entry that cannot be written, with the reason.
    public struct Refusal: Sendable, Hashable {
        public var entry: WhitelistEntry
        public var error: WhitelistFormatError
    }

    /// The entries ready to write (FQDNs and DNs in canonical form), or the first problem found.
    static func validated(_ entries: [WhitelistEntry]) throws(WhitelistFormatError) -> [WhitelistEntry] {
        let (writable, refused) = partition(entries)
        if let first = refused.first { throw first.error }
        return writable
    }

    /// Splits `entries` into those that can be written (in canonical form, in input order) and
    /// those that cannot, each with its reason. An entry is refused for its own content, or when it
    /// conflicts with an entry written before it (an FQDN listed twice, one Identifiant under two
    /// operators): the publisher leaves refused entries out rather than failing the whole list.
    public static func partition(_ entries: [WhitelistEntry]) -> (writable: [WhitelistEntry], refused: [Refusal]) {
        var denominationByIdentifiant: [String: String] = [:]
        var hostnames = Set<String>()
        var writable: [WhitelistEntry] = []
        var refused: [Refusal] = []
        writable.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            do throws(WhitelistFormatError) {
                let clean = try validated(entry, index: index)
                // One DRIMbox has one Domaine per PACS, all with its Identifiant and its operator;
                // the same Identifiant under two operators is a quirk of real lists that EDC never writes.
                if let operatorName = denominationByIdentifiant[clean.identifiant], operatorName != clean.denomination {
                    throw WhitelistFormatError(code: "entry.identifiant_duplicate", message: "Identifiant \(clean.identifiant) appears on entries of two operators", entryIndex: index)
                }
                for name in [clean.db] + [clean.vi].compactMap({ $0 }) where hostnames.contains(name) {
                    throw WhitelistFormatError(code: "entry.fqdn_duplicate", message: "FQDN \(name) appears more than once in the list", entryIndex: index)
                }
                denominationByIdentifiant[clean.identifiant] = clean.denomination
                hostnames.insert(clean.db)
                if let vi = clean.vi { hostnames.insert(vi) }
                writable.append(clean)
            } catch {
                refused.append(Refusal(entry: entry, error: error))
            }
        }
        return (writable, refused)
    }

    /// One entry in canonical form, checked on its own.
    private static func validated(_ entry: WhitelistEntry, index: Int) throws(WhitelistFormatError) -> WhitelistEntry {
        func fail(_ code: String, _ message: String) -> WhitelistFormatError {
            WhitelistFormatError(code: code, message: message, entryIndex: index)
        }
        var clean = entry
        guard WhitelistEntry.isWritableIdentifiant(entry.identifiant) else { throw fail("entry.identifiant_invalid", "Identifiant \(entry.identifiant.debugDescription) is not 1 to 18 digits") }
        do {
            clean.db = try FQDN(entry.db).value
        } catch {
            throw fail("entry.db_invalid", "db \(entry.db.debugDescription) is not a valid FQDN: \(error)")
        }
        guard let vi = entry.vi else { throw fail("entry.vi_missing", "vi is missing or empty") }
        do {
            clean.vi = try FQDN(vi).value
        } catch {
            throw fail("entry.vi_invalid", "vi \(vi.debugDescription) is not a valid FQDN: \(error)")
        }
        guard clean.db != clean.vi else {
            throw fail("entry.vi_equals_db", "vi equals db (\(clean.db))")
        }
        clean.denomination = entry.denomination.trimmed
        guard !clean.denomination.isEmpty else { throw fail("entry.denomination_empty", "Denomination is empty") }
        clean.certificateDN = try validatedDN(entry.certificateDN, fail: fail)
        clean.responsableContact = entry.responsableContact.map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        clean.supportContact = entry.supportContact.map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        for (name, value) in [
            ("Denomination", clean.denomination), ("DNCertificatOperateur", clean.certificateDN),
            ("ResponsableContact", clean.responsableContact ?? ""), ("SupportContact", clean.supportContact ?? ""),
        ] where !XMLText.isWritable(value) {
            throw fail("entry.text_invalid", "\(name) contains a control character")
        }
        return clean
    }

    private static func validatedDN(
        _ text: String,
        fail: (String, String) -> WhitelistFormatError
    ) throws(WhitelistFormatError) -> String {
        let dn: DistinguishedName
        do {
            dn = try DistinguishedName(text)
        } catch {
            throw fail("entry.dn_invalid", "DNCertificatOperateur \(text.debugDescription) is not an RFC 4514 DN: \(error)")
        }
        do {
            // The same rule the registry applies when the DN is declared.
            try CertificateDNRule.checkShape(dn)
        } catch let error as ValidationError {
            let code = switch error.code {
            case "dn.cn_missing": "entry.dn_common_name"
            case "dn.st_format": "entry.dn_state"
            default: "entry.dn_structure_id"
            }
            throw fail(code, "DNCertificatOperateur: \(error.technicalDetail)")
        } catch {
            throw fail("entry.dn_invalid", "DNCertificatOperateur: \(error)")
        }
        return dn.value
    }
}

extension StringProtocol {
    /// Without leading and trailing XML whitespace (space, tab, CR, LF). Hot on large lists:
    /// Foundation's `trimmingCharacters(in:)` goes through NSString and was most of the
    /// verification time for 10,000 entries.
    var trimmed: String {
        let string = String(self)
        let utf8 = string.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        if let first = utf8.first, let last = utf8.last, !isSpace(first), !isSpace(last) { return string }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }),
              let last = utf8.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(string[first...last])
    }
}
