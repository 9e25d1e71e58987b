/// The XML namespace of a `ListeBlancheDRIM-M` document. ANS has published two.
public struct WhitelistNamespace: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Used by the ANS lists from 2026 on; the default for writing.
    public static let ansforge = WhitelistNamespace(rawValue: "https://github.com/ansforge/DRIM-M_DATA")
    /// Used by the 2024 ANS lists.
    public static let mesImagesMedicales = WhitelistNamespace(rawValue: "https://listeblanche.mesimagesmedicales.fr/schema")

    /// Every namespace a reader accepts.
    public static let known: [WhitelistNamespace] = [.ansforge, .mesImagesMedicales]

    public static let `default` = WhitelistNamespace.ansforge

    public var description: String { rawValue }
}
