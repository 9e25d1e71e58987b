/// The public state of an FQDN pair or a DRIMbox.
public enum MeteoStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case operational
    /// Answers, but not fully: some PACS down, the viewer unreachable, or a certificate that is not
    /// the listed one.
    case degraded
    case down
    /// Inside a declared maintenance window: not counted as downtime.
    case maintenance
    /// No recent data. Never shown as down.
    case unknown

    /// French label for the public page (always shown with the icon, never colour alone).
    public var label: String {
        switch self {
        case .operational: "Opérationnelle"
        case .degraded: "Dégradée"
        case .down: "Hors service"
        case .maintenance: "En maintenance"
        case .unknown: "Données indisponibles"
        }
    }
}
