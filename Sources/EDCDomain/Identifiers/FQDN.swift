/// A fully qualified domain name: a `Hostname` with at least two labels whose top-level label is
/// not all digits, so that an IP address (`192.168.1.10`) is refused.
public struct FQDN: ValidatedIdentifier {
    /// The canonical name, lower-cased, without trailing dot.
    public let value: String

    public init(_ text: String) throws {
        let name = try Hostname.canonicalize(text, codePrefix: "fqdn", noun: "nom de domaine")
        let labels = name.split(separator: ".")
        guard labels.count >= 2 else {
            throw ValidationError(
                code: "fqdn.single_label",
                userMessage: "Le nom de domaine doit être complet (par exemple db1.1.mesimagesmedicales.fr).",
                technicalDetail: "fqdn \(text.quotedForLog) has a single label"
            )
        }
        guard let topLevel = labels.last, !String(topLevel).isASCIIDigits else {
            throw ValidationError(
                code: "fqdn.numeric_top_level",
                userMessage: "Une adresse IP n'est pas acceptée : saisissez un nom de domaine complet.",
                technicalDetail: "fqdn \(text.quotedForLog) has an all-numeric top-level label (an IP address?)"
            )
        }
        self.value = name
    }

    /// The labels from left to right.
    public var labels: [String] { value.split(separator: ".").map(String.init) }

    /// The same name as a plain host name.
    public var hostname: Hostname { Hostname(uncheckedCanonical: value) }

    /// True when this name lies strictly under `parent`, label by label
    /// (`db1.1.mesimagesmedicales.fr` is under `mesimagesmedicales.fr`; a name is not under itself,
    /// and `xmesimagesmedicales.fr` is not under `mesimagesmedicales.fr`).
    public func isSubdomain(of parent: FQDN) -> Bool {
        let own = labels
        let parentLabels = parent.labels
        return own.count > parentLabels.count && Array(own.suffix(parentLabels.count)) == parentLabels
    }
}

extension Hostname {
    init(uncheckedCanonical value: String) { self.value = value }
}
