import Testing
@testable import EDCDomain

@Suite("StructureID")
struct IdentifiersStructureIDTests {
    @Test("reads the kind from the prefix digit and checks the number", arguments: [
        ("318751275100020", StructureID.Kind.siret, "18751275100020"),  // ANS
        ("300000001831981", .siret, "00000001831981"),  // ANS test list
        ("2732829320", .siren, "732829320"),
        ("1750712184", .finess, "750712184"),
        ("12A0000121", .finess, "2A0000121"),
        ("12b0000121", .finess, "2B0000121"),
        ("0123456789", .adeli, "123456789"),
        ("410003580000", .rpps, "10003580000"),
    ])
    func acceptsValidIdentifiers(input: String, kind: StructureID.Kind, number: String) throws {
        let identifier = try StructureID(input)
        #expect(identifier.kind == kind)
        #expect(identifier.number == number)
        #expect(identifier.value == String(kind.rawValue) + number)
    }

    @Test("gives the SIRET and SIREN behind a SIRET-kind identifier")
    func exposesSIRETAndSIREN() throws {
        let ans = try StructureID("318751275100020")
        #expect(ans.siret == (try SIRET("18751275100020")))
        #expect(ans.siren == (try SIREN("187512751")))
        #expect(try StructureID("2732829320").siren == SIREN("732829320"))
        #expect(try StructureID("2732829320").siret == nil)
        #expect(try StructureID("0123456789").siren == nil)
    }

    @Test("refuses malformed identifiers with a stable code", arguments: [
        ("", "structure_id.empty"),
        ("518751275100020", "structure_id.kind"),
        ("X18751275100020", "structure_id.kind"),
        ("31875127510002", "structure_id.length"),  // SIRET one digit short
        ("31598513500187", "structure_id.length"),  // as found in the ANS test list: 13 digits after 3
        ("0002", "structure_id.length"),
        ("41000358000", "structure_id.length"),
        ("318751275100021", "structure_id.siret"),  // Luhn fails
        ("2732829321", "structure_id.siren"),  // Luhn fails
        ("3 18751275100020", "structure_id.length"),  // no spaces inside a certificate OU
        ("1752A00121", "structure_id.invalid_character"),  // 2A only in positions 2-3 of FINESS
        ("01234567AB", "structure_id.invalid_character"),
    ])
    func refusesInvalidIdentifiers(input: String, code: String) {
        expectValidationError(code) { _ = try StructureID(input) }
    }

    @Test("explains in French why a SIRET-kind identifier is wrong")
    func nestedMessageIsFrench() {
        let error = expectValidationError("structure_id.siret") { _ = try StructureID("318751275100021") }
        #expect(error?.userMessage.contains("SIRET") == true)
        #expect(error?.technicalDetail.contains("siret.checksum") == true)
    }
}
