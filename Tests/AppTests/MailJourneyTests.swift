@testable import App
import EDCTestSupport
import Fluent
import Foundation
import Notifications
import Persistence
import Testing
import Vapor
import VaporTesting

/// The journey's e-mail through a real SMTP server (aiosmtpd, STARTTLS and AUTH), stopped in the
/// middle: every message arrives once, to the operator with the ANS team in copy.
@Suite("Notification e-mail of the operator journey")
struct MailJourneyTests {
    @Test("situation 1 with a correction: one French message per transition, to the operator and the ANS team; none lost while the server is down, none twice")
    func journeyMail() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-smtp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var server = try SMTPServer(directory: directory)
        let port = server.port
        let clock = TestClock.app()
        try await withJourney({
            $0.clock = { clock.now }
            $0.outbox.runInBackground = false
            $0.mail.from = try! MailAddress("ne-pas-repondre@edc.example.fr", name: "Espace de Confiance DRIM-M")
            $0.mail.ansTeam = try! MailAddress("equipe-drimm@ans.example.fr", name: "Équipe DRIM-M")
            $0.mail.smtp = SMTPSettings(host: "127.0.0.1", port: port, security: .starttls, username: SMTPServer.user, password: SMTPServer.password, caFile: server.certificate)
        }) { app, world, api in
            let worker = try #require(app.edc.outbox)
            // The declaration: filed, sent back for correction, corrected, approved.
            let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
            let declaration = try await api.create(as: world.operatorA, """
                {"kind": "declaration", "submit": true, "payload": {"clients": ["383474814"], "pacs": [{"sourceHostname": "src1.example.fr", "viewerHostname": "view1.example.fr"}], "cgiDocumentID": "\(cgi)"}}
                """)
            let declarationID = try #require(declaration["id"] as? String)
            clock.advance(by: 60)
            _ = try await api.act("requestCorrection", on: declarationID, as: world.reviewer, reason: "Le SIREN du client « Clinique Saint-Éloi » est à vérifier.")
            clock.advance(by: 60)
            _ = try await api.act("resubmit", on: declarationID, as: world.operatorA)
            clock.advance(by: 60)
            let approved = try await api.act("approve", on: declarationID, as: world.reviewer)
            #expect(try await worker.drain() == 5, "4 notifications and the attestation the approval issued")
            #expect(try server.messages().count == 4)

            // The server stops; the integration goes on, its messages wait.
            server.stop()
            let drimboxID = try #require(approved["drimboxID"] as? String)
            let identifier = try #require(try await api.drimbox(drimboxID, as: world.operatorA)["identifier"] as? Int)
            let integration = try await api.create(as: world.operatorA, try api.integrationJSON(drimboxID: drimboxID, identifier: identifier))
            _ = try await api.act("approve", on: try #require(integration["id"] as? String), as: world.reviewer)
            #expect(try await worker.drain() == 2)
            let waiting = try await OutboxEventModel.query(on: app.db).filter(\.$topic == .notification).filter(\.$processedAt == nil).all()
            #expect(waiting.count == 2 && waiting.allSatisfy { $0.attempts == 1 && $0.deadAt == nil && $0.lastError != nil })

            // Back up: after the backoff, each waiting message goes, once.
            server = try SMTPServer(directory: directory, port: port)
            defer { server.stop() }
            #expect(try await worker.drain() == 0, "not before the retry delay")
            clock.advance(by: 3600)
            #expect(try await worker.drain() == 2)
            #expect(try await worker.drain() == 0)

            let messages = try server.messages().map(MailParser.fields(of:))
            #expect(messages.count == 6)
            // Sent in order while the server is up; after the outage, in the order their retries came due.
            #expect(messages.map { $0["Subject"] ?? "" }.sorted() == [
                "[EDC] Demande n° 1 (Déclaration) : déposée",
                "[EDC] Demande n° 1 (Déclaration) : correction demandée par l'ANS",
                "[EDC] Demande n° 1 (Déclaration) : renvoyée après correction",
                "[EDC] Demande n° 1 (Déclaration) : acceptée par l'ANS",
                "[EDC] Demande n° 2 (Intégration) : déposée",
                "[EDC] Demande n° 2 (Intégration) : acceptée par l'ANS",
            ].sorted())
            for message in messages {
                // Rendered when sent, with the operator's contact of that moment: the integration
                // approved during the outage set a new support address.
                let contact = message["Subject"]?.contains("n° 1 ") == true ? "support@a.example.fr" : "support@op.example.fr"
                #expect(message["To"] == "Opérateur A <\(contact)>")
                #expect(message["Cc"] == "Équipe DRIM-M <equipe-drimm@ans.example.fr>")
                #expect(message["defects"] == "0")
            }
            #expect(messages[1]["text"]?.contains("Motif : Le SIREN du client « Clinique Saint-Éloi » est à vérifier.") == true)
            #expect(messages[3]["text"]?.contains("L'attestation de délégation est émise") == true)
            // One Message-ID per event: a receiver can tell a retry from a new message.
            let events = try await OutboxEventModel.query(on: app.db).filter(\.$topic == .notification).sort(\.$createdAt).all()
            #expect(messages.compactMap { $0["Message-ID"] }.sorted() == events.map { "<\($0.id!.uuidString.lowercased())@edc.example.fr>" }.sorted())
        }
    }

    @Test("with no SMTP server configured, each notification is an .eml file under <data>/mail")
    func emlFiles() async throws {
        try await withJourney({ $0.outbox.runInBackground = false }) { app, world, api in
            _ = try await api.declaredDRIMbox(as: world.operatorA, pacs: 1)
            _ = try await #require(app.edc.outbox).drain()
            let delivered = try await OutboxEventModel.query(on: app.db).filter(\.$topic == .notification).filter(\.$processedAt != nil).count()
            let mail = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
            let files = try FileManager.default.contentsOfDirectory(atPath: mail.path).filter { $0.hasSuffix(".eml") }.sorted()
            #expect(files.count == delivered && delivered >= 2)
            let parsed = try files.map { try MailParser.fields(of: Data(contentsOf: mail.appendingPathComponent($0))) }
            #expect(Set(parsed.compactMap { $0["Subject"] }) == ["[EDC] Demande n° 1 (Déclaration) : déposée", "[EDC] Demande n° 1 (Déclaration) : acceptée par l'ANS"])
            #expect(parsed.allSatisfy { $0["To"] == "Opérateur A <support@a.example.fr>" })
        }
    }

    @Test("a provisional DRIMbox gets one reminder at J-30, J-7 and J-1 before its VA deadline, then the exclusion notice when it is missed")
    func vaDeadlineMail() async throws {
        let clock = TestClock.app()
        try await withJourney({
            $0.clock = { clock.now }
            $0.outbox.runInBackground = false
        }) { app, world, api in
            let (drimboxID, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let dueAt = try #require(try await DRIMboxModel.find(UUID(uuidString: drimboxID), on: app.db)?.vaDueAt)
            let workflow = app.edc.workflow
            func moveTo(daysBefore days: Double) { clock.advance(by: dueAt.addingTimeInterval(-days * 86_400).timeIntervalSince(clock.now)) }

            moveTo(daysBefore: 31)
            #expect(try await workflow.remindVADeadlines().isEmpty)
            moveTo(daysBefore: 29.5)
            #expect(try await workflow.remindVADeadlines().map(\.days) == [30])
            #expect(try await workflow.remindVADeadlines().isEmpty, "once per threshold")
            moveTo(daysBefore: 6)
            #expect(try await workflow.remindVADeadlines().map(\.days) == [7])
            moveTo(daysBefore: 0.5)
            #expect(try await workflow.remindVADeadlines().map(\.days) == [1])
            #expect(try await workflow.remindVADeadlines().isEmpty)
            moveTo(daysBefore: -0.1)
            #expect(try await workflow.remindVADeadlines().isEmpty)
            #expect(try await workflow.excludeOverdueVA() == [identifier])
            let audit = try await AuditEntryModel.query(on: app.db).filter(\.$action == .drimboxVAReminder).count()
            #expect(audit == 3)

            _ = try await #require(app.edc.outbox).drain()
            let mail = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
            let subjects = try FileManager.default.contentsOfDirectory(atPath: mail.path).sorted()
                .map { try MailParser.fields(of: Data(contentsOf: mail.appendingPathComponent($0)))["Subject"] ?? "" }
            let deadlines = subjects.filter { $0.contains("document de VA attendu") }
            #expect(deadlines.count == 3)
            #expect(deadlines.allSatisfy { $0.hasPrefix("[EDC] DRIMbox n° \(identifier) : document de VA attendu avant le ") })
            #expect(Set(deadlines.map { String($0.suffix(6)) }) == ["(J-30)", " (J-7)", " (J-1)"])
            #expect(subjects.contains("[EDC] DRIMbox n° \(identifier) exclue de la liste blanche : Document de VA non fourni dans les délais"))
        }
    }

    @Test("the end of situation 1 (VA document) and situation 2 (exclusion for a cyber incident, re-integration): one message each, in French, to the operator and the ANS team")
    func situationTwoMail() async throws {
        let clock = TestClock.app()
        try await withJourney({
            $0.clock = { clock.now }
            $0.outbox.runInBackground = false
        }) { app, world, api in
            let (drimboxID, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let worker = try #require(app.edc.outbox)
            _ = try await worker.drain()
            let mail = URL(fileURLWithPath: app.edc.settings.dataDirectory).appendingPathComponent("mail")
            let before = Set(try FileManager.default.contentsOfDirectory(atPath: mail.path))

            clock.advance(by: 60)
            let va = try await api.upload(kind: "vaReport", as: world.operatorA)
            let vaRequest = try await api.create(as: world.operatorA, """
                {"kind": "vaDocument", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"vaDocumentID": "\(va)"}}
                """)
            clock.advance(by: 60)
            _ = try await api.act("approve", on: try #require(vaRequest["id"] as? String), as: world.reviewer)
            clock.advance(by: 60)
            let exclusion = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "cyberIncident", "detail": "Clé privée exposée."}"#)
            #expect(exclusion.status == .ok)
            clock.advance(by: 60)
            let cgi = try await api.upload(kind: "cgi", as: world.operatorA)
            let reintegration = try await api.create(as: world.operatorA, """
                {"kind": "reintegration", "drimboxID": "\(drimboxID)", "submit": true, "payload": {"statement": "Clés révoquées et régénérées.", "cgiDocumentID": "\(cgi)"}}
                """)
            clock.advance(by: 60)
            _ = try await api.act("approve", on: try #require(reintegration["id"] as? String), as: world.reviewer)
            #expect(try await worker.drain() == 5)

            let files = try FileManager.default.contentsOfDirectory(atPath: mail.path).filter { !before.contains($0) }.sorted()
            let messages = try files.map { try MailParser.fields(of: Data(contentsOf: mail.appendingPathComponent($0))) }
            #expect(messages.map { $0["Subject"] ?? "" } == [
                "[EDC] Demande n° 3 (Document de VA) : déposée",
                "[EDC] Demande n° 3 (Document de VA) : acceptée par l'ANS",
                "[EDC] DRIMbox n° \(identifier) exclue de la liste blanche : Incident de cybersécurité",
                "[EDC] Demande n° 4 (Réintégration) : déposée",
                "[EDC] Demande n° 4 (Réintégration) : acceptée par l'ANS",
            ])
            #expect(messages.allSatisfy { $0["Cc"] == "\"Équipe DRIM-M (ANS)\" <equipe-drimm@ans.invalid>" && $0["defects"] == "0" })
            let excluded = try #require(messages.dropFirst(2).first?["text"])
            #expect(excluded.contains("Précision : Clé privée exposée."))
            #expect(excluded.contains("conditions générales d'intégration nouvellement signées"))
        }
    }
}
