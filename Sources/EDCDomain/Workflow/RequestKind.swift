/// The kinds of request an operator files (SPEC §3).
public enum RequestKind: String, CaseIterable, Codable, Sendable {
    case declaration
    case integration
    case vaDocument
    case reintegration
    case modification
    case withdrawal
    case operatorChange

    /// French label shown to users.
    public var label: String {
        switch self {
        case .declaration: "Déclaration"
        case .integration: "Intégration"
        case .vaDocument: "Document de VA"
        case .reintegration: "Réintégration"
        case .modification: "Modification"
        case .withdrawal: "Retrait"
        case .operatorChange: "Changement d'opérateur"
        }
    }

    /// Whether the request is about a DRIMbox that already exists in the registry.
    public var targetsExistingDRIMbox: Bool { self != .declaration }
}
