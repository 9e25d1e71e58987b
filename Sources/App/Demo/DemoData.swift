import Documents
import EDCDomain
import Fluent
import Foundation
import Persistence
import Vapor

/// Demo content for the embedded default (`edc serve --demo`): ANS staff, two operators and
/// DRIMboxes in several registry states, all made through the real workflow.
enum DemoData {
    static let password = "demo-edc-2026!"

    struct Login {
        var email: String
        var role: String
    }

    static let logins = [
        Login(email: "admin@ans.demo.edc", role: "administrateur ANS"),
        Login(email: "instructeur@ans.demo.edc", role: "instructeur ANS"),
        Login(email: "alice@alpha-imagerie.demo.edc", role: "opérateur Alpha Imagerie, administratrice de ses utilisateurs"),
        Login(email: "bruno@beta-radiologie.demo.edc", role: "opérateur Bêta Radiologie"),
        Login(email: "camille@alpha-imagerie.demo.edc", role: "opérateur Alpha Imagerie"),
    ]

    static func seedIfEmpty(_ app: Application) async throws {
        guard try await UserModel.query(on: app.db).count() == 0 else {
            app.logger.info("demo data: database not empty, nothing seeded")
            printLogins(app)
            return
        }
        let accounts = app.edc.accounts
        let system = AuditActor(userID: nil, role: .system)
        let admin = try await accounts.createUser(by: system, email: EmailAddress(logins[0].email), displayName: try Name("Administratrice ANS (démo)"), role: .administrator, operatorID: nil, password: password)
        let reviewerUser = try await accounts.createUser(by: system, email: EmailAddress(logins[1].email), displayName: try Name("Instructeur ANS (démo)"), role: .reviewer, operatorID: nil, password: password)
        let alpha = try await accounts.createOperator(by: system, legalName: try Name("Alpha Imagerie (démo)"), siren: SIREN("732829320"), supportPhone: FrenchPhoneNumber("01 23 45 67 89"), supportEmail: EmailAddress("support@alpha-imagerie.demo.edc"), responsibleContact: try ContactLine("Alice Martin, 06 12 34 56 78"))
        let beta = try await accounts.createOperator(by: system, legalName: try Name("Bêta Radiologie (démo)"), siren: SIREN("552100554"), supportPhone: FrenchPhoneNumber("04 72 00 00 00"), supportEmail: EmailAddress("support@beta-radiologie.demo.edc"), responsibleContact: nil)
        // Alice administers Alpha's users (/espace/utilisateurs); Camille is one of them.
        let alice = try await accounts.createUser(by: system, email: EmailAddress(logins[2].email), displayName: try Name("Alice Martin"), role: .operatorUser, operatorID: alpha.id, password: password, operatorAdmin: true)
        _ = try await accounts.createUser(by: system, email: EmailAddress(logins[4].email), displayName: try Name("Camille Roux"), role: .operatorUser, operatorID: alpha.id, password: password)
        let bruno = try await accounts.createUser(by: system, email: EmailAddress(logins[3].email), displayName: try Name("Bruno Petit"), role: .operatorUser, operatorID: beta.id, password: password)
        _ = admin

        let workflow = app.edc.workflow
        let reviewer = Principal(userID: reviewerUser.id, role: .reviewer, operatorID: nil)
        let alicePrincipal = Principal(userID: alice.id, role: .operatorUser, operatorID: alpha.id)
        let brunoPrincipal = Principal(userID: bruno.id, role: .operatorUser, operatorID: beta.id)
        let seeder = Seeder(app: app, workflow: workflow, reviewer: reviewer)

        let integrated = try await seeder.declare(alicePrincipal, pacs: 2, clients: ["383474814", "443061841"])
        try await seeder.integrate(alicePrincipal, integrated, organisation: "Alpha Imagerie")
        try await seeder.sendVA(alicePrincipal, integrated)
        let provisional = try await seeder.declare(alicePrincipal, pacs: 1, clients: ["403052111"])
        try await seeder.integrate(alicePrincipal, provisional, organisation: "Alpha Imagerie")
        // Situation 1 from step 3: a declared DRIMbox whose integration is to be filed.
        _ = try await seeder.declare(alicePrincipal, pacs: 1, clients: ["542051180"])
        // A declaration waiting for ANS, and one sent back for a correction.
        _ = try await seeder.file(alicePrincipal, clients: ["775663438"], submit: true)
        let corrected = try await seeder.file(alicePrincipal, clients: ["321830796"], submit: true)
        _ = try await workflow.perform(reviewer, requestID: try corrected.requireID(), action: .requestCorrection,
                                       reason: "Démo : joignez les CGI signées par le représentant légal du client.", expectedVersion: nil)
        // Situation 2: a DRIMbox excluded after a cyber-security incident, to re-integrate (new CGI required).
        let alphaExcluded = try await seeder.declare(alicePrincipal, pacs: 1, clients: ["410892244"])
        try await seeder.integrate(alicePrincipal, alphaExcluded, organisation: "Alpha Imagerie")
        _ = try await workflow.exclude(reviewer, drimboxID: alphaExcluded, reason: .cyberIncident, detail: "Démo : rançongiciel sur le serveur de la visionneuse.")

        let excluded = try await seeder.declare(brunoPrincipal, pacs: 1, clients: ["130005481"])
        try await seeder.integrate(brunoPrincipal, excluded, organisation: "Beta Radiologie")
        _ = try await workflow.exclude(reviewer, drimboxID: excluded, reason: .cyberIncident, detail: "Démo : compromission d'un poste d'administration.")
        _ = try await seeder.file(brunoPrincipal, clients: ["180089013"], submit: false)

        app.logger.notice("demo data seeded")
        printLogins(app)
    }

    static func printLogins(_ app: Application) {
        var lines = ["", "EDC — données de démonstration (NE PAS UTILISER EN PRODUCTION)", "Comptes de démonstration, mot de passe commun : \(password)"]
        for login in logins { lines.append("  \(login.email)  (\(login.role))") }
        lines.append("Jeton d'API : POST /api/v1/auth/tokens {\"email\": …, \"password\": …}")
        lines.append("")
        // Written directly (unbuffered), so the logins show at once even when stdout is a pipe.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private struct Seeder {
        let app: Application
        let workflow: WorkflowService
        let reviewer: Principal

        func document(_ principal: Principal, kind: DocumentKind) async throws -> UUID {
            let content = Data(MinimalPDF.bytes(text: "EDC - document de demonstration (\(kind.rawValue))"))
            let document = try await app.edc.vault.store(content, kind: kind, filename: try Filename("\(kind.rawValue)-demo.pdf"), mediaType: "application/pdf", by: principal, quota: app.edc.settings.documentQuota, in: app.edc.store)
            return try document.requireID()
        }

        func file(_ principal: Principal, clients: [String], submit: Bool, pacs: Int = 1) async throws -> RequestModel {
            let cgi = try await document(principal, kind: .cgi)
            let payload = DeclarationPayload(
                clients: try clients.map(SIREN.init),
                pacs: try (1...pacs).map { index in
                    PACSHostnames(sourceHostname: try Hostname("drimbox\(index).site.example"), viewerHostname: try Hostname("viewer\(index).site.example"))
                },
                cgiDocumentID: cgi, comment: try FreeText("Déclaration de démonstration"))
            return try await workflow.createRequest(principal, kind: .declaration, drimboxID: nil, payload: .declaration(payload), submit: submit)
        }

        func declare(_ principal: Principal, pacs: Int, clients: [String]) async throws -> UUID {
            let request = try await file(principal, clients: clients, submit: true, pacs: pacs)
            let approved = try await workflow.perform(reviewer, requestID: try request.requireID(), action: .approve, reason: nil, expectedVersion: nil)
            return approved.drimboxID!
        }

        func integrate(_ principal: Principal, _ drimboxID: UUID, organisation: String) async throws {
            let pairs = try await FQDNPairModel.query(on: app.db).filter(\.$drimboxID == drimboxID).sort(\.$pacsIndex).all()
            let certificates = try pairs.map {
                CertificateDNAssignment(dbFQDN: try FQDN($0.dbFQDN), dn: try DistinguishedName("CN=\($0.dbFQDN),OU=318751275100020,O=\(organisation),ST=Paris (75),C=FR"))
            }
            let op = try await OperatorModel.find(principal.operatorID, on: app.db)!
            let payload = IntegrationPayload(operatorName: try Name(op.legalName), supportPhone: try FrenchPhoneNumber(op.supportPhone), supportEmail: try EmailAddress(op.supportEmail), certificates: certificates)
            let request = try await workflow.createRequest(principal, kind: .integration, drimboxID: drimboxID, payload: .integration(payload), submit: true)
            _ = try await workflow.perform(reviewer, requestID: try request.requireID(), action: .approve, reason: nil, expectedVersion: nil)
        }

        func sendVA(_ principal: Principal, _ drimboxID: UUID) async throws {
            let va = try await document(principal, kind: .vaReport)
            let request = try await workflow.createRequest(principal, kind: .vaDocument, drimboxID: drimboxID, payload: .vaDocument(VADocumentPayload(vaDocumentID: va)), submit: true)
            _ = try await workflow.perform(reviewer, requestID: try request.requireID(), action: .approve, reason: nil, expectedVersion: nil)
        }
    }
}
