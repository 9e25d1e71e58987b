@testable import EDCDomain
import Testing

@Suite("Request state machine")
struct RequestStateMachineTests {
    /// The expected outcome of every (state, action) pair for operators and reviewers, written out
    /// independently of the implementation's rule table.
    static let legal: [RequestAction: (from: Set<RequestState>, to: RequestState?, role: Role)] = [
        .submit: ([.draft], .submitted, .operatorUser),
        .startReview: ([.submitted], .inReview, .reviewer),
        .requestCorrection: ([.submitted, .inReview], .correctionRequested, .reviewer),
        .resubmit: ([.correctionRequested], .submitted, .operatorUser),
        .approve: ([.submitted, .inReview], .approved, .reviewer),
        .reject: ([.submitted, .inReview], .rejected, .reviewer),
        .withdraw: ([.draft, .submitted, .inReview, .correctionRequested], .withdrawn, .operatorUser),
        .consent: ([.submitted, .inReview], nil, .operatorUser),
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        var kind: RequestKind
        var state: RequestState
        var action: RequestAction
        var testDescription: String { "\(kind.rawValue): \(action.rawValue) from \(state.rawValue)" }
    }

    static let allCases: [Case] = RequestKind.allCases.flatMap { kind in
        RequestState.allCases.flatMap { state in RequestAction.allCases.map { Case(kind: kind, state: state, action: $0) } }
    }

    @Test("every state × action × kind is either the expected transition or refused", arguments: allCases)
    func everyPair(_ testCase: Case) throws {
        let expected = Self.legal[testCase.action]!
        let applies = testCase.action != .consent || testCase.kind == .operatorChange
        let reason = "motif"
        if applies && expected.from.contains(testCase.state) {
            let target = try RequestStateMachine.target(kind: testCase.kind, from: testCase.state, action: testCase.action, role: expected.role, reason: reason)
            #expect(target == (expected.to ?? testCase.state))
        } else {
            let error = #expect(throws: WorkflowError.self) {
                try RequestStateMachine.target(kind: testCase.kind, from: testCase.state, action: testCase.action, role: expected.role, reason: reason)
            }
            #expect(error?.kind == .illegalTransition)
            #expect(error?.userMessage.isEmpty == false)
        }
    }

    @Test("an operator cannot fire a reviewer's action, nor a reviewer an operator's", arguments: RequestAction.allCases)
    func rolesAreEnforced(_ action: RequestAction) throws {
        let rule = Self.legal[action]!
        let state = rule.from.first!
        let otherRole: Role = rule.role == .operatorUser ? .reviewer : .operatorUser
        let error = #expect(throws: WorkflowError.self) {
            try RequestStateMachine.target(kind: .operatorChange, from: state, action: action, role: otherRole, reason: "motif")
        }
        #expect(error?.kind == .forbidden)
    }

    @Test("rejecting or asking for a correction needs a reason", arguments: [RequestAction.reject, .requestCorrection], [nil, "", "   "] as [String?])
    func reasonRequired(_ action: RequestAction, reason: String?) {
        let error = #expect(throws: WorkflowError.self) {
            try RequestStateMachine.target(kind: .declaration, from: .inReview, action: action, role: .reviewer, reason: reason)
        }
        #expect(error?.code == "request.reason_required")
    }

    @Test("final states accept no action at all", arguments: RequestState.allCases.filter(\.isFinal))
    func finalStates(_ state: RequestState) {
        for kind in RequestKind.allCases {
            for action in RequestAction.allCases {
                #expect(throws: WorkflowError.self) {
                    try RequestStateMachine.target(kind: kind, from: state, action: action, role: .administrator, reason: "x")
                }
            }
        }
    }
}

@Suite("DRIMbox registry state machine")
struct DRIMboxStateMachineTests {
    static let expected: [DRIMboxEvent: [DRIMboxState: DRIMboxState]] = [
        .provisionalIntegration: [.declared: .provisional],
        .definitiveIntegration: [.provisional: .integrated],
        .exclusion: [.provisional: .excluded, .integrated: .excluded],
        .reintegration: [.excluded: .provisional],
        .withdrawal: [.declared: .withdrawn, .provisional: .withdrawn, .integrated: .withdrawn, .excluded: .withdrawn],
        .modification: [.declared: .declared, .provisional: .provisional, .integrated: .integrated],
        .operatorChange: [.declared: .declared, .provisional: .provisional, .integrated: .integrated, .excluded: .excluded],
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var state: DRIMboxState
        var event: DRIMboxEvent
        var testDescription: String { "\(event.rawValue) from \(state.rawValue)" }
    }

    @Test("every state × event is the expected move or refused", arguments: DRIMboxState.allCases.flatMap { state in DRIMboxEvent.allCases.map { Case(state: state, event: $0) } })
    func everyPair(_ testCase: Case) throws {
        if let target = Self.expected[testCase.event]?[testCase.state] {
            #expect(try DRIMboxStateMachine.target(from: testCase.state, event: testCase.event) == target)
        } else {
            let error = #expect(throws: WorkflowError.self) { try DRIMboxStateMachine.target(from: testCase.state, event: testCase.event) }
            #expect(error?.kind == .illegalTransition)
        }
    }

    @Test("withdrawn is final")
    func withdrawnIsFinal() {
        for event in DRIMboxEvent.allCases {
            #expect(throws: WorkflowError.self) { try DRIMboxStateMachine.target(from: .withdrawn, event: event) }
        }
    }

    @Test("only provisional and integrated DRIMboxes are trusted")
    func trustedStates() {
        #expect(DRIMboxState.allCases.filter(\.isTrusted) == [.provisional, .integrated])
    }
}

@Suite("Registry rules")
struct RegistryRuleTests {
    @Test("the default naming pattern gives db{pacs}.{drimbox} and vi{pacs}.{drimbox}")
    func defaultPattern() throws {
        let pair = try FQDNNamingPattern.default.pair(drimbox: 42, pacs: 3)
        #expect(pair.db.value == "db3.42.mesimagesmedicales.fr")
        #expect(pair.viewer.value == "vi3.42.mesimagesmedicales.fr")
    }

    @Test("a pattern without both placeholders is refused", arguments: [("db.{drimbox}.x.fr", "vi{pacs}.{drimbox}.x.fr"), ("db{pacs}.{drimbox}.x.fr", "db{pacs}.{drimbox}.x.fr")])
    func badPatterns(_ db: String, _ viewer: String) {
        #expect(throws: ValidationError.self) { try FQDNNamingPattern(db: db, viewer: viewer) }
    }

    static let pair = try! FQDNNamingPattern.default.pair(drimbox: 1, pacs: 1)

    @Test("a certificate DN must name the db FQDN as CN and a valid structure identifier as OU", arguments: [
        ("CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,ST=Paris (75),C=FR", nil),
        ("CN=DB1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,C=FR", nil),
        ("CN=db2.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,C=FR", "dn.cn_mismatch"),
        ("CN=vi1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur,C=FR", "dn.cn_mismatch"),
        ("OU=318751275100020,O=Opérateur,C=FR", "dn.cn_missing"),
        ("CN=db1.1.mesimagesmedicales.fr,O=Opérateur,C=FR", "dn.ou_missing"),
        ("CN=db1.1.mesimagesmedicales.fr,OU=31598513500187,O=editeur,C=FR", "dn.ou_invalid"),
        ("CN=db1.1.mesimagesmedicales.fr,OU=918751275100020,O=Opérateur,C=FR", "dn.ou_invalid"),
    ] as [(String, String?)])
    func certificateDN(_ text: String, _ expectedCode: String?) throws {
        let dn = try DistinguishedName(text)
        if let expectedCode {
            let error = #expect(throws: ValidationError.self) { try CertificateDNRule.check(dn, for: Self.pair) }
            #expect(error?.code == expectedCode)
            #expect(error?.userMessage.isEmpty == false)
        } else {
            try CertificateDNRule.check(dn, for: Self.pair)
        }
    }
}
