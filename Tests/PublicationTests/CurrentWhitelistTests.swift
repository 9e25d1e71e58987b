import Foundation
import Persistence
@testable import Publication
import Testing

@Suite("The served white list snapshot")
struct CurrentWhitelistTests {
    func version(_ seq: Int) -> WhitelistVersionModel {
        let version = WhitelistVersionModel()
        version.id = UUID()
        version.seq = seq
        version.generatedAt = Date(timeIntervalSince1970: 1_790_000_000 + Double(seq))
        version.signingTime = version.generatedAt
        version.content = Data("<list \(seq)/>".utf8)
        version.sha256 = String(repeating: String(seq % 10), count: 64)
        version.size = version.content.count
        version.entryCount = 0
        version.entries = "[]"
        version.signerSubject = "CN=test"
        version.createdAt = version.generatedAt
        return version
    }

    @Test("only a newer version replaces the served one: an older install (a slow instance) never rolls it back")
    func onlyNewer() {
        let current = CurrentWhitelist()
        #expect(current.snapshot == nil)
        current.install(version(2))
        current.install(version(1))
        #expect(current.snapshot?.seq == 2)
        current.install(version(3))
        #expect(current.snapshot?.seq == 3)
        #expect(current.snapshot?.etag == "\"" + String(repeating: "3", count: 32) + "\"")
    }

    @Test("Last-Modified is an RFC 9110 IMF-fixdate that parses back to the same second")
    func httpDate() throws {
        let date = Date(timeIntervalSince1970: 1_790_000_123)
        let text = HTTPDate.format(date)
        #expect(text == "Mon, 21 Sep 2026 14:15:23 GMT")
        #expect(HTTPDate.parse(text) == date)
        #expect(HTTPDate.parse("not a date") == nil)
    }
}
