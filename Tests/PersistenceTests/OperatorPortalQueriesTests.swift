import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
@testable import Persistence
import Testing

@Suite("What the operator portal asks: actions open now, eligible DRIMboxes, consents, documents; update and submit at once")
struct OperatorPortalQueriesTests {
    static func draft(_ fixture: Fixture, by principal: Principal, cgi: Bool = true) async throws -> RequestModel {
        let payload = DeclarationPayload(
            clients: [try SIREN("383474814")],
            pacs: [PACSHostnames(sourceHostname: try Hostname("s.example.fr"), viewerHostname: try Hostname("v.example.fr"))],
            cgiDocumentID: cgi ? try await fixture.document(.cgi, for: principal) : nil)
        return try await fixture.workflow.createRequest(principal, kind: .declaration, drimboxID: nil, payload: .declaration(payload), submit: false)
    }

    @Test("the actions open to each principal follow the state machine, the operator side and a consent not yet given")
    func availableActions() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let workflow = fixture.workflow
            let draft = try await Self.draft(fixture, by: fixture.operatorA)
            #expect(workflow.availableActions(fixture.operatorA, on: draft) == [.submit, .withdraw])
            #expect(workflow.availableActions(fixture.operatorB, on: draft) == [])
            #expect(workflow.availableActions(fixture.reviewer, on: draft) == [])
            let submitted = try await workflow.perform(fixture.operatorA, requestID: draft.id!, action: .submit, reason: nil, expectedVersion: nil)
            #expect(workflow.availableActions(fixture.operatorA, on: submitted) == [.withdraw])
            #expect(workflow.availableActions(fixture.reviewer, on: submitted) == [.startReview, .requestCorrection, .approve, .reject])
            let corrected = try await workflow.perform(fixture.reviewer, requestID: draft.id!, action: .requestCorrection, reason: "SIREN", expectedVersion: nil)
            #expect(workflow.availableActions(fixture.operatorA, on: corrected) == [.resubmit, .withdraw])

            // An operator change: the counterpart may consent, once.
            let drimbox = try await fixture.declared(by: fixture.operatorA)
            let change = try await workflow.createRequest(fixture.operatorA, kind: .operatorChange, drimboxID: drimbox.id,
                                                          payload: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554"))), submit: true)
            #expect(workflow.availableActions(fixture.operatorB, on: change) == [.consent])
            #expect(workflow.availableActions(fixture.operatorA, on: change) == [.withdraw])
            let consented = try await workflow.perform(fixture.operatorB, requestID: change.id!, action: .consent, reason: nil, expectedVersion: nil)
            #expect(workflow.availableActions(fixture.operatorB, on: consented) == [])
        }
    }

    @Test("eligible DRIMboxes are the principal's in a source state of the kind's registry event; the kinds open for a DRIMbox likewise")
    func eligibleDRIMboxes() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let declared = try await fixture.declared(by: fixture.operatorA)
            let provisional = try await fixture.provisional(by: fixture.operatorA)
            let foreign = try await fixture.declared(by: fixture.operatorB)
            let queries = RegistryQueries(database: db)
            #expect(try await queries.drimboxes(for: fixture.operatorA, eligibleFor: .integration).map(\.id) == [declared.id])
            #expect(try await queries.drimboxes(for: fixture.operatorA, eligibleFor: .vaDocument).map(\.id) == [provisional.id])
            #expect(try await queries.drimboxes(for: fixture.operatorA, eligibleFor: .withdrawal).map(\.id) == [declared.id, provisional.id])
            #expect(try await queries.drimboxes(for: fixture.operatorA, eligibleFor: .reintegration).isEmpty)
            #expect(try await queries.drimboxes(for: fixture.operatorA, eligibleFor: .declaration).isEmpty)
            #expect(try await queries.drimboxes(for: fixture.operatorB, eligibleFor: .integration).map(\.id) == [foreign.id])
            #expect(RegistryQueries.kinds(eligibleFor: declared) == [.integration, .modification, .withdrawal, .operatorChange])
            #expect(RegistryQueries.kinds(eligibleFor: provisional) == [.vaDocument, .modification, .withdrawal, .operatorChange])
            let pairs = try await queries.pairs(of: [declared, provisional])
            #expect(pairs[declared.id!]?.count == 1 && pairs[provisional.id!]?.count == 1)
        }
    }

    @Test("consents awaited, requests about a DRIMbox and documents are filtered by what the principal may see")
    func visibility() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let queries = RequestQueries(database: db)
            let drimbox = try await fixture.declared(by: fixture.operatorA)
            let change = try await fixture.workflow.createRequest(fixture.operatorA, kind: .operatorChange, drimboxID: drimbox.id,
                                                                  payload: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554"))), submit: true)
            #expect(try await queries.awaitingConsent(of: fixture.operatorB).map(\.id) == [change.id])
            #expect(try await queries.awaitingConsent(of: fixture.operatorA).isEmpty)
            #expect(try await queries.drimboxes(of: [change])[drimbox.id!]?.identifier == drimbox.identifier)
            _ = try await fixture.workflow.perform(fixture.operatorB, requestID: change.id!, action: .consent, reason: nil, expectedVersion: nil)
            #expect(try await queries.awaitingConsent(of: fixture.operatorB).isEmpty)

            let about = try await queries.requests(about: drimbox, for: fixture.operatorA)
            #expect(about.map(\.kind) == [.operatorChange, .declaration], "newest first, the declaration that made it included")
            #expect(try await queries.requests(about: drimbox, for: fixture.operatorB).map(\.id) == [change.id], "the counterpart sees the change it is offered")

            let mine = try await fixture.document(.cgi, for: fixture.operatorA)
            let theirs = try await fixture.document(.cgi, for: fixture.operatorB)
            let documents = try await queries.documents([theirs, mine, UUID()], for: fixture.operatorA)
            #expect(documents.map(\.id) == [mine])
            #expect(documents.first?.filename == "cgi.pdf")
            #expect(try await queries.documents([theirs, mine], for: fixture.reviewer).map(\.id) == [theirs, mine])
        }
    }

    @Test("updateRequest then submit is one transaction: a refused submit leaves the content and version as they were")
    func updateThenSubmit() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let draft = try await Self.draft(fixture, by: fixture.operatorA, cgi: false)
            let changed = DeclarationPayload(
                clients: [try SIREN("443061841")],
                pacs: [PACSHostnames(sourceHostname: try Hostname("s2.example.fr"), viewerHostname: try Hostname("v2.example.fr"))])
            let refused = await #expect(throws: ValidationErrors.self) {
                _ = try await fixture.workflow.updateRequest(fixture.operatorA, requestID: draft.id!, payload: .declaration(changed), expectedVersion: 1, then: .submit)
            }
            #expect(refused?.errors.map(\.code) == ["declaration.cgi_required"])
            let stored = try #require(try await RequestModel.find(draft.id, on: db))
            #expect(stored.version == 1 && stored.state == .draft && stored.payload == draft.payload)

            var complete = changed
            complete.cgiDocumentID = try await fixture.document(.cgi, for: fixture.operatorA)
            let submitted = try await fixture.workflow.updateRequest(fixture.operatorA, requestID: draft.id!, payload: .declaration(complete), expectedVersion: 1, then: .submit)
            #expect(submitted.state == .submitted && submitted.version == 3)
            let rows = try await RequestTransitionModel.query(on: db).filter(\.$requestID == draft.id!).all()
            #expect(rows.map(\.action) == [.submit])
            await #expect(throws: WorkflowError.self) {
                _ = try await fixture.workflow.updateRequest(fixture.operatorA, requestID: draft.id!, payload: .declaration(complete), expectedVersion: 3, then: .submit)
            }
        }
    }
}
