import Testing
@testable import EDCDomain

@Suite("Hostname")
struct IdentifiersHostnameTests {
    @Test("keeps RFC 1123 names lower-cased without the trailing dot", arguments: [
        ("db1.1.mesimagesmedicales.fr", "db1.1.mesimagesmedicales.fr"),
        ("DB1.1.MesImagesMedicales.FR.", "db1.1.mesimagesmedicales.fr"),
        ("pacs-01", "pacs-01"),
        ("  srv.local ", "srv.local"),
        ("192.168.1.10", "192.168.1.10"),
        ("xn--hpital-gva.fr", "xn--hpital-gva.fr"),
        (String(repeating: "a", count: 63) + ".fr", String(repeating: "a", count: 63) + ".fr"),
    ])
    func acceptsValidNames(input: String, canonical: String) throws {
        #expect(try Hostname(input).value == canonical)
    }

    @Test("splits into labels")
    func labels() throws {
        #expect(try Hostname("db1.1.mesimagesmedicales.fr").labels == ["db1", "1", "mesimagesmedicales", "fr"])
    }

    @Test("refuses names outside RFC 1123 with a stable code", arguments: [
        ("", "hostname.empty"),
        (".", "hostname.empty_label"),
        ("a..b", "hostname.empty_label"),
        (".a.b", "hostname.empty_label"),
        ("a.b..", "hostname.empty_label"),
        ("-a.fr", "hostname.label_hyphen"),
        ("a-.fr", "hostname.label_hyphen"),
        ("a_b.fr", "hostname.invalid_character"),
        ("a b.fr", "hostname.invalid_character"),
        ("hôpital.fr", "hostname.non_ascii"),
        (String(repeating: "a", count: 64) + ".fr", "hostname.label_too_long"),
        (Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), "hostname.too_long"),
    ])
    func refusesInvalidNames(input: String, code: String) {
        expectValidationError(code) { _ = try Hostname(input) }
    }
}

@Suite("FQDN")
struct IdentifiersFQDNTests {
    @Test("accepts names with at least two labels", arguments: [
        "db1.1.mesimagesmedicales.fr", "vi1.1.mesimagesmedicales.fr", "mesimagesmedicales.fr", "Example.COM.",
    ])
    func acceptsFQDN(input: String) throws {
        let fqdn = try FQDN(input)
        #expect(fqdn.value == input.lowercased().trimmingCharacters(in: ["."]))
        #expect(fqdn.labels.count >= 2)
        #expect(fqdn.hostname.value == fqdn.value)
    }

    @Test("refuses single labels, IP addresses and RFC 1123 violations, with fqdn codes", arguments: [
        ("localhost", "fqdn.single_label"),
        ("192.168.1.10", "fqdn.numeric_top_level"),
        ("10.0.0.1.", "fqdn.numeric_top_level"),
        (String(repeating: "a", count: 64) + ".fr", "fqdn.label_too_long"),
        ("db1..fr", "fqdn.empty_label"),
        ("dé.fr", "fqdn.non_ascii"),
    ])
    func refusesInvalidFQDN(input: String, code: String) {
        expectValidationError(code) { _ = try FQDN(input) }
    }

    @Test("is a subdomain only label by label and strictly under the parent", arguments: [
        ("db1.1.mesimagesmedicales.fr", "mesimagesmedicales.fr", true),
        ("db1.1.mesimagesmedicales.fr", "1.mesimagesmedicales.fr", true),
        ("mesimagesmedicales.fr", "mesimagesmedicales.fr", false),
        ("db1.xmesimagesmedicales.fr", "mesimagesmedicales.fr", false),
        ("mesimagesmedicales.fr", "db1.1.mesimagesmedicales.fr", false),
    ])
    func subdomain(child: String, parent: String, expected: Bool) throws {
        #expect(try FQDN(child).isSubdomain(of: FQDN(parent)) == expected)
    }
}

private extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var text = self
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
