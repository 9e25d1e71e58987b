import EDCDomain
import Foundation
import Persistence
import Vapor

/// Strict JSON input: decoding errors become field errors, and any field the target type does
/// not know is refused rather than silently ignored.
enum JSONInput {
    /// Decodes `T` from the request body and refuses unknown fields.
    static func decode<T: Codable>(_ type: T.Type, from request: Request) throws -> T {
        let data = try body(of: request)
        return try decode(type, from: data)
    }

    static func decode<T: Codable>(_ type: T.Type, from data: Data, fieldPrefix: String = "") throws -> T {
        let value: T
        do {
            value = try JSONText.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ValidationErrors([validationError(from: error, prefix: fieldPrefix)])
        }
        try rejectUnknownFields(in: data, comparedTo: try JSONText.encoder.encode(value), prefix: fieldPrefix)
        return value
    }

    static func body(of request: Request) throws -> Data {
        guard request.headers.contentType?.type == "application", request.headers.contentType?.subType == "json" else {
            throw Abort(.unsupportedMediaType, reason: "Le corps de la requête doit être en JSON (application/json).")
        }
        guard let buffer = request.body.data, buffer.readableBytes > 0 else {
            throw ValidationErrors([ValidationError(code: "body.empty", userMessage: "Le corps de la requête est vide.", technicalDetail: "empty body")])
        }
        try JSONShape.check(buffer.readableBytesView)
        return Data(buffer.readableBytesView)
    }

    /// Keys present in the input but absent from the re-encoded value were not understood.
    static func rejectUnknownFields(in input: Data, comparedTo canonical: Data, prefix: String) throws {
        guard let inputObject = try? JSONSerialization.jsonObject(with: input, options: [.fragmentsAllowed]),
              let canonicalObject = try? JSONSerialization.jsonObject(with: canonical, options: [.fragmentsAllowed]) else { return }
        var unknown: [ValidationError] = []
        collectUnknown(inputObject, canonicalObject, path: prefix, into: &unknown)
        if !unknown.isEmpty { throw ValidationErrors(unknown) }
    }

    private static func collectUnknown(_ input: Any, _ canonical: Any, path: String, into errors: inout [ValidationError]) {
        if let object = input as? [String: Any] {
            let known = canonical as? [String: Any] ?? [:]
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                let field = path.isEmpty ? key : "\(path).\(key)"
                if let counterpart = known[key] {
                    collectUnknown(value, counterpart, path: field, into: &errors)
                } else if !(value is NSNull) {
                    errors.append(ValidationError(
                        code: "field.unknown", field: field, userMessage: "Ce champ n'est pas attendu.",
                        technicalDetail: "unknown field '\(field)'"))
                }
            }
        } else if let array = input as? [Any], let known = canonical as? [Any] {
            for (index, value) in array.enumerated() where index < known.count {
                collectUnknown(value, known[index], path: "\(path)[\(index)]", into: &errors)
            }
        }
    }

    static func validationError(from error: DecodingError, prefix: String = "") -> ValidationError {
        func field(_ path: [any CodingKey]) -> String? {
            var text = prefix
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let name = field(context.codingPath + [key])
            return ValidationError(code: "field.required", field: name, userMessage: "Ce champ est obligatoire.", technicalDetail: "missing field '\(name ?? key.stringValue)'")
        case .typeMismatch(let type, let context):
            return ValidationError(code: "field.type", field: field(context.codingPath), userMessage: "Ce champ n'a pas le bon type.", technicalDetail: "expected \(type) at '\(field(context.codingPath) ?? "")'")
        case .valueNotFound(let type, let context):
            return ValidationError(code: "field.required", field: field(context.codingPath), userMessage: "Ce champ est obligatoire.", technicalDetail: "null for \(type) at '\(field(context.codingPath) ?? "")'")
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? ValidationError {
                return field(context.codingPath).map { underlying.at(field: $0) } ?? underlying
            }
            if context.codingPath.isEmpty {
                return ValidationError(code: "body.syntax", userMessage: "Le corps de la requête n'est pas du JSON valide.", technicalDetail: context.debugDescription)
            }
            return ValidationError(code: "field.invalid", field: field(context.codingPath), userMessage: "Valeur invalide.", technicalDetail: context.debugDescription)
        @unknown default:
            return ValidationError(code: "body.invalid", userMessage: "Requête invalide.", technicalDetail: "\(error)")
        }
    }
}
