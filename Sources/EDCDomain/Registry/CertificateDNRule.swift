/// The rule for the IGC-Santé certificate DN declared for an FQDN pair: its CN is the pair's
/// `db` FQDN and its OU is a valid national structure identifier.
public enum CertificateDNRule {
    public static func check(_ dn: DistinguishedName, for pair: FQDNPair) throws {
        guard let commonName = dn.commonName else {
            throw ValidationError(
                code: "dn.cn_missing", userMessage: "Le DN du certificat doit contenir un CN.",
                technicalDetail: "certificate DN '\(dn)' has no single CN")
        }
        guard commonName.lowercased() == pair.db.value else {
            throw ValidationError(
                code: "dn.cn_mismatch",
                userMessage: "Le CN du certificat (« \(commonName) ») doit être le FQDN attribué \(pair.db.value).",
                technicalDetail: "certificate CN '\(commonName)' does not match assigned db FQDN '\(pair.db.value)'")
        }
        let organisationalUnits = dn.values(of: "OU")
        guard organisationalUnits.count == 1, let ou = organisationalUnits.first else {
            throw ValidationError(
                code: "dn.ou_missing",
                userMessage: "Le DN du certificat doit contenir un OU (identifiant national de structure).",
                technicalDetail: "certificate DN '\(dn)' must have exactly one OU")
        }
        do {
            _ = try StructureID(ou)
        } catch let error as ValidationError {
            throw ValidationError(
                code: "dn.ou_invalid",
                userMessage: "L'OU du certificat doit être un identifiant national de structure valide : \(error.userMessage)",
                technicalDetail: "certificate OU '\(ou)' is not a valid structure identifier: \(error.technicalDetail)")
        }
    }
}
