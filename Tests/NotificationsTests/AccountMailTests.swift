import EDCTestSupport
import Foundation
import Notifications
import Testing

/// The account e-mails as an independent parser (python's `email`) reads them.
@Suite("E-mail: password reset and invitation")
struct AccountMailTests {
    static let mail = AccountMail(from: try! MailAddress("ne-pas-repondre@edc.example.fr", name: "Espace de Confiance DRIM-M"))
    static let date = Date(timeIntervalSince1970: 1_796_000_000)

    @Test("the password reset e-mail: to the account, from the configured sender, the link, its expiry in Paris time")
    func passwordReset() throws {
        let link = "https://edc.example.fr/mot-de-passe/nouveau?jeton=edc_abc-DEF_123&x=1"
        let message = try Self.mail.passwordReset(
            to: "Alice@alpha.example.fr", name: "Alice Martin", link: link, expiresAt: Date(timeIntervalSince1970: 1_798_894_800),
            date: Self.date, messageID: UUID(uuidString: "3F2A9C1E-0000-4000-8000-000000000001")!)
        #expect(message.recipients == ["Alice@alpha.example.fr"])
        #expect(message.cc.isEmpty, "no copy to the ANS team: the link is the user's alone")
        let fields = try MailParser.fields(of: Data(message.rendered()))
        #expect(fields["Subject"] == "[EDC] Réinitialisation de votre mot de passe")
        #expect(fields["From"] == "Espace de Confiance DRIM-M <ne-pas-repondre@edc.example.fr>")
        #expect(fields["To"] == "Alice Martin <Alice@alpha.example.fr>")
        #expect(fields["Message-ID"] == "<3f2a9c1e-0000-4000-8000-000000000001@edc.example.fr>")
        #expect(fields["defects"] == "0")
        #expect(fields["text"] == """
            Bonjour Alice Martin,

            Une réinitialisation du mot de passe de votre compte sur l'Espace de Confiance DRIM-M a été demandée. Pour choisir un nouveau mot de passe, ouvrez ce lien :

            \(link)

            Ce lien ne sert qu'une fois et expire le 2 janvier 2027 à 14:00 (heure de Paris).

            Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.

            -- 

            Ce message est envoyé automatiquement par l'Espace de Confiance DRIM-M ; merci de ne pas y répondre.

            """)
        let escaped = link.replacingOccurrences(of: "&", with: "&amp;")
        #expect(fields["html"]?.contains("<p><a href=\"\(escaped)\">\(escaped)</a></p>") == true)
    }

    @Test("the invitation e-mail names the operator and says the link lasts until its expiry")
    func invitation() throws {
        let message = try Self.mail.invitation(
            to: "nouvelle@beta.example.fr", name: "Nouvelle Recrue", operatorName: "Bêta Radiologie", link: "https://edc.example.fr/invitation?jeton=edc_x",
            expiresAt: Date(timeIntervalSince1970: 1_782_900_000), date: Self.date)
        let fields = try MailParser.fields(of: Data(message.rendered()))
        #expect(fields["Subject"] == "[EDC] Votre compte sur l'Espace de Confiance DRIM-M")
        #expect(fields["To"] == "Nouvelle Recrue <nouvelle@beta.example.fr>")
        let text = try #require(fields["text"])
        #expect(text.hasPrefix("Bonjour Nouvelle Recrue,\n\nUn compte vous a été ouvert sur l'Espace de Confiance DRIM-M pour agir au nom de l'opérateur « Bêta Radiologie ». Pour l'activer, choisissez votre mot de passe en ouvrant ce lien :\n\nhttps://edc.example.fr/invitation?jeton=edc_x\n\n"))
        #expect(text.contains("Ce lien ne sert qu'une fois et expire le 1 juillet 2026 à 12:00 (heure de Paris). Passé ce délai, demandez une nouvelle invitation à l'administrateur de votre opérateur."))
        #expect(fields["defects"] == "0")
    }

    @Test("an address that could break a header is refused")
    func badAddress() {
        #expect(throws: MailAddress.Invalid.self) {
            _ = try Self.mail.passwordReset(to: "a@b.fr\r\nBcc: x@y.fr", name: "A", link: "https://x", expiresAt: Self.date)
        }
    }
}
