import EDCDomain
import EDCTestSupport
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import Persistence

/// Operators, principals and documents to drive the workflow.
struct Fixture {
    let database: any Database
    let clock = TestClock()
    let workflow: WorkflowService
    let operatorA: Principal
    let operatorB: Principal
    let reviewer = Principal(userID: UUID(), role: .reviewer, operatorID: nil)

    static func make(_ database: any Database) async throws -> Fixture {
        let a = OperatorModel(id: UUID(), legalName: "Opérateur A", siren: "732829320", supportPhone: "+33123456789", supportEmail: "a@a.example.fr")
        let b = OperatorModel(id: UUID(), legalName: "Opérateur B", siren: "552100554", supportPhone: "+33472000000", supportEmail: "b@b.example.fr")
        try await a.create(on: database)
        try await b.create(on: database)
        return Fixture(database: database, a: a.id!, b: b.id!)
    }

    private init(database: any Database, a: UUID, b: UUID) {
        self.database = database
        let clock = self.clock
        self.workflow = WorkflowService(store: Store(database: database, clock: { clock.now }))
        self.operatorA = Principal(userID: UUID(), role: .operatorUser, operatorID: a)
        self.operatorB = Principal(userID: UUID(), role: .operatorUser, operatorID: b)
    }

    func document(_ kind: DocumentKind, for principal: Principal) async throws -> UUID {
        let document = DocumentModel()
        document.id = UUID()
        document.operatorID = principal.operatorID!
        document.kind = kind
        document.filename = "\(kind.rawValue).pdf"
        document.mediaType = "application/pdf"
        document.size = 1
        document.sha256 = ""
        document.sealedContent = Data([1])
        document.createdAt = clock.now
        try await document.create(on: database)
        return document.id!
    }

    /// A declared DRIMbox (declaration approved) of `principal`'s operator.
    func declared(by principal: Principal, pacs: Int = 1) async throws -> DRIMboxModel {
        let payload = DeclarationPayload(
            clients: [try SIREN("383474814")],
            pacs: try (1...pacs).map { PACSHostnames(sourceHostname: try Hostname("s\($0).example.fr"), viewerHostname: try Hostname("v\($0).example.fr")) },
            cgiDocumentID: try await document(.cgi, for: principal))
        let request = try await workflow.createRequest(principal, kind: .declaration, drimboxID: nil, payload: .declaration(payload), submit: true)
        let approved = try await workflow.perform(reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
        return try await DRIMboxModel.find(approved.drimboxID, on: database)!
    }

    /// The DRIMbox integrated provisionally (on the white list, VA due).
    func provisional(by principal: Principal, pacs: Int = 1) async throws -> DRIMboxModel {
        let drimbox = try await declared(by: principal, pacs: pacs)
        let pairs = try await FQDNPairModel.query(on: database).filter(\.$drimboxID == drimbox.id!).sort(\.$pacsIndex).all()
        let payload = IntegrationPayload(
            operatorName: try Name("Opérateur"), supportPhone: try FrenchPhoneNumber("0123456789"), supportEmail: try EmailAddress("s@example.fr"),
            certificates: try pairs.map { CertificateDNAssignment(dbFQDN: try FQDN($0.dbFQDN), dn: try DistinguishedName("CN=\($0.dbFQDN),OU=318751275100020,O=Op,C=FR")) })
        let request = try await workflow.createRequest(principal, kind: .integration, drimboxID: drimbox.id, payload: .integration(payload), submit: true)
        _ = try await workflow.perform(reviewer, requestID: request.id!, action: .approve, reason: nil, expectedVersion: nil)
        return try await DRIMboxModel.find(drimbox.id, on: database)!
    }
}
