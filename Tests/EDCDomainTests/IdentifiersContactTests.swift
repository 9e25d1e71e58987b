import Testing
@testable import EDCDomain

@Suite("EmailAddress")
struct IdentifiersEmailAddressTests {
    @Test("keeps the local part as typed and lower-cases the domain", arguments: [
        ("support@editeur.fr", "support@editeur.fr"),
        ("  Jean.Dupont@Hopital-Exemple.FR ", "Jean.Dupont@hopital-exemple.fr"),
        ("ops+drim-m@sub.example.com", "ops+drim-m@sub.example.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ])
    func acceptsValidAddresses(input: String, canonical: String) throws {
        let address = try EmailAddress(input)
        #expect(address.value == canonical)
        #expect(address.localPart + "@" + address.domain.value == canonical)
    }

    @Test("refuses malformed addresses with a stable code", arguments: [
        ("", "email.empty"),
        ("support.editeur.fr", "email.syntax"),
        ("a@b@editeur.fr", "email.syntax"),
        ("@editeur.fr", "email.local_part_length"),
        (String(repeating: "a", count: 65) + "@editeur.fr", "email.local_part_length"),
        (".jean@editeur.fr", "email.local_part_invalid"),
        ("jean.@editeur.fr", "email.local_part_invalid"),
        ("jean..dupont@editeur.fr", "email.local_part_invalid"),
        ("jean dupont@editeur.fr", "email.local_part_invalid"),
        ("jérôme@editeur.fr", "email.local_part_invalid"),
        ("jean@localhost", "email.domain"),
        ("jean@192.168.0.1", "email.domain"),
        ("jean@", "email.domain"),
        (String(repeating: "a", count: 64) + "@" + Array(repeating: String(repeating: "b", count: 60), count: 4).joined(separator: ".") + ".fr", "email.too_long"),
    ])
    func refusesInvalidAddresses(input: String, code: String) {
        expectValidationError(code) { _ = try EmailAddress(input) }
    }
}

@Suite("FrenchPhoneNumber")
struct IdentifiersFrenchPhoneNumberTests {
    @Test("stores any usual French writing as E.164", arguments: [
        "01 23 45 67 89", "0123456789", "01.23.45.67.89", "01-23-45-67-89",
        "+33 1 23 45 67 89", "+33123456789", "0033 1 23 45 67 89", "0033123456789", " 01 23 45 67 89 ",
    ])
    func acceptsFrenchNumbers(input: String) throws {
        let phone = try FrenchPhoneNumber(input)
        #expect(phone.value == "+33123456789")
        #expect(phone.national == "01 23 45 67 89")
    }

    @Test("prints mobile numbers in national pairs")
    func nationalForm() throws {
        #expect(try FrenchPhoneNumber("+33612345678").national == "06 12 34 56 78")
    }

    @Test("refuses other numbers with a stable code", arguments: [
        ("", "phone.format"),
        ("123456789", "phone.format"),
        ("+44 20 7946 0958", "phone.country"),
        ("0044 20 7946 0958", "phone.country"),
        ("01 23 45 67 8", "phone.length"),
        ("01 23 45 67 890", "phone.length"),
        ("+33 0 1 23 45 67 89", "phone.length"),
        ("00 23 45 67 89", "phone.country"),
        ("+33 0 23 45 67 89", "phone.prefix"),
        ("01 23 45 67 8A", "phone.invalid_character"),
        ("(01) 23 45 67 89", "phone.format"),
    ])
    func refusesOtherNumbers(input: String, code: String) {
        expectValidationError(code) { _ = try FrenchPhoneNumber(input) }
    }
}
