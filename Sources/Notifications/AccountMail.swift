import EDCDomain
import Foundation

/// The e-mails of the account pages, sent at once through the configured `MailTransport` (not
/// through the outbox: a link that arrives after it expired helps no one, and the page says when
/// sending failed). French, plain text and HTML, from the configured sender, like the notifications.
public struct AccountMail: Sendable {
    public let from: MailAddress

    public init(from: MailAddress) {
        self.from = from
    }

    /// The link to choose a new password, to the account's address. `expiresAt` is written in
    /// Paris time; `link` is the whole URL.
    public func passwordReset(to email: String, name: String, link: String, expiresAt: Date, date: Date = Date(), messageID: UUID = UUID()) throws -> MailMessage {
        let content = AccountMailTemplates.passwordReset(name: name, link: link, expiresAt: expiresAt)
        return try message(to: email, name: name, content: content, date: date, messageID: messageID)
    }

    /// The invitation to a new operator user account: the link to choose a first password.
    public func invitation(to email: String, name: String, operatorName: String, link: String, expiresAt: Date, date: Date = Date(), messageID: UUID = UUID()) throws -> MailMessage {
        let content = AccountMailTemplates.invitation(name: name, operatorName: operatorName, link: link, expiresAt: expiresAt)
        return try message(to: email, name: name, content: content, date: date, messageID: messageID)
    }

    private func message(to email: String, name: String, content: NotificationTemplates.Content, date: Date, messageID: UUID) throws -> MailMessage {
        MailMessage(
            from: from, to: [try MailAddress(email, name: name)], subject: content.subject, text: content.text, html: content.html,
            messageID: "\(messageID.uuidString.lowercased())@\(from.domain)", date: date)
    }
}

/// The French texts of the account e-mails.
public enum AccountMailTemplates {
    public static func passwordReset(name: String, link: String, expiresAt: Date) -> NotificationTemplates.Content {
        linked(link, NotificationTemplates.content(subject: "[EDC] Réinitialisation de votre mot de passe", paragraphs: [
            "Bonjour \(name),",
            "Une réinitialisation du mot de passe de votre compte sur l'Espace de Confiance DRIM-M a été demandée. Pour choisir un nouveau mot de passe, ouvrez ce lien :",
            link,
            "Ce lien ne sert qu'une fois et expire le \(NotificationTemplates.parisDate(expiresAt)) (heure de Paris).",
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe actuel reste valable.",
        ]))
    }

    public static func invitation(name: String, operatorName: String, link: String, expiresAt: Date) -> NotificationTemplates.Content {
        linked(link, NotificationTemplates.content(subject: "[EDC] Votre compte sur l'Espace de Confiance DRIM-M", paragraphs: [
            "Bonjour \(name),",
            "Un compte vous a été ouvert sur l'Espace de Confiance DRIM-M pour agir au nom de l'opérateur « \(operatorName) ». Pour l'activer, choisissez votre mot de passe en ouvrant ce lien :",
            link,
            "Ce lien ne sert qu'une fois et expire le \(NotificationTemplates.parisDate(expiresAt)) (heure de Paris). Passé ce délai, demandez une nouvelle invitation à l'administrateur de votre opérateur.",
        ]))
    }

    /// The link's paragraph of the HTML body as a link one can click.
    static func linked(_ link: String, _ content: NotificationTemplates.Content) -> NotificationTemplates.Content {
        var content = content
        let escaped = NotificationTemplates.escape(link)
        content.html = content.html.replacingOccurrences(of: "<p>\(escaped)</p>", with: "<p><a href=\"\(escaped)\">\(escaped)</a></p>")
        return content
    }
}
