/// Why ANS excluded a DRIMbox from the white list.
public enum ExclusionReason: String, CaseIterable, Codable, Sendable {
    case cyberIncident
    case vaNotProvided
    case cgiBreach
    case certificateExpiredOrRevoked
    case operatorRequest

    public var label: String {
        switch self {
        case .cyberIncident: "Incident de cybersécurité"
        case .vaNotProvided: "Document de VA non fourni dans les délais"
        case .cgiBreach: "Manquement aux conditions générales d'intégration"
        case .certificateExpiredOrRevoked: "Certificat expiré ou révoqué"
        case .operatorRequest: "Demande de l'opérateur"
        }
    }

    /// Re-integration after a cyber-security incident needs a newly signed CGI document.
    public var reintegrationRequiresNewCGI: Bool { self == .cyberIncident }
}
