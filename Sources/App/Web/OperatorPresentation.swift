import Accounts
import EDCDomain
import Foundation
import Persistence
import Vapor

/// How the operator portal shows the workflow's and the registry's states: French labels, DSFR
/// badges (always with their text), what is expected next and from whom. Words only: the states
/// and what they allow come from the domain's state machines.
enum OperatorText {
    /// What is expected next on `request`, and from whom, as `principal` reads it. For an approved
    /// step of situation 1 or 2, the next step is named only while the DRIMbox (as it is now)
    /// still allows it.
    static func nextStep(_ request: RequestModel, for principal: Principal, drimbox: DRIMboxModel? = nil) -> String {
        let isCounterpart = principal.operatorID != nil && principal.operatorID == request.counterpartOperatorID && principal.operatorID != request.operatorID
        let awaitingConsent = request.kind == .operatorChange && request.consentedAt == nil && request.state.awaitsReview
        if isCounterpart {
            if awaitingConsent { return "Votre accord est attendu : à vous de répondre" }
            return request.state.awaitsReview ? "Accord donné : en attente de l’ANS" : "Terminée"
        }
        switch request.state {
        case .draft: return "Brouillon : à soumettre"
        case .submitted:
            return awaitingConsent ? "En attente de l’accord de l’opérateur repreneur et de l’instruction par l’ANS" : "En attente d’instruction par l’ANS"
        case .inReview:
            return awaitingConsent ? "En instruction par l’ANS ; accord de l’opérateur repreneur attendu" : "En cours d’instruction par l’ANS"
        case .correctionRequested: return "Correction demandée : à vous de corriger"
        case .approved:
            let open = drimbox.map(RegistryQueries.kinds(eligibleFor:)) ?? []
            switch request.kind {
            case .declaration where open.contains(.integration):
                return "Acceptée : téléchargez l’attestation, commandez les certificats puis déposez l’intégration"
            case .integration where open.contains(.vaDocument), .reintegration where open.contains(.vaDocument):
                return "Acceptée : envoyez le document de VA avant l’échéance"
            default: return "Acceptée : rien d’autre à faire"
            }
        case .rejected: return "Refusée : rien d’autre à faire"
        case .withdrawn: return "Abandonnée"
        }
    }

    /// "dans 12 jours", "aujourd’hui", "dépassée de 3 jours".
    static func daysLeft(until date: Date, now: Date) -> String {
        let calendar = parisCalendar
        let days = calendar.dateComponents([.day], from: calendar.startOfDay(for: now), to: calendar.startOfDay(for: date)).day ?? 0
        switch days {
        case ..<(-1): return "dépassée de \(-days) jours"
        case -1: return "dépassée d’un jour"
        case 0: return "aujourd’hui"
        case 1: return "demain"
        default: return "dans \(days) jours"
        }
    }

    static let parisCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt
        return calendar
    }()

    static func label(_ event: DRIMboxEvent) -> String {
        switch event {
        case .declaration: "Déclaration acceptée"
        case .provisionalIntegration: "Intégration provisoire"
        case .definitiveIntegration: "Intégration définitive"
        case .exclusion: "Exclusion"
        case .reintegration: "Réintégration"
        case .withdrawal: "Retrait"
        case .modification: "Modification"
        case .operatorChange: "Changement d’opérateur"
        }
    }

    static func label(_ action: RequestAction) -> String {
        switch action {
        case .submit: "Soumission"
        case .startReview: "Prise en instruction"
        case .requestCorrection: "Correction demandée"
        case .resubmit: "Renvoi après correction"
        case .approve: "Acceptation"
        case .reject: "Refus"
        case .withdraw: "Abandon"
        case .consent: "Accord de l’opérateur repreneur"
        }
    }

    /// The label of the button that fires `action` on the request page.
    static func button(_ action: RequestAction) -> String {
        switch action {
        case .submit: "Soumettre"
        case .resubmit: "Renvoyer à l’ANS"
        case .withdraw: "Abandonner la demande"
        case .consent: "Donner mon accord"
        default: action.label.prefix(1).uppercased() + action.label.dropFirst()
        }
    }

    /// The reason of a DRIMbox transition (an exclusion reason is stored by its code).
    static func reason(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return ExclusionReason(rawValue: text)?.label ?? text
    }

    /// URL slugs of the request kinds (`/espace/demandes/nouvelle/{slug}`).
    static func slug(_ kind: RequestKind) -> String {
        switch kind {
        case .declaration: "declaration"
        case .integration: "integration"
        case .vaDocument: "document-va"
        case .reintegration: "reintegration"
        case .modification: "modification"
        case .withdrawal: "retrait"
        case .operatorChange: "changement-operateur"
        }
    }

    static func kind(slug: String) -> RequestKind? {
        RequestKind.allCases.first { self.slug($0) == slug }
    }

    /// What a kind is for, on the choice page.
    static func purpose(_ kind: RequestKind) -> String {
        switch kind {
        case .declaration: "Étape 1 d’une nouvelle DRIMbox : clients, PACS et conditions générales d’intégration signées. Son acceptation attribue les FQDN et l’attestation de délégation."
        case .integration: "Étape 3 : les DN des certificats IGC-Santé, un par couple de FQDN. Son acceptation inscrit la DRIMbox sur la liste blanche, à titre provisoire."
        case .vaDocument: "Étape 4 : le document de vérification d’aptitude signé. Son acceptation rend l’intégration définitive."
        case .reintegration: "Après une exclusion : le motif et les mesures prises (et de nouvelles CGI signées après un incident de cybersécurité)."
        case .modification: "Contacts, noms d’hôtes, nouveau PACS ou renouvellement de certificat."
        case .withdrawal: "Mise hors service d’une DRIMbox : elle quitte la liste blanche, ses FQDN restent réservés."
        case .operatorChange: "Transfert d’une DRIMbox à un autre opérateur, avec l’accord des deux opérateurs."
        }
    }

    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) octets" }
        if bytes < 1024 * 1024 { return "\((bytes + 1023) / 1024) ko" }
        return String(format: "%.1f Mo", Double(bytes) / 1_048_576).replacingOccurrences(of: ".", with: ",")
    }

    static func format(_ mediaType: String) -> String {
        switch mediaType {
        case "application/pdf": "PDF"
        case "image/png": "PNG"
        case "image/jpeg": "JPEG"
        default: mediaType
        }
    }

    static func documentKind(_ kind: DocumentKind) -> String {
        switch kind {
        case .cgi: "Conditions générales d’intégration signées"
        case .vaReport: "Document de VA signé"
        case .other: "Document"
        }
    }
}

/// Who did something, as the operator portal names them: the principal's own colleagues by name,
/// ANS and EDC by role, another operator's users as such. Looks each user up once.
struct ActorNames {
    let accounts: Accounts
    let principal: Principal
    private var cache: [UUID: UserModel?] = [:]

    init(accounts: Accounts, principal: Principal) {
        self.accounts = accounts
        self.principal = principal
    }

    mutating func name(_ userID: UUID?, role: Role) async -> String {
        switch role {
        case .reviewer: return "ANS (instruction)"
        case .administrator: return "ANS (administration)"
        case .system: return "EDC (automatique)"
        case .operatorUser:
            guard let userID else { return "Opérateur" }
            if cache[userID] == nil { cache[userID] = try? await accounts.user(userID) }
            guard let user = cache[userID] ?? nil else { return "Opérateur" }
            return user.operatorID == principal.operatorID ? user.displayName : "L’autre opérateur"
        }
    }
}
