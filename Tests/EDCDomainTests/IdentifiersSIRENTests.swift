import Testing
@testable import EDCDomain

@Suite("Luhn")
struct IdentifiersLuhnTests {
    @Test("accepts numbers whose Luhn sum is a multiple of 10", arguments: ["0", "18", "732829320", "73282932000074", "35600000000048"])
    func acceptsValidNumbers(digits: String) {
        #expect(Luhn.isValid(digits))
    }

    @Test("refuses wrong check digits, empty text and non-digits", arguments: ["", "19", "732829321", "7328 29320", "73282932O", "٧٣٢٨٢٩٣٢٠"])
    func refusesInvalidInput(digits: String) {
        #expect(!Luhn.isValid(digits))
    }
}

@Suite("SIREN")
struct IdentifiersSIRENTests {
    @Test("keeps the 9 digits of a valid SIREN, spaces removed", arguments: [
        ("732829320", "732829320"),
        ("732 829 320", "732829320"),
        ("  732 829 320 ", "732829320"),
        ("732\u{00A0}829\u{202F}320", "732829320"),
        ("187512751", "187512751"),
        ("356000000", "356000000"),
    ])
    func acceptsValidSIREN(input: String, canonical: String) throws {
        let siren = try SIREN(input)
        #expect(siren.value == canonical)
        #expect(siren.description == canonical)
    }

    @Test("refuses malformed SIRENs with a stable code", arguments: [
        ("732829321", "siren.checksum"),
        ("73282932", "siren.length"),
        ("7328293200", "siren.length"),
        ("", "siren.empty"),
        ("   ", "siren.empty"),
        ("732-829-320", "siren.invalid_character"),
        ("73282932A", "siren.invalid_character"),
    ])
    func refusesInvalidSIREN(input: String, code: String) {
        expectValidationError(code) { _ = try SIREN(input) }
    }

    @Test("tells the user in French that a SIREN has 9 digits")
    func lengthMessageIsFrench() {
        let error = expectValidationError("siren.length") { _ = try SIREN("12345") }
        #expect(error?.userMessage == "Le SIREN doit comporter 9 chiffres.")
        #expect(error?.technicalDetail.contains("\"12345\"") == true)
    }
}

@Suite("SIRET")
struct IdentifiersSIRETTests {
    @Test("accepts SIRETs that pass the Luhn check", arguments: [
        "73282932000074",
        "732 829 320 00074",
        "18751275100020",
        "55208131766522",
        "35600000000048",  // La Poste head office: passes Luhn (its digit sum, 26, is not a multiple of 5)
    ])
    func acceptsLuhnValidSIRET(input: String) throws {
        let siret = try SIRET(input)
        #expect(siret.value == input.filter { $0 != " " })
    }

    @Test("accepts La Poste SIRETs that fail Luhn but whose digit sum is a multiple of 5", arguments: [
        "35600000049837",  // sum 45
        "35600000000001",  // sum 15
    ])
    func acceptsLaPosteException(input: String) throws {
        #expect(!Luhn.isValid(input))
        let siret = try SIRET(input)
        #expect(siret.siren.value == "356000000")
    }

    @Test("refuses malformed SIRETs with a stable code", arguments: [
        ("73282932000075", "siret.checksum"),
        ("35600000000002", "siret.checksum"),  // La Poste, but neither Luhn nor a digit sum multiple of 5
        ("73282932100007", "siret.siren_checksum"),  // Luhn-valid as a whole, SIREN part is not
        ("7328293200007", "siret.length"),
        ("732829320000740", "siret.length"),
        ("7328293200007A", "siret.invalid_character"),
        ("", "siret.empty"),
    ])
    func refusesInvalidSIRET(input: String, code: String) {
        expectValidationError(code) { _ = try SIRET(input) }
    }

    @Test("exposes the SIREN of the company")
    func exposesSIREN() throws {
        #expect(try SIRET("73282932000074").siren == SIREN("732829320"))
    }
}
