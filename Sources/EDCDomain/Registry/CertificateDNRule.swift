import Foundation

/// The rule for the IGC-Santé certificate DN declared for an FQDN pair: its CN is the pair's
/// `db` FQDN, its OU is a valid national structure identifier and its ST, if any, reads
/// "Département (NN)". The white list writer applies the same rule, so that the registry never
/// accepts a DN that could not be published.
public enum CertificateDNRule {
    public static func check(_ dn: DistinguishedName, for pair: FQDNPair) throws {
        try check(dn, dbFQDN: pair.db)
    }

    public static func check(_ dn: DistinguishedName, dbFQDN: FQDN) throws {
        let commonName = try checkShape(dn)
        guard commonName.lowercased() == dbFQDN.value else {
            throw ValidationError(
                code: "dn.cn_mismatch",
                userMessage: "Le CN du certificat (« \(commonName) ») doit être le FQDN attribué \(dbFQDN.value).",
                technicalDetail: "certificate CN '\(commonName)' does not match assigned db FQDN '\(dbFQDN.value)'")
        }
    }

    /// The rules that do not depend on the FQDN pair; returns the CN.
    @discardableResult
    public static func checkShape(_ dn: DistinguishedName) throws -> String {
        guard let commonName = dn.commonName else {
            throw ValidationError(
                code: "dn.cn_missing", userMessage: "Le DN du certificat doit contenir un CN.",
                technicalDetail: "certificate DN '\(dn)' has no single CN")
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
        for state in dn.values(of: "ST") where !isDepartmentForm(state) {
            throw ValidationError(
                code: "dn.st_format",
                userMessage: "Le ST du certificat doit être de la forme « Département (NN) », par exemple « Paris (75) ».",
                technicalDetail: "certificate ST '\(state)' is not in the form 'Name (NN)'")
        }
        return commonName
    }

    /// `Paris (75)`, `Corse-du-Sud (2A)`, `La Réunion (974)`.
    public static func isDepartmentForm(_ state: String) -> Bool {
        guard state.hasSuffix(")"), let open = state.range(of: " (", options: .backwards) else { return false }
        let name = state[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
        let code = state[open.upperBound..<state.index(before: state.endIndex)]
        let codeIsValid = (2...3).contains(code.count) && code.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "A" || $0 == "B") }
        return !name.isEmpty && codeIsValid
    }
}
