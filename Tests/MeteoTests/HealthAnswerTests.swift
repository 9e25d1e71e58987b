import Foundation
import Meteo
import Testing

@Suite("MicroProfile Health answers")
struct HealthAnswerTests {
    func parse(_ text: String, status: Int = 200) throws -> HealthAnswer {
        try HealthAnswer.parse(Array(text.utf8), httpStatus: status)
    }

    @Test("current form: status and checks with name/status")
    func currentForm() throws {
        let answer = try parse(#"{"status":"UP","checks":[{"name":"PACS 1","status":"UP","data":{"aet":"X"}},{"name":"PACS 2","status":"up"}]}"#)
        #expect(answer == HealthAnswer(state: .up, checks: [.init(name: "PACS 1", state: .up), .init(name: "PACS 2", state: .up)]))
        #expect(answer.failingChecks.isEmpty)
        #expect(!answer.isPartiallyDown)
    }

    @Test("older form: outcome and checks with name/state")
    func olderForm() throws {
        let answer = try parse(#"{"outcome":"DOWN","checks":[{"name":"a","state":"UP"},{"name":"b","state":"DOWN"}]}"#, status: 503)
        #expect(answer.state == .down)
        #expect(answer.failingChecks == ["b"])
        #expect(answer.isPartiallyDown)
    }

    @Test("no checks is allowed; a 503 is DOWN whatever the body says")
    func statusOnly() throws {
        #expect(try parse(#"{"status":"UP"}"#).checks.isEmpty)
        #expect(try parse(#"{"status":"UP"}"#, status: 503).state == .down)
    }

    @Test("check names are bounded and cleaned (shown on a public page)")
    func boundedNames() throws {
        let long = String(repeating: "x", count: 500)
        let answer = try parse(#"{"status":"DOWN","checks":[{"name":"\#(long)","status":"DOWN"},{"name":"a\u0007b","status":"DOWN"},{"status":"DOWN"}]}"#)
        #expect(answer.checks[0].name.count == HealthAnswer.maximumNameLength + 1)
        #expect(answer.checks[1].name == "ab")
        #expect(answer.checks[2].name == "check 3")
    }

    @Test("unreadable bodies are refused with their reason", arguments: [
        ("", HealthAnswerError.empty),
        ("<html>", .notJSON),
        ("[1,2]", .notAnObject),
        (#"{"checks":[]}"#, .missingStatus),
        (#"{"status":"MAYBE"}"#, .missingStatus),
        (#"{"status":"UP","checks":{}}"#, .invalidChecks("checks is not an array")),
        (#"{"status":"UP","checks":[{"name":"a","status":"SORT OF"}]}"#, .invalidChecks("check 1 has no UP/DOWN status")),
    ])
    func refused(body: String, error: HealthAnswerError) {
        #expect(throws: error) { try parse(body) }
    }

    @Test("size is bounded")
    func tooLarge() {
        let body = #"{"status":"UP","pad":""# + String(repeating: " ", count: HealthAnswer.maximumBodySize) + #""}"#
        #expect(throws: HealthAnswerError.tooLarge(body.utf8.count)) { try parse(body) }
        let many = (0...HealthAnswer.maximumChecks).map { _ in #"{"name":"a","status":"UP"}"# }.joined(separator: ",")
        #expect(throws: HealthAnswerError.invalidChecks("more than \(HealthAnswer.maximumChecks) checks")) { try parse(#"{"status":"UP","checks":[\#(many)]}"#) }
    }
}
