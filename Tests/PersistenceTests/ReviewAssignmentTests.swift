import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
@testable import Persistence
import Testing

@Suite("Review assignment and the review queue's filters")
struct ReviewAssignmentTests {
    /// An ANS (or operator) user row, for assignment targets.
    static func user(_ role: Role, _ email: String, operatorID: UUID? = nil, disabled: Bool = false, on db: any Database) async throws -> UserModel {
        let user = UserModel(id: UUID(), email: email, displayName: email, role: role, operatorID: operatorID, passwordHash: "-")
        if disabled { user.disabledAt = Date() }
        try await user.create(on: db)
        return user
    }

    /// A submitted declaration of `principal`'s operator.
    static func submitted(_ fixture: Fixture, by principal: Principal) async throws -> RequestModel {
        let payload = DeclarationPayload(
            clients: [try SIREN("383474814")],
            pacs: [PACSHostnames(sourceHostname: try Hostname("s.example.fr"), viewerHostname: try Hostname("v.example.fr"))],
            cgiDocumentID: try await fixture.document(.cgi, for: principal))
        return try await fixture.workflow.createRequest(principal, kind: .declaration, drimboxID: nil, payload: .declaration(payload), submit: true)
    }

    @Test("an ANS agent assigns a request to an enabled ANS user, or to no one: only that column changes, audited")
    func assign() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let reviewer = try await Self.user(.reviewer, "r@ans.example.fr", on: db)
            let administrator = try await Self.user(.administrator, "a@ans.example.fr", on: db)
            let request = try await Self.submitted(fixture, by: fixture.operatorA)
            let before = try #require(try await RequestModel.find(request.id, on: db))
            fixture.clock.advance(by: 60)

            let assigned = try await fixture.workflow.assign(fixture.reviewer, requestID: request.id!, to: reviewer.id)
            #expect(assigned.assignedReviewerID == reviewer.id)
            let stored = try #require(try await RequestModel.find(request.id, on: db))
            #expect(stored.assignedReviewerID == reviewer.id)
            #expect(stored.version == before.version && stored.updatedAt == before.updatedAt && stored.state == before.state)
            // The same assignment again changes nothing and is not audited twice.
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: request.id!, to: reviewer.id)
            _ = try await fixture.workflow.assign(Principal(userID: administrator.id, role: .administrator, operatorID: nil), requestID: request.id!, to: administrator.id)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: request.id!, to: nil)
            #expect(try await RequestModel.find(request.id, on: db)?.assignedReviewerID == nil)

            let entries = try await AuditEntryModel.query(on: db).filter(\.$action == .requestAssigned).sort(\.$seq).all()
            #expect(entries.count == 3)
            #expect(entries.allSatisfy { $0.entityID == request.number.description })
            #expect(entries[0].data == JSONText.encodeSorted(["from": "", "to": reviewer.id!.uuidString]))
            #expect(entries[2].data == JSONText.encodeSorted(["from": administrator.id!.uuidString, "to": ""]))
            // No notification for the operator.
            #expect(try await OutboxEventModel.query(on: db).all().allSatisfy { !$0.payload.contains("assign") })
            // A change made with the version read before the assignment still goes through.
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .startReview, reason: nil, expectedVersion: before.version)
        }
    }

    @Test("only ANS assigns, only to an enabled ANS user, only an open request")
    func rules() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let operatorUser = try await Self.user(.operatorUser, "o@a.example.fr", operatorID: fixture.operatorA.operatorID, on: db)
            let disabled = try await Self.user(.reviewer, "old@ans.example.fr", disabled: true, on: db)
            let reviewer = try await Self.user(.reviewer, "r@ans.example.fr", on: db)
            let request = try await Self.submitted(fixture, by: fixture.operatorA)

            for principal in [fixture.operatorA, fixture.operatorB, Principal.system] {
                await #expect(throws: NotFoundError.self) { _ = try await fixture.workflow.assign(principal, requestID: request.id!, to: reviewer.id) }
            }
            await #expect(throws: NotFoundError.self) { _ = try await fixture.workflow.assign(fixture.reviewer, requestID: UUID(), to: reviewer.id) }
            for target in [operatorUser.id, disabled.id, UUID()] {
                let error = await #expect(throws: ValidationErrors.self) { _ = try await fixture.workflow.assign(fixture.reviewer, requestID: request.id!, to: target) }
                #expect(error?.errors.map(\.code) == ["request.assignee"])
            }
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            let closed = await #expect(throws: WorkflowError.self) { _ = try await fixture.workflow.assign(fixture.reviewer, requestID: request.id!, to: reviewer.id) }
            #expect(closed?.code == "request.assign_closed")
            #expect(try await AuditEntryModel.query(on: db).filter(\.$action == .requestAssigned).count() == 0)
        }
    }

    @Test("the review queue filters by operator, assignee (or none) and submission date, with kind and paging as before")
    func queueFilters() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let alice = try await Self.user(.reviewer, "alice@ans.example.fr", on: db)
            let bob = try await Self.user(.reviewer, "bob@ans.example.fr", on: db)
            let a1 = try await Self.submitted(fixture, by: fixture.operatorA)
            fixture.clock.advance(days: 1)
            let cutoff = fixture.clock.now
            let b1 = try await Self.submitted(fixture, by: fixture.operatorB)
            fixture.clock.advance(days: 1)
            let a2 = try await Self.submitted(fixture, by: fixture.operatorA)
            let b2 = try await Self.submitted(fixture, by: fixture.operatorB)
            // A draft is never in the queue, assigned or not.
            let draft = try await fixture.workflow.createRequest(fixture.operatorA, kind: .declaration, drimboxID: nil, payload: .declaration(DeclarationPayload(
                clients: [try SIREN("383474814")], pacs: [PACSHostnames(sourceHostname: try Hostname("s.example.fr"), viewerHostname: try Hostname("v.example.fr"))],
                cgiDocumentID: try await fixture.document(.cgi, for: fixture.operatorA))), submit: false)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: a1.id!, to: alice.id)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: b2.id!, to: alice.id)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: a2.id!, to: bob.id)
            _ = try await fixture.workflow.assign(fixture.reviewer, requestID: draft.id!, to: alice.id)

            let queries = RequestQueries(database: db)
            func numbers(_ page: Persistence.Page<RequestModel>) -> [Int] { page.items.map(\.number) }
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10)) == [a1, b1, a2, b2].map(\.number))
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, operatorID: fixture.operatorA.operatorID)) == [a1, a2].map(\.number))
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, assignedTo: .user(alice.id!))) == [a1, b2].map(\.number))
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, assignedTo: .unassigned)) == [b1.number])
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, olderThan: cutoff)) == [a1.number])
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, olderThan: cutoff.addingTimeInterval(1))) == [a1, b1].map(\.number))
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, operatorID: fixture.operatorB.operatorID, assignedTo: .user(alice.id!))) == [b2.number])
            #expect(numbers(try await queries.reviewQueue(after: nil, limit: 10, kind: .integration, operatorID: fixture.operatorA.operatorID)).isEmpty)
            let first = try await queries.reviewQueue(after: nil, limit: 1, assignedTo: .user(alice.id!))
            #expect(numbers(first) == [a1.number])
            #expect(numbers(try await queries.reviewQueue(after: first.nextCursor.flatMap { Int($0) }, limit: 1, assignedTo: .user(alice.id!))) == [b2.number])
        }
    }
}
