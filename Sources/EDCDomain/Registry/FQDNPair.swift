/// The two addresses ANS assigns for one PACS of a DRIMbox: the DRIMbox itself (`db…`) and its viewer (`vi…`).
public struct FQDNPair: Sendable, Hashable, Codable {
    /// 1-based index of the PACS within its DRIMbox.
    public var pacsIndex: Int
    public var db: FQDN
    public var viewer: FQDN

    public init(pacsIndex: Int, db: FQDN, viewer: FQDN) {
        self.pacsIndex = pacsIndex
        self.db = db
        self.viewer = viewer
    }
}
