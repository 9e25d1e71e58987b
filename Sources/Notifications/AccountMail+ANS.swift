import EDCDomain
import Foundation

extension AccountMail {
    /// The invitation to a new ANS agent account (reviewer or administrator): the link to choose
    /// a first password.
    public func ansInvitation(to email: String, name: String, roleLabel: String, link: String, expiresAt: Date, date: Date = Date(), messageID: UUID = UUID()) throws -> MailMessage {
        let content = AccountMailTemplates.ansInvitation(name: name, roleLabel: roleLabel, link: link, expiresAt: expiresAt)
        return MailMessage(
            from: from, to: [try MailAddress(email, name: name)], subject: content.subject, text: content.text, html: content.html,
            messageID: "\(messageID.uuidString.lowercased())@\(from.domain)", date: date)
    }
}

extension AccountMailTemplates {
    public static func ansInvitation(name: String, roleLabel: String, link: String, expiresAt: Date) -> NotificationTemplates.Content {
        linked(link, NotificationTemplates.content(subject: "[EDC] Votre compte d'agent ANS sur l'Espace de Confiance DRIM-M", paragraphs: [
            "Bonjour \(name),",
            "Un compte « \(roleLabel) » vous a été ouvert sur l'Espace de Confiance DRIM-M. Pour l'activer, choisissez votre mot de passe en ouvrant ce lien :",
            link,
            "Ce lien ne sert qu'une fois et expire le \(NotificationTemplates.parisDate(expiresAt)) (heure de Paris). Passé ce délai, demandez une nouvelle invitation à un administrateur de l'ANS.",
        ]))
    }
}
