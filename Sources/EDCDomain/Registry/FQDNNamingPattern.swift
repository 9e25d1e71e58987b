import Foundation

/// How FQDNs are derived from the registry identifier and the PACS index.
/// `{drimbox}` and `{pacs}` are replaced; both must appear in both templates, so that two
/// (DRIMbox, PACS) couples can never produce the same FQDN.
public struct FQDNNamingPattern: Sendable, Hashable {
    public var dbTemplate: String
    public var viewerTemplate: String

    public static let `default` = try! FQDNNamingPattern(
        db: "db{pacs}.{drimbox}.mesimagesmedicales.fr",
        viewer: "vi{pacs}.{drimbox}.mesimagesmedicales.fr")

    public init(db: String, viewer: String) throws {
        for (name, template) in [("db", db), ("viewer", viewer)] {
            guard template.contains("{drimbox}"), template.contains("{pacs}") else {
                throw ValidationError(
                    code: "fqdn_pattern.placeholders", field: name,
                    userMessage: "Le modèle de nom doit contenir {drimbox} et {pacs}.",
                    technicalDetail: "FQDN template '\(template)' must contain {drimbox} and {pacs}")
            }
            _ = try FQDN(Self.fill(template, drimbox: 1, pacs: 1))
        }
        guard Self.fill(db, drimbox: 1, pacs: 1) != Self.fill(viewer, drimbox: 1, pacs: 1) else {
            throw ValidationError(
                code: "fqdn_pattern.identical", userMessage: "Les modèles db et vi doivent être différents.",
                technicalDetail: "db and viewer templates produce the same FQDN")
        }
        self.dbTemplate = db
        self.viewerTemplate = viewer
    }

    public func pair(drimbox identifier: Int, pacs index: Int) throws -> FQDNPair {
        FQDNPair(
            pacsIndex: index,
            db: try FQDN(Self.fill(dbTemplate, drimbox: identifier, pacs: index)),
            viewer: try FQDN(Self.fill(viewerTemplate, drimbox: identifier, pacs: index)))
    }

    private static func fill(_ template: String, drimbox: Int, pacs: Int) -> String {
        template.replacingOccurrences(of: "{drimbox}", with: String(drimbox))
            .replacingOccurrences(of: "{pacs}", with: String(pacs))
    }
}
