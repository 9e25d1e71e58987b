@testable import Whitelist
import EDCDomain
import Foundation
import Testing

@Suite("The registry can never hold a text the white list writer refuses")
struct TextRuleConsistencyTests {
    @Test("every scalar a Name or a ContactLine accepts is writable, in the first four planes and at every plane's end")
    func namesAreWritable() {
        var scalars = (0...0x3FFFF).compactMap(Unicode.Scalar.init)
        for plane in 4...16 { scalars += [0xFFFD, 0xFFFE, 0xFFFF].compactMap { Unicode.Scalar(plane << 16 | $0) } }
        var mismatches: [String] = []
        for scalar in scalars {
            let text = "A" + String(Character(scalar)) + "B"
            let accepted = (try? Name(text)) != nil
            #expect(accepted == ((try? ContactLine(text)) != nil))
            if accepted && !XMLText.isWritable(text) { mismatches.append(String(scalar.value, radix: 16)) }
        }
        #expect(mismatches.isEmpty, "accepted by the registry, refused by the writer: \(mismatches.prefix(20))")
    }

    func entry(_ identifiant: String, _ index: Int, denomination: String) -> WhitelistEntry {
        WhitelistEntry(
            identifiant: identifiant, db: "db\(index).\(identifiant).mesimagesmedicales.fr", vi: "vi\(index).\(identifiant).mesimagesmedicales.fr",
            denomination: denomination, certificateDN: "CN=db\(index).\(identifiant).mesimagesmedicales.fr,OU=318751275100020,O=Op,C=FR",
            responsableContact: nil, supportContact: "support@op.example.fr, 01 23 45 67 89", updatedAt: Date(timeIntervalSince1970: 1_780_000_000))
    }

    @Test("partition leaves out only the entries that cannot be written, keeping the others in order")
    func partition() {
        let entries = [entry("1", 1, denomination: "Alpha"), entry("2", 1, denomination: "Bêta\u{0001}"), entry("3", 1, denomination: "Gamma"), entry("3", 2, denomination: "Gamma")]
        let (writable, refused) = WhitelistEntryValidator.partition(entries)
        #expect(writable.map(\.identifiant) == ["1", "3", "3"])
        #expect(refused.map(\.entry.identifiant) == ["2"])
        #expect(refused.first?.error.code == "entry.text_invalid")
        #expect(refused.first?.error.entryIndex == 1)
    }

    @Test("an entry conflicting with an earlier one is the one left out")
    func conflicts() {
        var duplicate = entry("3", 1, denomination: "Gamma")
        duplicate.db = "db1.1.mesimagesmedicales.fr"
        let (writable, refused) = WhitelistEntryValidator.partition([entry("1", 1, denomination: "Alpha"), duplicate])
        #expect(writable.map(\.identifiant) == ["1"])
        #expect(refused.map(\.error.code) == ["entry.fqdn_duplicate"])
    }
}
