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
        let domains = list.elementChildren
        let namespaceBytes = Array(namespace.rawValue.utf8)
        var entries: [WhitelistEntry] = []
        entries.reserveCapacity(domains.count)
        for (index, domain) in domains.enumerated() {
            guard domain.localName == "Domaine", domain.namespaceURI == namespace.rawValue else {
                throw unexpected(domain, in: "ListeDomaines")
            }
            do {
                entries.append(try readDomain(domain, namespaceBytes: namespaceBytes))
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

    private static func readDomain(_ domain: xmlNodePtr, namespaceBytes: [UInt8]) throws(WhitelistFormatError) -> WhitelistEntry {
        var identifiant: String?, db: String?, vi: String?, denomination: String?, certificateDN: String?
        var responsableContact: String?, supportContact: String?, dateMAJ: String?
        // Hot loop (10,000 entries × 8 fields): one pass over the children, names and namespaces
        // compared as bytes, no allocation besides the values themselves.
        var child = domain.pointee.children
        while let field = child {
            child = field.pointee.next
            switch field.pointee.type {
            case XML_ELEMENT_NODE:
                break
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                guard CString.isWhitespace(field.pointee.content) else {
                    throw WhitelistFormatError(code: "xml.unexpected_text", message: "text outside elements in Domaine")
                }
                continue
            default:
                throw WhitelistFormatError(code: "xml.unexpected_text", message: "unexpected node in Domaine")
            }
            guard let name = field.pointee.name, CString.equals(field.pointee.ns?.pointee.href, namespaceBytes),
                  let known = Field.named.first(where: { CString.equals(name, $0.bytes) })?.field
            else { throw unexpected(field, in: "Domaine") }
            guard let text = field.leafText else { throw notText(known.rawValue) }
            let value = text.trimmed
            func store(_ slot: inout String?) throws(WhitelistFormatError) {
                guard slot == nil else { throw duplicate(known.rawValue, in: "Domaine") }
                slot = value
            }
            switch known {
            case .identifiant: try store(&identifiant)
            case .db: try store(&db)
            case .vi: try store(&vi)
            case .denomination: try store(&denomination)
            case .certificateDN: try store(&certificateDN)
            case .responsableContact: try store(&responsableContact)
            case .supportContact: try store(&supportContact)
            case .dateMAJ: try store(&dateMAJ)
            }
        }
        func required(_ value: String?, _ field: Field) throws(WhitelistFormatError) -> String {
            guard let value, !value.isEmpty else { throw missing(field.rawValue, in: "Domaine") }
            return value
        }
        var updatedAt: Date?
        if let text = dateMAJ, !text.isEmpty {
            guard let date = UTCTimestamp.parse(text) else {
                throw WhitelistFormatError(code: "xml.invalid_timestamp", message: "DateMAJ \(text.debugDescription) is not yyyy-MM-ddTHH:mm:ssZ")
            }
            updatedAt = date
        }
        return WhitelistEntry(
            identifiant: try required(identifiant, .identifiant),
            db: try required(db, .db),
            vi: vi.flatMap { $0.isEmpty ? nil : $0 },
            denomination: denomination ?? "",
            certificateDN: try required(certificateDN, .certificateDN),
            responsableContact: responsableContact.flatMap { $0.isEmpty ? nil : $0 },
            supportContact: supportContact.flatMap { $0.isEmpty ? nil : $0 },
            updatedAt: updatedAt
        )
    }

    /// The children of `Domaine`.
    private enum Field: String {
        case identifiant = "Identifiant", db, vi, denomination = "Denomination"
        case certificateDN = "DNCertificatOperateur", responsableContact = "ResponsableContact"
        case supportContact = "SupportContact", dateMAJ = "DateMAJ"

        static let all: [Field] = [
            .identifiant, .db, .vi, .denomination, .certificateDN, .responsableContact, .supportContact, .dateMAJ,
        ]

        static let named: [(field: Field, bytes: [UInt8])] = all.map { ($0, Array($0.rawValue.utf8)) }
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
