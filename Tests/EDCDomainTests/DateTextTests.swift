import EDCDomain
import Foundation
import Testing

@Suite("Date texts")
struct DateTextTests {
    @Test("French, Paris time, whatever the format asked before on the same thread or on others")
    func paris() async throws {
        let winter = Date(timeIntervalSince1970: 1_796_320_800)  // 2026-12-03 18:00 UTC
        let summer = Date(timeIntervalSince1970: 1_783_098_000)  // 2026-07-03 17:00 UTC
        for _ in 0..<3 {
            #expect(DateText.paris(winter) == "3 décembre 2026")
            #expect(DateText.paris(winter, "d MMMM yyyy 'à' HH'h'mm") == "3 décembre 2026 à 19h00")
            #expect(DateText.paris(summer, "d MMMM yyyy 'à' HH'h'mm") == "3 juillet 2026 à 19h00")
            #expect(DateText.paris(summer, "yyyy-MM-dd") == "2026-07-03")
        }
        let texts = await withTaskGroup(of: String.self) { group in
            for index in 0..<200 { group.addTask { DateText.paris(index.isMultiple(of: 2) ? winter : summer, "d MMMM yyyy 'à' HH'h'mm") } }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(texts) == ["3 décembre 2026 à 19h00", "3 juillet 2026 à 19h00"])
    }
}
