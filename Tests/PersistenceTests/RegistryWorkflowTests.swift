import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
@testable import Persistence
import Testing

@Suite("Registry effects of the workflow, on Fluent alone")
struct RegistryWorkflowTests {
    @Test("registry identifiers and FQDNs are never reassigned, even after withdrawal")
    func neverReassigned() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let first = try await fixture.declared(by: fixture.operatorA)
            let withdrawal = try await fixture.workflow.createRequest(fixture.operatorA, kind: .withdrawal, drimboxID: first.id, payload: .withdrawal(WithdrawalPayload(reason: try FreeText("Fin de contrat"))), submit: true)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: withdrawal.id!, action: .approve, reason: nil, expectedVersion: nil)
            #expect(try await DRIMboxModel.find(first.id, on: db)?.state == .withdrawn)

            let second = try await fixture.declared(by: fixture.operatorA)
            #expect(second.identifier == first.identifier + 1)
            let fqdns = try await FQDNPairModel.query(on: db).all().map(\.dbFQDN)
            #expect(Set(fqdns).count == fqdns.count)
            #expect(fqdns.contains("db1.\(first.identifier).mesimagesmedicales.fr"))

            // The database itself refuses a second row with an assigned FQDN.
            let duplicate = FQDNPairModel(id: UUID(), drimboxID: second.id!, pacsIndex: 9, dbFQDN: "db1.\(first.identifier).mesimagesmedicales.fr", viewerFQDN: "x.example.fr", sourceHostname: "s.example.fr", viewerHostname: "v.example.fr", updatedAt: Date())
            await #expect(throws: (any Error).self) { try await duplicate.create(on: db) }
        }
    }

    @Test("a provisional DRIMbox whose VA deadline passed is excluded for 'VA not provided', and leaves the list")
    func vaDeadline() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            #expect(drimbox.vaDueAt == fixture.clock.now.addingTimeInterval(90 * 86_400))
            fixture.clock.advance(days: 89)
            #expect(try await fixture.workflow.excludeOverdueVA().isEmpty)
            fixture.clock.advance(days: 2)
            #expect(try await fixture.workflow.excludeOverdueVA() == [drimbox.identifier])
            let excluded = try await DRIMboxModel.find(drimbox.id, on: db)!
            #expect(excluded.state == .excluded)
            #expect(excluded.exclusionReason == .vaNotProvided)
            let events = try await OutboxEventModel.query(on: db).filter(\.$topic == .registryChanged).all()
            #expect(events.contains { $0.payload.contains("exclusion") })
            #expect(try await RegistryQueries(database: db).trustedEntries().isEmpty)
        }
    }

    @Test("an operator change needs the receiving operator's consent before approval")
    func operatorChangeConsent() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let request = try await fixture.workflow.createRequest(fixture.operatorA, kind: .operatorChange, drimboxID: drimbox.id, payload: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554"))), submit: true)
            let early = await #expect(throws: WorkflowError.self) {
                try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            }
            #expect(early?.code == "operator_change.consent_missing")
            // The filing operator cannot consent for the other one.
            await #expect(throws: WorkflowError.self) {
                try await fixture.workflow.perform(fixture.operatorA, requestID: request.id!, action: .consent, reason: nil, expectedVersion: nil)
            }
            _ = try await fixture.workflow.perform(fixture.operatorB, requestID: request.id!, action: .consent, reason: nil, expectedVersion: nil)
            // A correction that changes the content voids the consent given to the old content.
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .requestCorrection, reason: "Précisez", expectedVersion: nil)
            let edited = try await fixture.workflow.updateRequest(fixture.operatorA, requestID: request.id!, payload: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554"))), expectedVersion: nil)
            #expect(edited.consentedAt == nil)
            _ = try await fixture.workflow.perform(fixture.operatorA, requestID: request.id!, action: .resubmit, reason: nil, expectedVersion: nil)
            await #expect(throws: WorkflowError.self) {
                try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            }
            _ = try await fixture.workflow.perform(fixture.operatorB, requestID: request.id!, action: .consent, reason: nil, expectedVersion: nil)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            #expect(try await DRIMboxModel.find(drimbox.id, on: db)?.operatorID == fixture.operatorB.operatorID)
            #expect(try await RegistryQueries(database: db).trustedEntries().map(\.operatorName) == ["Opérateur B"])
        }
    }

    @Test("a request filed by the previous operator cannot be approved after an operator change")
    func staleRequestAfterOperatorChange() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let stale = try await fixture.workflow.createRequest(fixture.operatorA, kind: .modification, drimboxID: drimbox.id, payload: .modification(ModificationPayload(supportEmail: try EmailAddress("hijack@a.example.fr"))), submit: true)
            let change = try await fixture.workflow.createRequest(fixture.operatorA, kind: .operatorChange, drimboxID: drimbox.id, payload: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554"))), submit: true)
            _ = try await fixture.workflow.perform(fixture.operatorB, requestID: change.id!, action: .consent, reason: nil, expectedVersion: nil)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: change.id!, action: .approve, reason: nil, expectedVersion: nil)
            let error = await #expect(throws: WorkflowError.self) {
                try await fixture.workflow.perform(fixture.reviewer, requestID: stale.id!, action: .approve, reason: nil, expectedVersion: nil)
            }
            #expect(error?.code == "request.drimbox_operator_changed")
            let b = try await OperatorModel.find(fixture.operatorB.operatorID, on: db)
            #expect(b?.supportEmail == "b@b.example.fr")
        }
    }

    @Test("approving the VA document changes nothing the white list shows: no DateMAJ change, no publication")
    func vaApprovalLeavesListAlone() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let before = try await RegistryQueries(database: db).trustedEntries()
            let pending = try await OutboxQueue.pending(.registryChanged, on: db).count
            fixture.clock.advance(days: 1)
            let request = try await fixture.workflow.createRequest(fixture.operatorA, kind: .vaDocument, drimboxID: drimbox.id, payload: .vaDocument(VADocumentPayload(vaDocumentID: try await fixture.document(.vaReport, for: fixture.operatorA))), submit: true)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            #expect(try await DRIMboxModel.find(drimbox.id, on: db)?.state == .integrated)
            #expect(try await RegistryQueries(database: db).trustedEntries() == before)
            #expect(try await OutboxQueue.pending(.registryChanged, on: db).count == pending)
        }
    }

    @Test("a modification adds a PACS with the next FQDN pair and renews a certificate DN")
    func modification() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let id = drimbox.identifier
            let payload = ModificationPayload(
                addPACS: [PACSHostnames(sourceHostname: try Hostname("s9.example.fr"), viewerHostname: try Hostname("v9.example.fr"))],
                certificates: [CertificateDNAssignment(dbFQDN: try FQDN("db1.\(id).mesimagesmedicales.fr"), dn: try DistinguishedName("CN=db1.\(id).mesimagesmedicales.fr,OU=318751275100020,O=Op renouvelé,C=FR"))])
            let request = try await fixture.workflow.createRequest(fixture.operatorA, kind: .modification, drimboxID: drimbox.id, payload: .modification(payload), submit: true)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            let pairs = try await FQDNPairModel.query(on: db).filter(\.$drimboxID == drimbox.id!).sort(\.$pacsIndex).all()
            #expect(pairs.map(\.dbFQDN) == ["db1.\(id).mesimagesmedicales.fr", "db2.\(id).mesimagesmedicales.fr"])
            #expect(pairs[0].certificateDN == "CN=db1.\(id).mesimagesmedicales.fr,OU=318751275100020,O=Op renouvelé,C=FR")
            // The new pair has no certificate yet: it is not on the white list until it has one.
            #expect(try await RegistryQueries(database: db).trustedEntries().map(\.db) == ["db1.\(id).mesimagesmedicales.fr"])
        }
    }

    @Test("a change of the operator's contacts changes DateMAJ of every entry of every one of its DRIMboxes")
    func operatorChangeTouchesAllEntries() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let first = try await fixture.provisional(by: fixture.operatorA)
            _ = try await fixture.provisional(by: fixture.operatorA)
            let before = try await RegistryQueries(database: db).trustedEntries()
            fixture.clock.advance(days: 1)
            let request = try await fixture.workflow.createRequest(fixture.operatorA, kind: .modification, drimboxID: first.id, payload: .modification(ModificationPayload(supportPhone: try FrenchPhoneNumber("01 98 76 54 32"))), submit: true)
            _ = try await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
            let after = try await RegistryQueries(database: db).trustedEntries()
            #expect(after.count == 2)
            #expect(after.allSatisfy { $0.supportContact.hasSuffix("01 98 76 54 32") })
            #expect(after.allSatisfy { entry in before.allSatisfy { $0.updatedAt < entry.updatedAt } })
        }
    }

    @Test("an integration filed for a DRIMbox that is not 'declared' is refused at submission")
    func integrationGuard() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let drimbox = try await fixture.provisional(by: fixture.operatorA)
            let pairs = try await FQDNPairModel.query(on: db).filter(\.$drimboxID == drimbox.id!).all()
            let payload = IntegrationPayload(operatorName: try Name("Op"), supportPhone: try FrenchPhoneNumber("0123456789"), supportEmail: try EmailAddress("s@example.fr"),
                certificates: try pairs.map { CertificateDNAssignment(dbFQDN: try FQDN($0.dbFQDN), dn: try DistinguishedName("CN=\($0.dbFQDN),OU=318751275100020,O=Op,C=FR")) })
            let error = await #expect(throws: WorkflowError.self) {
                try await fixture.workflow.createRequest(fixture.operatorA, kind: .integration, drimboxID: drimbox.id, payload: .integration(payload), submit: true)
            }
            #expect(error?.code == "drimbox.illegal_transition")
        }
    }

    @Test("concurrent approvals of one request through the service: exactly one wins")
    func concurrentApprovals() async throws {
        try await withTestDatabase { db in
            let fixture = try await Fixture.make(db)
            let payload = DeclarationPayload(clients: [try SIREN("383474814")], pacs: [PACSHostnames(sourceHostname: try Hostname("s.example.fr"), viewerHostname: try Hostname("v.example.fr"))], cgiDocumentID: try await fixture.document(.cgi, for: fixture.operatorA))
            let request = try await fixture.workflow.createRequest(fixture.operatorA, kind: .declaration, drimboxID: nil, payload: .declaration(payload), submit: true)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        (try? await fixture.workflow.perform(fixture.reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await DRIMboxModel.query(on: db).count() == 1)
            #expect(try await AuditLog.verify(on: db).isIntact)
        }
    }
}

@Suite("Typed outbox events")
struct OutboxEventTests {
    @Test("every event kind reads back as written, under its topic; a payload of another topic is refused")
    func roundTrip() throws {
        let events: [OutboxEvent] = [
            .registryChanged(.init(drimboxID: UUID(), cause: .drimbox(.exclusion))),
            .registryChanged(.init(drimboxID: UUID(), cause: .operatorCorrection)),
            .attestationIssued(.init(attestationID: UUID())),
            .notification(.request(.init(action: .approve, requestID: UUID(), requestNumber: 12, operatorID: UUID(), state: .approved))),
            .notification(.drimboxExcluded(.init(drimboxID: UUID(), operatorID: UUID(), reason: .vaNotProvided))),
        ]
        for event in events {
            #expect(try OutboxEvent(topic: event.topic, payload: try event.payloadText()) == event)
        }
        #expect(throws: DecodingError.self) { try OutboxEvent(topic: .notification, payload: try events[2].payloadText()) }
    }

    @Test("a notification stored before the payloads were typed (number as text) still decodes")
    func legacyNotification() throws {
        let requestID = UUID(), operatorID = UUID()
        let stored = JSONText.encodeSorted([
            "event": "request.submit", "requestID": requestID.uuidString, "requestNumber": "7",
            "operatorID": operatorID.uuidString, "state": "submitted",
        ])
        #expect(try OutboxEvent(topic: .notification, payload: stored)
            == .notification(.request(.init(action: .submit, requestID: requestID, requestNumber: 7, operatorID: operatorID, state: .submitted))))
    }
}
