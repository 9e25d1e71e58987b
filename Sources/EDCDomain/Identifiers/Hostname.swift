/// A host name as RFC 1123 allows it: dot-separated labels of ASCII letters, digits and hyphens.
/// Stored lower-cased, without the trailing dot of the absolute form.
///
/// Internationalised names must be given in their ASCII (punycode, `xn--…`) form.
public struct Hostname: ValidatedIdentifier {
    /// The canonical name, e.g. `db1.1.mesimagesmedicales.fr`.
    public let value: String

    public init(_ text: String) throws {
        self.value = try Self.canonicalize(text, codePrefix: "hostname", noun: "nom d'hôte")
    }

    /// The labels from left to right, e.g. `["db1", "1", "mesimagesmedicales", "fr"]`.
    public var labels: [String] { value.split(separator: ".").map(String.init) }

    /// Validates `text` and returns its canonical form. `codePrefix` and `noun` let `FQDN` and
    /// `EmailAddress` report the same rules under their own names.
    static func canonicalize(_ text: String, codePrefix: String, noun: String) throws -> String {
        func failure(_ code: String, _ userMessage: String, _ detail: String) -> ValidationError {
            ValidationError(
                code: "\(codePrefix).\(code)",
                userMessage: userMessage,
                technicalDetail: "\(codePrefix) \(text.quotedForLog) \(detail)"
            )
        }
        var name = text.trimmingWhitespace
        guard !name.isEmpty else {
            throw failure("empty", "Le \(noun) est obligatoire.", "is empty")
        }
        guard name.unicodeScalars.allSatisfy(\.isASCII) else {
            throw failure(
                "non_ascii",
                "Le \(noun) contient des caractères non ASCII (accents…) : utilisez sa forme ASCII (xn--…).",
                "contains non-ASCII characters; IDNs must be given in punycode"
            )
        }
        if name.hasSuffix(".") { name.removeLast() }
        name = name.lowercased()
        guard name.utf8.count <= 253 else {
            throw failure(
                "too_long",
                "Le \(noun) ne doit pas dépasser 253 caractères.",
                "is \(name.utf8.count) characters long, more than 253"
            )
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else {
                throw failure(
                    "empty_label",
                    "Le \(noun) contient une partie vide (deux points qui se suivent, ou un point au début).",
                    "has an empty label"
                )
            }
            guard label.utf8.count <= 63 else {
                throw failure(
                    "label_too_long",
                    "Chaque partie du \(noun) (entre deux points) doit faire au plus 63 caractères.",
                    "has a label of \(label.utf8.count) characters, more than 63"
                )
            }
            if let invalid = label.first(where: { !($0.isLetter || $0.isNumber || $0 == "-") || !$0.isASCII }) {
                throw failure(
                    "invalid_character",
                    "Le \(noun) ne peut contenir que des lettres, des chiffres, des tirets et des points (caractère refusé : « \(invalid) »).",
                    "contains the invalid character \(String(invalid).quotedForLog)"
                )
            }
            guard label.first != "-", label.last != "-" else {
                throw failure(
                    "label_hyphen",
                    "Une partie du \(noun) ne peut ni commencer ni finir par un tiret.",
                    "has a label starting or ending with a hyphen: \(String(label).quotedForLog)"
                )
            }
        }
        return name
    }
}
