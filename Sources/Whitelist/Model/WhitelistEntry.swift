import Foundation

/// One `Domaine` of the white list: the FQDN pair of one DRIMbox and who runs it.
///
/// Values are kept as read: real ANS lists contain quirks (the same `identifiant` on two entries,
/// `vi` equal to `db` or empty, an OU without its prefix digit) that a reader must accept.
/// `WhitelistXML.render` refuses them.
public struct WhitelistEntry: Sendable, Hashable, Codable {
    /// `Identifiant`: the registry identifier of the DRIMbox (digits).
    public var identifiant: String
    /// `db`: FQDN of the DRIMbox source.
    public var db: String
    /// `vi`: FQDN of the viewer. Nil when a list read has an empty or no `vi` (older entries of
    /// ANS's own lists): such an entry is still enforceable by its `db` FQDN and DN. Never written.
    public var vi: String?
    /// `Denomination`: the operator's name.
    public var denomination: String
    /// `DNCertificatOperateur`: the subject DN (RFC 4514) of the DRIMbox's certificate.
    public var certificateDN: String
    /// `ResponsableContact`, free text.
    public var responsableContact: String?
    /// `SupportContact`, free text.
    public var supportContact: String?
    /// `DateMAJ`: last change of this entry.
    public var updatedAt: Date?

    /// The `Identifiant` rule of the writer (and of every consumer that writes it elsewhere, such
    /// as the agent's nginx maps): 1 to 18 ASCII digits.
    public static func isWritableIdentifiant(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 18 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    public init(
        identifiant: String,
        db: String,
        vi: String?,
        denomination: String,
        certificateDN: String,
        responsableContact: String? = nil,
        supportContact: String? = nil,
        updatedAt: Date? = nil
    ) {
        self.identifiant = identifiant
        self.db = db
        self.vi = vi
        self.denomination = denomination
        self.certificateDN = certificateDN
        self.responsableContact = responsableContact
        self.supportContact = supportContact
        self.updatedAt = updatedAt
    }
}
