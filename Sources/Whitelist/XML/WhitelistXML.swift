import CLibXML2
import Foundation

/// The `ListeBlancheDRIM-M` XML format (`versionFormat="1.0.0"`), as ANS publishes it.
public enum WhitelistXML {
    public static let rootElementName = "ListeBlancheDRIM-M"
    public static let versionFormat = "1.0.0"

    /// Renders an unsigned list: entries validated (see `WhitelistEntryValidator`) and sorted by
    /// `Identifiant` then `db`, text escaped, `DateDeGeneration` in whole UTC seconds.
    public static func render(
        _ document: WhitelistDocument,
        namespace: WhitelistNamespace = .default
    ) throws(WhitelistFormatError) -> [UInt8] {
        let entries = try WhitelistEntryValidator.validated(document.entries)
        let sorted = WhitelistDocument(generatedAt: document.generatedAt, entries: entries).sortedEntries
        var xml = ""
        xml.reserveCapacity(512 + sorted.count * 560)
        xml += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(rootElementName) xmlns=\""
        XMLText.appendEscaped(namespace.rawValue, to: &xml)
        xml += "\" versionFormat=\"\(versionFormat)\">\n"
        xml += "    <DateDeGeneration>\(UTCTimestamp.format(document.generatedAt))</DateDeGeneration>\n"
        xml += "    <ListeDomaines>\n"
        for entry in sorted {
            xml += "        <Domaine>\n"
            appendElement("Identifiant", entry.identifiant, to: &xml)
            appendElement("db", entry.db, to: &xml)
            appendElement("vi", entry.vi ?? "", to: &xml)  // validated: never nil here
            appendElement("Denomination", entry.denomination, to: &xml)
            appendElement("DNCertificatOperateur", entry.certificateDN, to: &xml)
            if let contact = entry.responsableContact { appendElement("ResponsableContact", contact, to: &xml) }
            if let contact = entry.supportContact { appendElement("SupportContact", contact, to: &xml) }
            if let date = entry.updatedAt { appendElement("DateMAJ", UTCTimestamp.format(date), to: &xml) }
            xml += "        </Domaine>\n"
        }
        xml += "    </ListeDomaines>\n</\(rootElementName)>\n"
        return Array(xml.utf8)
    }

    /// Reads a list without checking any signature (use `WhitelistVerifier` for that).
    ///
    /// Tolerant of the data quirks of real lists, strict on structure: unknown elements, text
    /// between elements, DOCTYPE, comments and processing instructions are refused. A `Signature`
    /// child of the root is skipped.
    public static func parse(_ bytes: [UInt8]) throws(WhitelistFormatError) -> WhitelistDocument {
        try parseWithNamespace(bytes).document
    }

    /// Like `parse`, also telling which namespace the list uses.
    public static func parseWithNamespace(
        _ bytes: [UInt8]
    ) throws(WhitelistFormatError) -> (document: WhitelistDocument, namespace: WhitelistNamespace) {
        let tree: XMLTree
        do {
            tree = try XMLTree(parsing: bytes)
        } catch {
            switch error {
            case .doctype:
                throw WhitelistFormatError(code: "xml.doctype", message: "a DOCTYPE or entity declaration is not allowed")
            case .malformed(let reason):
                throw WhitelistFormatError(code: "xml.malformed", message: "not well-formed XML: \(reason)")
            }
        }
        if let forbidden = ForbiddenNodeScanner.firstForbiddenNode(in: tree) {
            throw WhitelistFormatError(code: "xml.forbidden_node", message: "\(forbidden.description) is not allowed")
        }
        return try WhitelistTreeReader.read(tree)
    }

    private static func appendElement(_ name: String, _ value: String, to xml: inout String) {
        xml += "            <\(name)>"
        XMLText.appendEscaped(value, to: &xml)
        xml += "</\(name)>\n"
    }
}
