import EDCDomain
import FluentKit
import Foundation
import Persistence

/// The consumer of `notification` outbox events: one French e-mail per event, to the operator's
/// contact address with the ANS team in copy, its `Message-ID` derived from the event id.
public struct NotificationMailer: Sendable {
    let database: any Database
    let transport: any MailTransport
    let from: MailAddress
    let ansTeam: MailAddress

    public init(database: any Database, transport: any MailTransport, from: MailAddress, ansTeam: MailAddress) {
        self.database = database
        self.transport = transport
        self.from = from
        self.ansTeam = ansTeam
    }

    /// For `OutboxWorker`: renders and sends the event's message.
    public func deliver(_ event: OutboxEventModel) async throws {
        try await transport.send(try await message(for: event))
    }

    /// The message an event gives (nothing is sent). A payload that cannot be read, or that names
    /// something that no longer exists, fails for good: retrying would not change it.
    public func message(for event: OutboxEventModel) async throws -> MailMessage {
        guard case .notification(let notification) = try? OutboxEvent(event) else {
            throw OutboxDeliveryFailure("unreadable notification payload", permanent: true)
        }
        // One operator read: its name goes in the text, its support address in To.
        let operatorID = switch notification {
        case .request(let change): change.operatorID
        case .vaDeadline(let deadline): deadline.operatorID
        case .drimboxExcluded(let exclusion): exclusion.operatorID
        }
        guard let operatorModel = try await OperatorModel.find(operatorID, on: database) else {
            throw OutboxDeliveryFailure("operator \(operatorID) not found", permanent: true)
        }
        let operatorName = operatorModel.legalName
        let content: NotificationTemplates.Content
        switch notification {
        case .request(let change):
            guard let request = try await RequestModel.find(change.requestID, on: database) else {
                throw OutboxDeliveryFailure("request \(change.requestNumber) not found", permanent: true)
            }
            content = NotificationTemplates.request(
                change, kind: request.kind, reason: change.action == .reject || change.action == .requestCorrection ? request.lastReason : nil,
                operatorName: operatorName)
        case .vaDeadline(let deadline):
            content = NotificationTemplates.vaDeadline(
                identifier: try await drimbox(deadline.drimboxID).identifier, dueAt: deadline.dueAt, days: deadline.days, operatorName: operatorName)
        case .drimboxExcluded(let exclusion):
            let drimbox = try await drimbox(exclusion.drimboxID)
            content = NotificationTemplates.exclusion(
                identifier: drimbox.identifier, reason: exclusion.reason, detail: exclusion.detail ?? drimbox.exclusionDetail, operatorName: operatorName)
        }
        let contact: MailAddress
        do {
            contact = try MailAddress(operatorModel.supportEmail, name: operatorModel.legalName)
        } catch {
            throw OutboxDeliveryFailure("the operator's contact address is not usable: \(error)", permanent: true)
        }
        return MailMessage(
            from: from, to: [contact], cc: [ansTeam], subject: content.subject, text: content.text, html: content.html,
            messageID: "\(try event.requireID().uuidString.lowercased())@\(from.domain)", date: event.createdAt)
    }

    private func drimbox(_ id: UUID) async throws -> DRIMboxModel {
        guard let drimbox = try await DRIMboxModel.find(id, on: database) else {
            throw OutboxDeliveryFailure("DRIMbox \(id) not found", permanent: true)
        }
        return drimbox
    }
}

/// The French texts of the notifications: one subject and one body (plain and HTML) per event.
public enum NotificationTemplates {
    public struct Content: Sendable, Equatable {
        public var subject: String
        public var text: String
        public var html: String
    }

    static let footer = "Ce message est envoyé automatiquement par l'Espace de Confiance DRIM-M ; merci de ne pas y répondre."

    /// What happened to the request, as the subject says it.
    static func outcome(_ action: RequestAction) -> String {
        switch action {
        case .submit: "déposée"
        case .startReview: "prise en instruction par l'ANS"
        case .requestCorrection: "correction demandée par l'ANS"
        case .resubmit: "renvoyée après correction"
        case .approve: "acceptée par l'ANS"
        case .reject: "refusée par l'ANS"
        case .withdraw: "abandonnée"
        case .consent: "accord de l'opérateur repreneur donné"
        }
    }

    /// Who is expected to act next, and how.
    static func next(_ state: RequestState, kind: RequestKind) -> String {
        switch state {
        case .draft: "L'opérateur complète la demande et la dépose."
        case .submitted: "L'ANS va instruire la demande."
        case .inReview: "L'ANS instruit la demande ; aucune action n'est attendue de l'opérateur pour l'instant."
        case .correctionRequested: "L'opérateur corrige la demande selon le motif ci-dessus, puis la renvoie."
        case .approved:
            kind == .declaration
                ? "L'attestation de délégation est émise : l'opérateur peut commander les certificats des FQDN attribués."
                : "La demande a pris effet dans le registre ; la liste blanche est mise à jour si elle est concernée."
        case .rejected: "La demande est close. L'opérateur peut déposer une nouvelle demande."
        case .withdrawn: "La demande est close."
        }
    }

    public static func request(_ change: OutboxEvent.RequestNotification, kind: RequestKind, reason: String?, operatorName: String) -> Content {
        let subject = "[EDC] Demande n° \(change.requestNumber) (\(kind.label)) : \(outcome(change.action))"
        var paragraphs = [
            "Bonjour,",
            "La demande n° \(change.requestNumber) (\(kind.label)) de l'opérateur « \(operatorName) » a été \(outcome(change.action)).",
            "État de la demande : \(change.state.label).",
        ]
        if let reason, !reason.isEmpty { paragraphs.append("Motif : \(reason)") }
        paragraphs.append("Prochaine étape : \(next(change.state, kind: kind))")
        return content(subject: subject, paragraphs: paragraphs)
    }

    public static func exclusion(identifier: Int, reason: ExclusionReason, detail: String?, operatorName: String) -> Content {
        let subject = "[EDC] DRIMbox n° \(identifier) exclue de la liste blanche : \(reason.label)"
        var paragraphs = [
            "Bonjour,",
            "La DRIMbox n° \(identifier) de l'opérateur « \(operatorName) » a été exclue de la liste blanche DRIM-M.",
            "Motif : \(reason.label).",
        ]
        if let detail, !detail.isEmpty { paragraphs.append("Précision : \(detail)") }
        paragraphs.append(reason.reintegrationRequiresNewCGI
            ? "Prochaine étape : pour revenir sur la liste, l'opérateur dépose une demande de réintégration accompagnée de conditions générales d'intégration nouvellement signées."
            : "Prochaine étape : pour revenir sur la liste, l'opérateur dépose une demande de réintégration.")
        return content(subject: subject, paragraphs: paragraphs)
    }

    public static func vaDeadline(identifier: Int, dueAt: Date, days: Int, operatorName: String) -> Content {
        let date = parisDate(dueAt)
        let subject = "[EDC] DRIMbox n° \(identifier) : document de VA attendu avant le \(date) (J-\(days))"
        return content(subject: subject, paragraphs: [
            "Bonjour,",
            "La DRIMbox n° \(identifier) de l'opérateur « \(operatorName) » est intégrée à titre provisoire. Son document de validation d'aptitude (VA) doit être déposé avant le \(date) (heure de Paris), soit dans \(days == 1 ? "1 jour" : "\(days) jours") au plus.",
            "Prochaine étape : l'opérateur dépose une demande « Document de VA » avec le document signé. Sans ce document à l'échéance, la DRIMbox sera exclue de la liste blanche.",
        ])
    }

    /// "2 janvier 2027 à 14:00", in Europe/Paris time.
    static func parisDate(_ date: Date) -> String { DateText.paris(date, "d MMMM yyyy 'à' HH:mm") }

    static func content(subject: String, paragraphs: [String]) -> Content {
        let text = (paragraphs + ["-- ", footer]).joined(separator: "\n\n") + "\n"
        let body = paragraphs.map { "<p>\(escape($0))</p>" }.joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="fr">
            <head><meta charset="utf-8"><title>\(escape(subject))</title></head>
            <body>
            \(body)
            <hr>
            <p><small>\(escape(footer))</small></p>
            </body>
            </html>

            """
        return Content(subject: subject, text: text, html: html)
    }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
