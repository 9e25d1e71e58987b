import EDCDomain
import EDCTestSupport
import Foundation
@testable import Notifications
import Persistence
import Testing

/// Messages as an independent parser reads them (python's `email` package), and delivery through
/// msmtp to a real SMTP server (aiosmtpd) with STARTTLS and AUTH.
@Suite("E-mail: rendering and SMTP delivery")
struct MailDeliveryTests {
    static func message(to: String = "contact@operateur-cote-dor.example.fr", id: String = UUID().uuidString.lowercased()) throws -> MailMessage {
        let content = NotificationTemplates.request(
            .init(action: .requestCorrection, requestID: UUID(), requestNumber: 42, operatorID: UUID(), state: .correctionRequested),
            kind: .declaration, reason: "Le SIREN du client « Clinique Saint-Éloi » est erroné.", operatorName: "Opérateur Côte-d'Or, Nord")
        return MailMessage(
            from: try MailAddress("ne-pas-repondre@edc.example.fr", name: "Espace de Confiance DRIM-M"),
            to: [try MailAddress(to, name: "Opérateur Côte-d'Or, Nord")], cc: [try MailAddress("equipe-drimm@ans.example.fr", name: "Équipe DRIM-M (ANS)")],
            subject: content.subject, text: content.text, html: content.html, messageID: "\(id)@edc.example.fr", date: Date(timeIntervalSince1970: 1_796_000_000))
    }

    static func parsed(_ bytes: Data) throws -> [String: String] { try MailParser.fields(of: bytes) }

    @Test("a rendered message reads back exactly: accented subject and names, both bodies, Message-ID, no defect")
    func renderedMessage() throws {
        let message = try Self.message(id: "3f2a9c1e-0000-4000-8000-000000000042")
        let bytes = Data(message.rendered())
        #expect(bytes.allSatisfy { $0 < 0x80 }, "a 7-bit message: every non-ASCII character encoded")
        #expect(!String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF line ends only")
        let fields = try Self.parsed(bytes)
        #expect(fields["Subject"] == "[EDC] Demande n° 42 (Déclaration) : correction demandée par l'ANS")
        #expect(fields["From"] == "Espace de Confiance DRIM-M <ne-pas-repondre@edc.example.fr>")
        #expect(fields["To"] == "\"Opérateur Côte-d'Or, Nord\" <contact@operateur-cote-dor.example.fr>")
        #expect(fields["Cc"] == "\"Équipe DRIM-M (ANS)\" <equipe-drimm@ans.example.fr>")
        #expect(fields["Message-ID"] == "<3f2a9c1e-0000-4000-8000-000000000042@edc.example.fr>")
        #expect(fields["Date"] == "Mon, 30 Nov 2026 00:53:20 +0000")
        #expect(fields["text"]?.contains("Motif : Le SIREN du client « Clinique Saint-Éloi » est erroné.") == true)
        #expect(fields["text"]?.contains("Prochaine étape : L'opérateur corrige la demande") == true)
        #expect(fields["html"]?.contains("<p>Motif : Le SIREN du client « Clinique Saint-Éloi » est erroné.</p>") == true)
        #expect(fields["html"]?.contains("<html lang=\"fr\">") == true)
        #expect(fields["defects"] == "0")
        #expect(message.rendered() == message.rendered(), "the same message renders to the same bytes")
    }

    @Test("deadlines are written in French, in Paris time, summer and winter alike")
    func parisTime() {
        let winter = NotificationTemplates.vaDeadline(identifier: 12, dueAt: Date(timeIntervalSince1970: 1_798_894_800), days: 7, operatorName: "Opérateur A")
        #expect(winter.subject == "[EDC] DRIMbox n° 12 : document de VA attendu avant le 2 janvier 2027 à 14:00 (J-7)")
        let summer = NotificationTemplates.vaDeadline(identifier: 12, dueAt: Date(timeIntervalSince1970: 1_782_900_000), days: 1, operatorName: "Opérateur A")
        #expect(summer.subject.contains("1 juillet 2026 à 12:00 (J-1)"), "\(summer.subject)")
        #expect(summer.text.contains("soit dans 1 jour au plus"))
    }

    @Test("addresses that could break a header are refused", arguments: [
        "a@b.fr\r\nBcc: victime@example.fr", "pas-une-adresse", "a@@b.fr", "<a@b.fr>", "a b@c.fr", "é@b.fr", "",
    ])
    func invalidAddress(_ address: String) {
        #expect(throws: MailAddress.Invalid.self) { try MailAddress(address) }
    }

    @Test("a display name with a line break cannot add a header")
    func displayNameInjection() throws {
        let address = try MailAddress("a@b.fr", name: "Nom\r\nBcc: victime@example.fr")
        #expect(!address.header.contains("\r") && !address.header.contains("\n"))
    }

    static func transport(_ server: SMTPServer, password: String = SMTPServer.password) -> MSMTPTransport {
        MSMTPTransport(
            settings: SMTPSettings(host: "127.0.0.1", port: server.port, security: .starttls, username: SMTPServer.user, password: password, caFile: server.certificate),
            envelopeFrom: "ne-pas-repondre@edc.example.fr")
    }

    @Test("msmtp delivers over STARTTLS with AUTH: the server receives the message byte for byte, from the authenticated user")
    func smtpDelivery() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-smtp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try SMTPServer(directory: directory)
        defer { server.stop() }
        let message = try Self.message()
        try await Self.transport(server).send(message)
        let received = try server.messages()
        #expect(received.count == 1)
        #expect(received.first == Data(message.rendered()))
        let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: server.inbox.appendingPathComponent("1.json"))) as? [String: Any]
        #expect(envelope?["user"] as? String == SMTPServer.user)
        #expect(envelope?["from"] as? String == "ne-pas-repondre@edc.example.fr")
        #expect(envelope?["to"] as? [String] == ["contact@operateur-cote-dor.example.fr", "equipe-drimm@ans.example.fr"])
    }

    @Test("a 5xx refusal is permanent and carries the server's reply; a 4xx, a wrong password or a stopped server are temporary")
    func failures() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-smtp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try SMTPServer(directory: directory)
        func failure(_ send: () async throws -> Void) async -> OutboxDeliveryFailure? {
            do { try await send(); return nil } catch { return error as? OutboxDeliveryFailure }
        }
        let refused = await failure { try await Self.transport(server).send(try Self.message(to: "refuse@operateur.example.fr")) }
        #expect(refused?.permanent == true)
        #expect(refused?.reason.contains("550 5.1.1 <refuse@operateur.example.fr>: adresse inconnue") == true, "\(refused?.reason ?? "sent")")

        let later = await failure { try await Self.transport(server).send(try Self.message(to: "later@operateur.example.fr")) }
        #expect(later?.permanent == false, "\(later?.reason ?? "sent")")
        #expect(later?.reason.contains("451") == true)

        let badPassword = await failure { try await Self.transport(server, password: "faux").send(try Self.message()) }
        #expect(badPassword?.permanent == false, "\(badPassword?.reason ?? "sent")")
        #expect(try server.messages().isEmpty)

        server.stop()
        let stopped = await failure { try await Self.transport(server).send(try Self.message()) }
        #expect(stopped?.permanent == false, "\(stopped?.reason ?? "sent")")
    }

    @Test("without SMTP, each message is one .eml file; sending the same message again rewrites that file")
    func fileTransport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-mail-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = FileMailTransport(directory: directory)
        let message = try Self.message(id: "0b8e2c70-0000-4000-8000-000000000001")
        try await transport.send(message)
        try await transport.send(message)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["20261130T005320Z-0b8e2c70-0000-4000-8000-000000000001.eml"])
        #expect(try Data(contentsOf: directory.appendingPathComponent(files[0])) == Data(message.rendered()))
    }
}
