import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
@testable import Persistence
import Testing

@Suite("ANS back office: request lists by state, registry search, VA deadlines, ANS withdrawal and re-integration, audit search")
struct BackOfficeQueriesTests {
    func numbers(_ page: Persistence.Page<RequestModel>) -> [Int] { page.items.map(\.number) }

    @Test("requests by state: awaiting review oldest first (with the queue's filters), any other state newest first; paged; ANS only")
    func requestsByState() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let alice = try await ReviewAssignmentTests.user(.reviewer, "alice@ans.example.fr", on: db)
            let r1 = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorA)
            fixture.clock.advance(days: 10)
            let r2 = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorB)
            let r3 = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorA)
            let r4 = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorA)
            let r5 = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorB)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: r2.id!, action: .startReview, reason: nil, expectedVersion: nil)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: r3.id!, action: .requestCorrection, reason: "Le CGI n'est pas signé.", expectedVersion: nil)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: r4.id!, action: .reject, reason: "Doublon.", expectedVersion: nil)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: r5.id!, action: .reject, reason: "Doublon.", expectedVersion: nil)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: r2.id!, to: alice.id)
            let queries = RequestQueries(database: db)
            let ans = fixture.reviewer
            typealias Filter = RequestQueries.BackOfficeFilter

            #expect(numbers(try await queries.backOffice(ans, filter: Filter(), cursor: nil, limit: 10)) == [r1, r2].map(\.number))
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(state: .inReview), cursor: nil, limit: 10)) == [r2.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(state: .submitted), cursor: nil, limit: 10)) == [r1.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(state: .correctionRequested), cursor: nil, limit: 10)) == [r3.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(state: .rejected), cursor: nil, limit: 10)) == [r5, r4].map(\.number))
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(state: .rejected, operatorID: fixture.operatorA.operatorID), cursor: nil, limit: 10)) == [r4.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(assignedTo: .user(alice.id!)), cursor: nil, limit: 10)) == [r2.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(assignedTo: .unassigned), cursor: nil, limit: 10)) == [r1.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(submittedBefore: fixture.clock.now.addingTimeInterval(-86_400)), cursor: nil, limit: 10)) == [r1.number])
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(kind: .integration), cursor: nil, limit: 10)).isEmpty)
            // Keyset paging, both directions.
            let first = try await queries.backOffice(ans, filter: Filter(state: .rejected), cursor: nil, limit: 1)
            #expect(numbers(first) == [r5.number] && first.nextCursor == String(r5.number))
            let second = try await queries.backOffice(ans, filter: Filter(state: .rejected), cursor: first.nextCursor.flatMap { Int($0) }, limit: 1)
            #expect(numbers(second) == [r4.number] && second.nextCursor == nil)
            let queueFirst = try await queries.backOffice(ans, filter: Filter(), cursor: nil, limit: 1)
            #expect(numbers(try await queries.backOffice(ans, filter: Filter(), cursor: queueFirst.nextCursor.flatMap { Int($0) }, limit: 1)) == [r2.number])

            await #expect(throws: NotFoundError.self) { _ = try await queries.backOffice(fixture.operatorA, filter: Filter(), cursor: nil, limit: 10) }
        }
    }

    @Test("the registry is searched by identifier, operator, part of an FQDN and state")
    func registrySearch() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let d1 = try await fixture.declared(by: fixture.operatorA, pacs: 2)
            let d2 = try await fixture.provisional(by: fixture.operatorB)
            let d3 = try await fixture.declared(by: fixture.operatorB)
            let registry = RegistryQueries(database: db)
            let ans = fixture.reviewer
            func identifiers(_ search: RegistryQueries.Search) async throws -> [Int] {
                try await registry.search(search, for: ans, after: nil, limit: 10).items.map(\.identifier)
            }
            #expect(try await identifiers(.init()) == [d1, d2, d3].map(\.identifier))
            #expect(try await identifiers(.init(identifier: d2.identifier)) == [d2.identifier])
            #expect(try await identifiers(.init(operatorID: fixture.operatorB.operatorID)) == [d2, d3].map(\.identifier))
            #expect(try await identifiers(.init(state: .provisional)) == [d2.identifier])
            #expect(try await identifiers(.init(fqdn: "DB2.\(d1.identifier).")) == [d1.identifier])
            #expect(try await identifiers(.init(fqdn: "vi1.\(d3.identifier).mesimagesmedicales.fr")) == [d3.identifier])
            #expect(try await identifiers(.init(fqdn: "%")).isEmpty, "wildcards are literal")
            #expect(try await identifiers(.init(operatorID: fixture.operatorA.operatorID, fqdn: "vi1.\(d3.identifier).")).isEmpty)
            let page = try await registry.search(.init(), for: ans, after: nil, limit: 2)
            #expect(page.items.map(\.identifier) == [d1, d2].map(\.identifier))
            #expect(try await registry.search(.init(), for: ans, after: page.nextCursor.flatMap { Int($0) }, limit: 2).items.map(\.identifier) == [d3.identifier])
            await #expect(throws: NotFoundError.self) { _ = try await registry.search(.init(), for: fixture.operatorA, after: nil, limit: 10) }
            // B's name is the one its integration gave ("Opérateur"): by name, B comes first.
            let names = try await registry.operatorNames()
            #expect(names.map(\.name) == ["Opérateur", "Opérateur A"])
            #expect(names.map(\.id) == [fixture.operatorB.operatorID!, fixture.operatorA.operatorID!])

        }
    }

    @Test("VA deadlines: provisional DRIMboxes due before the horizon, overdue first; the VA document awaiting review for each")
    func vaDeadlines() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let early = try await fixture.provisional(by: fixture.operatorA)
            fixture.clock.advance(days: 20)
            let late = try await fixture.provisional(by: fixture.operatorB)
            _ = try await fixture.declared(by: fixture.operatorA)
            let registry = RegistryQueries(database: db)
            let dueEarly = try #require(early.vaDueAt)
            // Just after the first deadline: it is overdue, the second is due 20 days later.
            let now = dueEarly.addingTimeInterval(60)
            #expect(try await registry.vaDeadlines(before: now.addingTimeInterval(30 * 86_400), for: fixture.reviewer, limit: 10).items.map(\.identifier) == [early, late].map(\.identifier))
            #expect(try await registry.vaDeadlines(before: now.addingTimeInterval(10 * 86_400), for: fixture.reviewer, limit: 10).items.map(\.identifier) == [early.identifier])
            let first = try await registry.vaDeadlines(before: now.addingTimeInterval(30 * 86_400), for: fixture.reviewer, limit: 1)
            #expect(first.items.map(\.identifier) == [early.identifier] && first.nextCursor == "1")
            let second = try await registry.vaDeadlines(before: now.addingTimeInterval(30 * 86_400), for: fixture.reviewer, offset: 1, limit: 1)
            #expect(second.items.map(\.identifier) == [late.identifier] && second.nextCursor == nil)
            await #expect(throws: NotFoundError.self) { _ = try await registry.vaDeadlines(before: now, for: fixture.operatorA, limit: 10) }

            let va = try await fixture.workflow.createRequest(fixture.operatorB, kind: .vaDocument, drimboxID: late.id,
                payload: .vaDocument(VADocumentPayload(vaDocumentID: try await fixture.document(.vaReport, for: fixture.operatorB))), submit: true)
            let pending = try await RequestQueries(database: db).pendingVADocuments(of: [early.id!, late.id!], for: fixture.reviewer)
            #expect(pending.count == 1 && pending[late.id!]?.id == va.id)
        }
    }

    @Test("ANS withdraws a DRIMbox and re-integrates an excluded one, with a reason; not after a cyber-security incident; ANS only")
    func ansRegistryChanges() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let other = try await fixture.provisional(by: fixture.operatorB)
            let workflow = fixture.workflow

            // A reason is required, and only ANS may act.
            for reason in [nil, "  "] as [String?] {
                let error = await #expect(throws: ValidationErrors.self) { _ = try await workflow.withdrawByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: reason) }
                #expect(error?.errors.map(\.field) == ["reason"] && error?.errors.map(\.userMessage) == ["Indiquez le motif du retrait."])
            }
            await #expect(throws: NotFoundError.self) { _ = try await workflow.withdrawByANS(fixture.operatorA, drimboxID: drimbox.id!, reason: "Fin d'activité.") }
            await #expect(throws: NotFoundError.self) { _ = try await workflow.reintegrateByANS(fixture.operatorA, drimboxID: drimbox.id!, reason: "Levée.") }
            await #expect(throws: NotFoundError.self) { _ = try await workflow.withdrawByANS(fixture.reviewer, drimboxID: UUID(), reason: "Fin d'activité.") }
            // Only an excluded DRIMbox is re-integrated.
            await #expect(throws: WorkflowError.self) { _ = try await workflow.reintegrateByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: "Levée.") }

            _ = try await workflow.exclude(fixture.reviewer, drimboxID: drimbox.id!, reason: .certificateExpiredOrRevoked, detail: "Certificat expiré.")
            fixture.clock.advance(days: 3)
            let back = try await workflow.reintegrateByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: "Certificat renouvelé.")
            #expect(back.state == .provisional && back.exclusionReason == nil && back.excludedAt == nil)
            #expect(back.vaDueAt == fixture.clock.now.addingTimeInterval(WorkflowConfiguration().vaDeadline))
            let row = try #require(try await DRIMboxTransitionModel.query(on: db).filter(\.$drimboxID == drimbox.id!).sort(\.$at, .descending).first())
            #expect(row.event == .reintegration && row.reason == "Certificat renouvelé." && row.actorRole == .reviewer && row.requestID == nil)

            // A stale version is refused.
            await #expect(throws: WorkflowError.self) { _ = try await workflow.withdrawByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: "Fin.", expectedVersion: 1) }
            let withdrawn = try await workflow.withdrawByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: "Fin d'activité de l'opérateur.", expectedVersion: back.version)
            #expect(withdrawn.state == .withdrawn && withdrawn.vaDueAt == nil)
            // Withdrawn is final.
            await #expect(throws: WorkflowError.self) { _ = try await workflow.withdrawByANS(fixture.reviewer, drimboxID: drimbox.id!, reason: "Encore.") }
            // The FQDNs stay reserved: the pairs are still there.
            #expect(try await FQDNPairModel.query(on: db).filter(\.$drimboxID == drimbox.id!).count() == 1)

            // After a cyber-security incident, only the operator's request re-integrates.
            _ = try await workflow.exclude(fixture.reviewer, drimboxID: other.id!, reason: .cyberIncident, detail: nil)
            let refused = await #expect(throws: WorkflowError.self) { _ = try await workflow.reintegrateByANS(fixture.reviewer, drimboxID: other.id!, reason: "Levée.") }
            #expect(refused?.code == "drimbox.reintegration_needs_request")

            let actions = try await AuditEntryModel.query(on: db).filter(\.$entityType == AuditEntity.drimbox.rawValue).filter(\.$entityID == String(drimbox.identifier)).sort(\.$seq).all().map(\.action.rawValue)
            #expect(Array(actions.suffix(3)) == ["drimbox.exclusion", "drimbox.reintegration", "drimbox.withdrawal"])
            // Each change that moves the DRIMbox on or off the list asks for a new list.
            let changes = try await OutboxEventModel.query(on: db).filter(\.$topic == .registryChanged).all().filter { $0.payload.contains(drimbox.id!.uuidString) }
            #expect(changes.contains { $0.payload.contains("\"reintegration\"") } && changes.contains { $0.payload.contains("\"withdrawal\"") })
        }
    }

    @Test("the audit log is searched by action (or family), entity, actor, role and period, newest first, paged; ANS only")
    func auditSearch() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let start = fixture.clock.now
            let request = try await ReviewAssignmentTests.submitted(fixture, by: fixture.operatorA)
            fixture.clock.advance(days: 2)
            let middle = fixture.clock.now
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .reject, reason: "Incomplet.", expectedVersion: nil)
            func actions(_ search: AuditLog.Search, limit: Int = 50, before: Int? = nil) async throws -> [String] {
                try await AuditLog.search(search, for: fixture.reviewer, before: before, limit: limit, on: db).items.map(\.action.rawValue)
            }
            #expect(try await actions(.init(action: "request.reject")) == ["request.reject"])
            #expect(try await actions(.init(action: "request.")) == ["request.reject", "request.submit", "request.create"])
            #expect(try await actions(.init(action: "request_")).isEmpty, "wildcards are literal")
            #expect(try await actions(.init(entityType: .request, entityID: String(request.number))) == ["request.reject", "request.submit", "request.create"])
            #expect(try await actions(.init(actorID: fixture.reviewer.userID)) == ["request.reject"])
            #expect(try await actions(.init(actorRole: .operatorUser, from: start)).contains("request.submit"))
            #expect(try await actions(.init(from: middle)) == ["request.reject"])
            #expect(try await actions(.init(action: "request.", to: middle)) == ["request.submit", "request.create"])
            let first = try await AuditLog.search(.init(action: "request."), for: fixture.reviewer, before: nil, limit: 2, on: db)
            #expect(first.items.count == 2)
            #expect(try await actions(.init(action: "request."), before: first.nextCursor.flatMap { Int($0) }) == ["request.create"])
            await #expect(throws: NotFoundError.self) { _ = try await AuditLog.search(.init(), for: fixture.operatorA, before: nil, limit: 10, on: db) }
        }
    }
}
