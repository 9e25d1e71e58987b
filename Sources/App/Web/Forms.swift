import EDCDomain
import Foundation
import Persistence
import Vapor

/// A form as the pages describe it and `partials/form.leaf` renders it (DSFR markup, labels,
/// hints and errors tied to their fields). Forms post back to themselves; a refused post renders
/// the same form with the values as typed and the French message next to each field.
struct WebForm: Encodable {
    var id: String
    var action: String
    var multipart = false
    var csrf: String
    var sections: [FormSection]
    var buttons: [FormButton]
    /// Errors not tied to one field (above the form), and links to each field's error.
    var errors: [String] = []
    var errorLinks: [ErrorLink] = []
    var hasErrors = false
    var hasErrorLinks = false
    /// The button a browser "clicks" when Enter is pressed in a field (the first submit button of
    /// the form): rendered first and hidden, so that Enter never fires a section's button
    /// (e.g. "Retirer" a repeated group).
    var defaultButton: FormButton?

    struct ErrorLink: Encodable {
        var href: String
        var text: String
    }

    init(id: String, action: String, csrf: String, multipart: Bool = false, sections: [FormSection], buttons: [FormButton]) {
        self.id = id
        self.action = action
        self.csrf = csrf
        self.multipart = multipart
        self.sections = sections
        self.buttons = buttons
    }

    /// Puts each problem next to its field (by name); the rest above the form.
    mutating func apply(_ problems: FormProblems) {
        var unplaced = problems.general
        var fieldProblems = problems.byField
        for s in sections.indices {
            for f in sections[s].fields.indices {
                let name = sections[s].fields[f].name
                if let message = fieldProblems.removeValue(forKey: name) {
                    sections[s].fields[f].error = message
                    errorLinks.append(ErrorLink(href: "#" + sections[s].fields[f].id, text: "\(sections[s].fields[f].label) : \(message)"))
                }
            }
            if let key = sections[s].errorKey, let message = fieldProblems.removeValue(forKey: key) {
                sections[s].error = message
                errorLinks.append(ErrorLink(href: "#" + sections[s].id, text: message))
            }
        }
        unplaced += fieldProblems.sorted { $0.key < $1.key }.map(\.value)
        errors = unplaced
        hasErrors = !errors.isEmpty || !errorLinks.isEmpty
        hasErrorLinks = !errorLinks.isEmpty
    }
}

struct FormSection: Encodable {
    var id: String
    var legend: String?
    var hint: String?
    var fields: [FormField]
    var error: String?
    /// Problems reported for this name (a whole list, e.g. `pacs`) show on the fieldset.
    var errorKey: String?
    /// Buttons at the end of the fieldset (e.g. "Retirer" one of repeated groups).
    var buttons: [FormButton] = [] { didSet { hasButtons = !buttons.isEmpty } }
    var hasButtons = false

    init(id: String, legend: String? = nil, hint: String? = nil, errorKey: String? = nil, fields: [FormField]) {
        self.id = id
        self.legend = legend
        self.hint = hint
        self.errorKey = errorKey
        self.fields = fields
    }
}

struct FormField: Encodable {
    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    var name: String
    var id: String
    var label: String
    var hint: String?
    /// text, email, password, tel, number, date, textarea, select, file, checkbox, hidden
    var kind: String
    var value: String
    var error: String?
    var required: Bool
    var autocomplete: String?
    var options: [Option]
    var rows: Int
    var readonly: Bool
    var spellcheck: Bool
    var inputmode: String?
    var checked: Bool
    var accept: String?

    init(_ name: String, _ label: String, kind: String = "text", value: String = "", hint: String? = nil, required: Bool = false,
         autocomplete: String? = nil, options: [Option] = [], rows: Int = 4, readonly: Bool = false, inputmode: String? = nil,
         checked: Bool = false, accept: String? = nil) {
        self.name = name
        self.id = "champ-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        self.label = label
        self.hint = hint
        self.kind = kind
        self.value = value
        self.required = required
        self.autocomplete = autocomplete
        self.options = options
        self.rows = rows
        self.readonly = readonly
        self.spellcheck = !["email", "password", "tel"].contains(kind) && inputmode == nil
        self.inputmode = inputmode
        self.checked = checked
        self.accept = accept
    }

    static func select(_ name: String, _ label: String, choices: [(value: String, label: String)], selected: String, hint: String? = nil, required: Bool = false) -> FormField {
        FormField(name, label, kind: "select", value: selected, hint: hint, required: required,
                  options: choices.map { Option(value: $0.value, label: $0.label, selected: $0.value == selected) })
    }
}

struct FormButton: Encodable {
    var label: String
    /// The `name=value` the button posts (which action), when the form has several.
    var name: String?
    var value: String?
    var secondary: Bool

    init(_ label: String, name: String? = nil, value: String? = nil, secondary: Bool = false) {
        self.label = label
        self.name = name
        self.value = value
        self.secondary = secondary
    }
}

/// French messages of a refused form, by field name.
struct FormProblems: Error {
    var byField: [String: String] = [:]
    var general: [String] = []

    var isEmpty: Bool { byField.isEmpty && general.isEmpty }

    init() {}

    /// From the services' errors: validation errors go to their field (`payload.` dropped, so
    /// `payload.pacs[0].sourceHostname` lands on the form field `pacs[0].sourceHostname`); others
    /// above the form. Errors that are not the user's to fix are rethrown.
    init(_ error: any Error, fieldNames: (String) -> String? = { FormProblems.webName($0) }) throws {
        switch error {
        case let problems as FormProblems:
            self = problems
        case let errors as ValidationErrors:
            for problem in errors.errors { add(problem, fieldNames: fieldNames) }
        case let problem as ValidationError:
            add(problem, fieldNames: fieldNames)
        case let error as WorkflowError:
            general.append(error.userMessage)
        default:
            throw error
        }
    }

    /// A service's field path as a form field name: `pacs[0].sourceHostname` → `pacs-0-sourceHostname`
    /// (form names carry no brackets or dots, which form decoders would read as nesting).
    static func webName(_ path: String) -> String {
        path.replacingOccurrences(of: "[", with: "-").replacingOccurrences(of: "]", with: "").replacingOccurrences(of: ".", with: "-")
    }

    mutating func add(_ problem: ValidationError, fieldNames: (String) -> String? = { FormProblems.webName($0) }) {
        var field = problem.field
        if let name = field, name.hasPrefix("payload.") { field = String(name.dropFirst("payload.".count)) }
        if let name = field, let mapped = fieldNames(name) {
            add(mapped, problem.userMessage)
        } else {
            general.append(problem.userMessage)
        }
    }

    mutating func add(_ field: String, _ message: String) {
        if let existing = byField[field] {
            if !existing.contains(message) { byField[field] = existing + " " + message }
        } else {
            byField[field] = message
        }
    }

    /// Runs `parse`, recording its validation error against `field`; nil when it failed.
    mutating func parse<T>(_ field: String, _ parse: () throws -> T) -> T? {
        do {
            return try parse()
        } catch let error as ValidationError {
            add(field, error.userMessage)
        } catch let errors as ValidationErrors {
            for error in errors.errors { add(field, error.userMessage) }
        } catch {
            add(field, "Valeur invalide.")
        }
        return nil
    }
}

/// A posted form's fields, as typed (text only; files are read separately).
struct PostedForm {
    var values: [String: String]

    init(_ request: Request) throws {
        var values: [String: String] = [:]
        if let contentType = request.headers.contentType, contentType == .urlEncodedForm, let body = request.body.string {
            // Read as flat pairs: no nesting, the last value of a repeated name wins.
            for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                func decode(_ text: Substring) -> String { text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
                let key = decode(parts[0])
                guard !key.isEmpty, key.utf8.count <= 200 else { continue }
                values[key] = parts.count > 1 ? decode(parts[1]) : ""
            }
        } else if let contentType = request.headers.contentType, contentType.type == "multipart" {
            let decoded = try request.content.decode([String: FormValue].self)
            for (key, value) in decoded { if case .text(let text) = value { values[key] = text } }
        }
        self.values = values
    }

    init(values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String { values[name] ?? "" }

    /// The trimmed text, nil when empty.
    func text(_ name: String) -> String? {
        let value = self[name].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    /// Lines of a multi-line field, trimmed, empty ones dropped.
    func lines(_ name: String) -> [String] {
        self[name].split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var button: String? { values["action"] }
}

/// A form value: text, or a file part (ignored by `PostedForm`).
enum FormValue: Decodable {
    case text(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self = .text(text) } else { self = .other }
    }
}
