import Testing
@testable import EDCDomain

/// Every distinct `DNCertificatOperateur` of the ANS test white lists (shared/samples/ans-liste-blanche).
private let ansWhitelistDNs = [
    "CN=db1.111.mesimagesmedicales.fr,OU=31598513500187,O=editeur,ST=Paris (75),C=FR",
    "CN=db1.112.mesimagesmedicales.fr,OU=47998513507810,O=editeur,ST=Paris (75),C=FR",
    "CN=db1.345.mesimagesmedicales.fr,OU=49188397100039,O=editeur,ST=Marseille (13),C=FR",
    "CN=db1.867.mesimagesmedicales.fr,OU=31954523700765,O=editeur,ST=Lyon(69),C=FR",
    "CN=db154.test.mesimagesmedicales.fr,OU=300000001853001,O=MINISTERE DE TEST5300,ST=Côte-d'Or (21),C=FR",
    "CN=db1541.test.mesimagesmedicales.fr,OU=300000001832047,O=MINISTERE DE TEST3204,ST=Côte-d'Or (21),C=FR",
    "CN=db1542.test.mesimagesmedicales.fr,OU=300000001832054,O=MINISTERE DE TEST3205,ST=Côte-d'Or (21),C=FR",
    "CN=db1543.test.mesimagesmedicales.fr,OU=300000001832062,O=MINISTERE DE TEST3206,ST=Côte-d'Or (21),C=FR",
    "CN=db155.test.mesimagesmedicales.fr,OU=499700831359002,O=CABINET MME MEDECIN0083135,ST=Paris (75),C=FR",
    "CN=db156.test.mesimagesmedicales.fr,OU=300000001832013,O=MINISTERE DE TEST3201,ST=Côte-d'Or (21),C=FR",
    "CN=db157.test.mesimagesmedicales.fr,OU=300000001871110,O=GIP - TEST7111,ST=Paris (75),C=FR",
    "CN=db161.test.mesimagesmedicales.fr,OU=300000001849132,O=MINISTERE DE TEST4913,ST=Côte-d'Or (21),C=FR",
    "CN=db167.test.mesimagesmedicales.fr,OU=300000001832005,O=MINISTERE DE TEST3200,ST=Côte-d'Or (21),C=FR",
    "CN=db169.test.mesimagesmedicales.fr,OU=300000001832021,O=MINISTERE DE TEST3202,ST=Côte-d'Or (21),C=FR",
    "CN=db172.test.mesimagesmedicales.fr,OU=300000001873710,O=MINISTERE DE TEST7371,ST=Côte-d'Or (21),C=FR",
    "CN=db175.test.mesimagesmedicales.fr,OU=300000001831981,O=MINISTERE DE TEST3198,ST=Côte-d'Or (21),C=FR",
    "CN=db178.test.mesimagesmedicales.fr,OU=300000001831999,O=MINISTERE DE TEST3199,ST=Côte-d'Or (21),C=FR",
    "CN=db2.345.mesimagesmedicales.fr,OU=49188397100039,O=editeur,ST=Marseille (13),C=FR",
    "CN=db2.867.mesimagesmedicales.fr,OU=31954523700765,O=editeur,ST=Lyon(69),C=FR",
    "CN=db3.test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
    "CN=db4.test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
    "CN=db5.test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
    "CN=db7.test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
]

@Suite("DistinguishedName")
struct IdentifiersDNTests {
    @Test("parses the ANS white list DNs and prints them back unchanged", arguments: ansWhitelistDNs)
    func whitelistDNsRoundTrip(text: String) throws {
        let dn = try DistinguishedName(text)
        #expect(dn.description == text)
        #expect(dn.rdns.map { $0.attributes[0].type } == ["CN", "OU", "O", "ST", "C"])
        #expect(dn.commonName?.hasSuffix(".mesimagesmedicales.fr") == true)
        #expect(try DistinguishedName(dn.description) == dn)
    }

    @Test("reads the parts of the specification example")
    func specificationExample() throws {
        let dn = try DistinguishedName("CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR")
        #expect(dn.commonName == "db1.1.mesimagesmedicales.fr")
        #expect(dn.values(of: "OU") == ["318751275100020"])
        #expect(dn.values(of: "o") == ["Opérateur"])
        #expect(dn.values(of: "2.5.4.8") == ["Paris (75)"])
        #expect(dn.values(of: "C") == ["FR"])
        #expect(dn.values(of: "L") == [])
        #expect(dn.description == "CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR")
    }

    @Test("unescapes special characters and prints them escaped again", arguments: [
        ("CN=a\\,b", "a,b", "CN=a\\,b"),
        ("CN=\\#x", "#x", "CN=\\#x"),
        ("CN=x\\ ", "x ", "CN=x\\ "),
        ("CN=\\ x", " x", "CN=\\ x"),
        ("O=Dupont \\+ Fils", "Dupont + Fils", "O=Dupont \\+ Fils"),
        ("CN=\\C3\\A9cole", "école", "CN=école"),
        ("CN=caf\\c3\\a9", "café", "CN=café"),
        ("CN=a\\\\b", "a\\b", "CN=a\\\\b"),
        ("CN=\\\"q\\\"", "\"q\"", "CN=\\\"q\\\""),
        ("CN=a\\;b\\<c\\>d", "a;b<c>d", "CN=a\\;b\\<c\\>d"),
        ("CN=a\\=b", "a=b", "CN=a=b"),
        ("CN=a=b", "a=b", "CN=a=b"),
        ("CN=a#b", "a#b", "CN=a#b"),
        ("CN=\\41BC", "ABC", "CN=ABC"),
    ])
    func escaping(text: String, value: String, printed: String) throws {
        let dn = try DistinguishedName(text)
        #expect(dn.rdns.count == 1)
        #expect(dn.rdns[0].attributes.count == 1)
        #expect(dn.rdns[0].attributes.first?.value == value)
        #expect(dn.description == printed)
        #expect(try DistinguishedName(dn.description) == dn)
    }

    @Test("parses a multi-valued RDN joined by +")
    func multiValuedRDN() throws {
        let dn = try DistinguishedName("CN=a+OU=b,C=FR")
        #expect(dn.rdns.count == 2)
        #expect(dn.rdns[0].attributes == [.init(type: "CN", value: "a"), .init(type: "OU", value: "b")])
        #expect(dn.rdns[1].attributes == [.init(type: "C", value: "FR")])
        #expect(dn.description == "CN=a+OU=b,C=FR")
    }

    @Test("tolerates spaces around separators, type names in any case, OIDs and quoted values", arguments: [
        ("  cn = db1.fr , ou=318751275100020 + o = X ,  c=FR  ", "CN=db1.fr,OU=318751275100020+O=X,C=FR"),
        ("2.5.4.3=db1.fr,2.5.4.11=1,2.5.4.10=O,2.5.4.8=ST,2.5.4.6=FR,2.5.4.7=Paris", "CN=db1.fr,OU=1,O=O,ST=ST,C=FR,L=Paris"),
        ("OID.2.5.4.3=db1.fr", "CN=db1.fr"),
        ("emailAddress=a@b.fr,1.2.840.113549.1.9.1=c@d.fr", "E=a@b.fr,E=c@d.fr"),
        ("commonName=x,serialNumber=1,dc=fr,uid=u,street=1 rue", "CN=x,SERIALNUMBER=1,DC=fr,UID=u,STREET=1 rue"),
        ("1.2.3.4=x", "1.2.3.4=x"),
        ("CN=\"Dupont, Fils + Cie\",C=FR", "CN=Dupont\\, Fils \\+ Cie,C=FR"),
        ("CN=#04024869", "CN=\\#04024869"),
        ("CN=db1.fr,C=FR\n", "CN=db1.fr,C=FR"),
    ])
    func lenientParsing(text: String, printed: String) throws {
        let dn = try DistinguishedName(text)
        #expect(dn.description == printed)
        #expect(try DistinguishedName(dn.description) == dn)
    }

    @Test("keeps UTF-8 values and the parenthesised department, with or without space", arguments: [
        ("ST=Côte-d'Or (21)", "Côte-d'Or (21)"),
        ("ST=Paris (75)", "Paris (75)"),
        ("ST=Lyon(69)", "Lyon(69)"),
    ])
    func utf8Values(text: String, value: String) throws {
        #expect(try DistinguishedName(text).values(of: "ST") == [value])
    }

    @Test("refuses malformed DNs with a stable code", arguments: [
        ("", "dn.empty"),
        ("   ", "dn.empty"),
        ("CN=", "dn.empty_value"),
        ("CN=  ,C=FR", "dn.empty_value"),
        ("CN=a,OU=,C=FR", "dn.empty_value"),
        ("CN=\"\"", "dn.empty_value"),
        ("CN=a,,C=FR", "dn.syntax"),
        ("CN=a,", "dn.syntax"),
        ("CN=a+", "dn.syntax"),
        ("CN", "dn.syntax"),
        ("CN a", "dn.syntax"),
        ("=a", "dn.attribute_type"),
        ("C N=a", "dn.syntax"),
        ("1CN=a", "dn.attribute_type"),
        ("CN-=a,é=b", "dn.attribute_type"),
        ("CN=a;C=FR", "dn.unescaped_character"),
        ("CN=a<b", "dn.unescaped_character"),
        ("CN=a\"b", "dn.unescaped_character"),
        ("CN=a\\x", "dn.invalid_escape"),
        ("CN=a\\", "dn.invalid_escape"),
        ("CN=\\C3", "dn.invalid_utf8"),
        ("CN=a\\0Ab", "dn.control_character"),
        ("CN=#x", "dn.hex_value"),
        ("CN=#123", "dn.hex_value"),
        ("CN=\"abc", "dn.unterminated_quote"),
        ("CN=\"abc\"x", "dn.syntax"),
    ])
    func refusesMalformedDNs(text: String, code: String) {
        expectValidationError(code) { _ = try DistinguishedName(text) }
    }

    @Test("has a common name only when exactly one CN is present", arguments: [
        ("CN=a,C=FR", "a" as String?),
        ("OU=1,C=FR", nil),
        ("CN=a,CN=b", nil),
    ])
    func commonName(text: String, expected: String?) throws {
        #expect(try DistinguishedName(text).commonName == expected)
    }

    @Test("matches the same RDN sequence with exact value text", arguments: [
        ("CN=a,OU=1,C=FR", "cn=a , ou=1, c=FR", true),
        ("CN=a+OU=b,C=FR", "OU=b+CN=a,C=FR", true),
        ("CN=a,C=FR", "CN=A,C=FR", false),
        ("CN=a,OU=1,C=FR", "OU=1,CN=a,C=FR", false),
        ("CN=a,C=FR", "CN=a", false),
        ("CN=a+OU=b,C=FR", "CN=a,OU=b,C=FR", false),
    ])
    func matching(left: String, right: String, expected: Bool) throws {
        #expect(try DistinguishedName(left).matches(DistinguishedName(right)) == expected)
    }

    @Test("builds from RDNs and canonicalises attribute types")
    func buildsFromRDNs() throws {
        let dn = DistinguishedName(rdns: [
            RelativeDistinguishedName(type: "commonName", value: "db1.1.mesimagesmedicales.fr"),
            RelativeDistinguishedName(type: "2.5.4.11", value: "318751275100020"),
            RelativeDistinguishedName(type: "o", value: "Dupont, Fils & Cie "),
            RelativeDistinguishedName(type: "C", value: "FR"),
        ])
        #expect(dn.description == "CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Dupont\\, Fils & Cie\\ ,C=FR")
        #expect(try DistinguishedName(dn.description) == dn)
    }

    @Test("explains a bad DN in French and quotes it in the technical detail")
    func errorTexts() {
        let error = expectValidationError("dn.empty_value") { _ = try DistinguishedName("CN=db1.fr,OU=,C=FR") }
        #expect(error?.userMessage.contains("OU") == true)
        #expect(error?.technicalDetail.contains("\"CN=db1.fr,OU=,C=FR\"") == true)
    }
}
