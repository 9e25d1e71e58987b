import CLibXML2
import Foundation

/// Reads the list content from a parsed tree: the same tree the verifier checked, never a
/// second parse of other bytes.
enum WhitelistTreeReader {
    static let signatureNamespace = "http://www.w3.org/2000/09/xmldsig#"

    static func read(_ tree: XMLTree) throws(WhitelistFormatError) -> (document: WhitelistDocument, namespace: WhitelistNamespace) {
        guard let root = tree.rootElement else {
            throw WhitelistFormatError(code: "xml.malformed", message: "the document has no root element")
        }
        let namespace = try rootNamespace(root)
        guard root.attribute("versionFormat") == WhitelistXML.versionFormat else {
            throw WhitelistFormatError(
                code: "xml.unsupported_version",
                message: "versionFormat \(root.attribute("versionFormat")?.debugDescription ?? "(missing)") is not \(WhitelistXML.versionFormat)"
            )
        }
        guard root.hasOnlyWhitespaceText else {
            throw WhitelistFormatError(code: "xml.unexpected_text", message: "text outside elements in \(WhitelistXML.rootElementName)")
        }
        var generatedAt: (Int, String)?
        var domainLists: [xmlNodePtr] = []
        for child in root.elementChildren {
            if child.isElement("Signature", namespace: signatureNamespace) { continue }
            guard child.namespaceURI == namespace.rawValue else {
                throw unexpected(child, in: WhitelistXML.rootElementName)
            }
            switch child.localName {
            case "DateDeGeneration":
                guard generatedAt == nil else { throw duplicate("DateDeGeneration", in: WhitelistXML.rootElementName) }
                guard let text = child.leafText else { throw notText("DateDeGeneration") }
                generatedAt = (0, text)
            case "ListeDomaines":
                domainLists.append(child)
            default:
                throw unexpected(child, in: WhitelistXML.rootElementName)
            }
        }
        guard let generatedText = generatedAt?.1 else { throw missing("DateDeGeneration", in: WhitelistXML.rootElementName) }
        guard let generated = UTCTimestamp.parse(generatedText.trimmed) else {
            throw WhitelistFormatError(code: "xml.invalid_timestamp", message: "DateDeGeneration \(generatedText.debugDescription) is not yyyy-MM-ddTHH:mm:ssZ")
        }
        guard domainLists.count == 1 else {
            throw domainLists.isEmpty ? missing("ListeDomaines", in: WhitelistXML.rootElementName)
                : duplicate("ListeDomaines", in: WhitelistXML.rootElementName)
        }
        let list = domainLists[0]
        guard list.hasOnlyWhitespaceText else {
            throw WhitelistFormatError(code: "xml.unexpected_text", message: "text outside elements in ListeDomaines")
        }
        var entries: [WhitelistEntry] = []
        for (index, domain) in list.elementChildren.enumerated() {
            guard domain.localName == "Domaine", domain.namespaceURI == namespace.rawValue else {
                throw unexpected(domain, in: "ListeDomaines")
            }
            do {
                entries.append(try readDomain(domain, namespace: namespace))
            } catch {
                var located = error
                located.entryIndex = index
                throw located
            }
        }
        return (WhitelistDocument(generatedAt: generated, entries: entries), namespace)
    }

    static func rootNamespace(_ root: xmlNodePtr) throws(WhitelistFormatError) -> WhitelistNamespace {
        guard root.localName == WhitelistXML.rootElementName,
              let uri = root.namespaceURI,
              let namespace = WhitelistNamespace.known.first(where: { $0.rawValue == uri })
        else {
            throw WhitelistFormatError(
                code: "xml.unknown_root",
                message: "root element {\(root.namespaceURI ?? "")}\(root.localName) is not a known \(WhitelistXML.rootElementName)"
            )
        }
        return namespace
    }

    private static func readDomain(_ domain: xmlNodePtr, namespace: WhitelistNamespace) throws(WhitelistFormatError) -> WhitelistEntry {
        guard domain.hasOnlyWhitespaceText else {
            throw WhitelistFormatError(code: "xml.unexpected_text", message: "text outside elements in Domaine")
        }
        var fields = [String?](repeating: nil, count: Field.allCases.count)
        // Hot loop (10,000 entries × 8 fields): compare names and namespaces as C strings.
        var child = domain.pointee.children
        while let field = child {
            child = field.pointee.next
            guard field.pointee.type == XML_ELEMENT_NODE else { continue }
            guard let name = field.pointee.name, let href = field.pointee.ns?.pointee.href,
                  xmlStrEqual(href, namespace.rawValue) == 1,
                  let known = Field.allCases.first(where: { xmlStrEqual(name, $0.rawValue) == 1 })
            else { throw unexpected(field, in: "Domaine") }
            guard fields[known.index] == nil else { throw duplicate(known.rawValue, in: "Domaine") }
            guard let text = field.leafText else { throw notText(known.rawValue) }
            fields[known.index] = text.trimmed
        }
        func value(_ field: Field) -> String? { fields[field.index] }
        func required(_ field: Field) throws(WhitelistFormatError) -> String {
            guard let value = fields[field.index], !value.isEmpty else { throw missing(field.rawValue, in: "Domaine") }
            return value
        }
        var updatedAt: Date?
        if let text = value(.dateMAJ), !text.isEmpty {
            guard let date = UTCTimestamp.parse(text) else {
                throw WhitelistFormatError(code: "xml.invalid_timestamp", message: "DateMAJ \(text.debugDescription) is not yyyy-MM-ddTHH:mm:ssZ")
            }
            updatedAt = date
        }
        return WhitelistEntry(
            identifiant: try required(.identifiant),
            db: try required(.db),
            vi: try required(.vi),
            denomination: value(.denomination) ?? "",
            certificateDN: try required(.certificateDN),
            responsableContact: value(.responsableContact).flatMap { $0.isEmpty ? nil : $0 },
            supportContact: value(.supportContact).flatMap { $0.isEmpty ? nil : $0 },
            updatedAt: updatedAt
        )
    }

    /// The children of `Domaine`.
    private enum Field: String, CaseIterable {
        case identifiant = "Identifiant", db, vi, denomination = "Denomination"
        case certificateDN = "DNCertificatOperateur", responsableContact = "ResponsableContact"
        case supportContact = "SupportContact", dateMAJ = "DateMAJ"

        var index: Int {
            switch self {
            case .identifiant: 0
            case .db: 1
            case .vi: 2
            case .denomination: 3
            case .certificateDN: 4
            case .responsableContact: 5
            case .supportContact: 6
            case .dateMAJ: 7
            }
        }
    }

    private static func unexpected(_ node: xmlNodePtr, in parent: String) -> WhitelistFormatError {
        WhitelistFormatError(
            code: "xml.unexpected_element",
            message: "unexpected element {\(node.namespaceURI ?? "")}\(node.localName) in \(parent)"
        )
    }

    private static func duplicate(_ name: String, in parent: String) -> WhitelistFormatError {
        WhitelistFormatError(code: "xml.duplicate_element", message: "\(name) appears twice in \(parent)")
    }

    private static func missing(_ name: String, in parent: String) -> WhitelistFormatError {
        WhitelistFormatError(code: "xml.missing_element", message: "\(parent) has no \(name)")
    }

    private static func notText(_ name: String) -> WhitelistFormatError {
        WhitelistFormatError(code: "xml.unexpected_element", message: "\(name) must contain text only")
    }
}
