/// The name of a person or an organisation (an operator's legal name, the `Denomination` of the
/// white list, a user's display name): 1 to 200 characters on one line, trimmed, nothing that
/// `TextRule` refuses.
public struct Name: ValidatedIdentifier {
    public static let maximumLength = 200
    public let value: String

    public init(_ text: String) throws {
        value = try TextRule.singleLine(text, maximumLength: Self.maximumLength, code: "name.length", what: "Ce nom")
    }
}

/// A contact written on one line (the white list's `ResponsableContact`): 1 to 300 characters,
/// trimmed, nothing that `TextRule` refuses.
public struct ContactLine: ValidatedIdentifier {
    public static let maximumLength = 300
    public let value: String

    public init(_ text: String) throws {
        value = try TextRule.singleLine(text, maximumLength: Self.maximumLength, code: "contact.length", what: "Ce contact")
    }
}

/// Free text typed by a person (a comment, a reason, a statement): at most 4,000 characters,
/// line breaks allowed, nothing else that `TextRule` refuses. Kept as typed, except that
/// surrounding whitespace is trimmed; may be empty (the rules that need content say so).
public struct FreeText: ValidatedIdentifier {
    public static let maximumLength = 4000
    public let value: String

    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace
        guard trimmed.count <= Self.maximumLength else {
            throw ValidationError(
                code: "text.too_long",
                userMessage: "Ce texte dépasse \(Self.maximumLength) caractères.",
                technicalDetail: "text has \(trimmed.count) characters > \(Self.maximumLength)")
        }
        if let problem = TextRule.problem(in: trimmed, field: nil, lines: .multiple) { throw problem }
        value = trimmed
    }

    public var isEmpty: Bool { value.isEmpty }
}

/// The name a file had on the uploader's machine: 1 to 200 characters on one line, no path
/// separator, nothing that `TextRule` refuses.
public struct Filename: ValidatedIdentifier {
    public static let maximumLength = 200
    public let value: String

    public init(_ text: String) throws {
        let trimmed = text.trimmingWhitespace
        guard (1...Self.maximumLength).contains(trimmed.count), !trimmed.contains("/"), !trimmed.contains("\\"),
              trimmed != ".", trimmed != ".."
        else {
            throw ValidationError(
                code: "document.filename",
                userMessage: "Nom de fichier invalide : de 1 à \(Self.maximumLength) caractères, sans « / » ni « \\ ».",
                technicalDetail: "filename \(text.quotedForLog) is empty, too long or holds a path separator")
        }
        if let problem = TextRule.problem(in: trimmed, field: nil, lines: .single) { throw problem }
        value = trimmed
    }
}

extension TextRule {
    /// `text` trimmed, 1 to `maximumLength` characters, on one line, nothing refused.
    static func singleLine(_ text: String, maximumLength: Int, code: String, what: String) throws(ValidationError) -> String {
        let trimmed = text.trimmingWhitespace
        guard (1...maximumLength).contains(trimmed.count) else {
            throw ValidationError(
                code: code,
                userMessage: "\(what) doit comporter entre 1 et \(maximumLength) caractères.",
                technicalDetail: "\(code): length \(trimmed.count) outside 1...\(maximumLength)")
        }
        if let problem = TextRule.problem(in: trimmed, field: nil, lines: .single) { throw problem }
        return trimmed
    }
}

extension ValidatedIdentifier {
    /// `text` validated as this type, its error attached to `field`; nil stays nil.
    public static func validated(_ text: String?, field: String) throws(ValidationErrors) -> Self? {
        guard let text else { return nil }
        do {
            return try Self(text)
        } catch let error as ValidationError {
            throw ValidationErrors([error.at(field: field)])
        } catch {
            throw ValidationErrors([ValidationError(code: "field.invalid", field: field, userMessage: "Valeur invalide.", technicalDetail: "\(error)")])
        }
    }
}
