import CLibXML2

/// Finds nodes that must never appear in a list: comments and processing instructions (exclusive
/// C14N without comments would keep comments out of the digest, so they could be added after
/// signing), entity references, DTD and XInclude nodes.
enum ForbiddenNodeScanner {
    enum Finding: Equatable, CustomStringConvertible {
        case comment
        case processingInstruction(String)
        case entityReference(String)
        case other(String)

        var description: String {
            switch self {
            case .comment: return "an XML comment"
            case .processingInstruction(let target): return "a processing instruction <?\(target)?>"
            case .entityReference(let name): return "an entity reference &\(name);"
            case .other(let kind): return "a \(kind) node"
            }
        }
    }

    /// The first forbidden node in document order, anywhere in the document (also outside the
    /// root element).
    static func firstForbiddenNode(in tree: XMLTree) -> Finding? {
        var child = tree.document.pointee.children
        while let top = child {
            if let finding = firstForbiddenNode(under: top) { return finding }
            child = top.pointee.next
        }
        return nil
    }

    private static func firstForbiddenNode(under start: xmlNodePtr) -> Finding? {
        var finding: Finding?
        do {
            try XMLWalk.forEachNode(from: start) { (node: xmlNodePtr) throws(WhitelistVerificationError) in
                if let found = classify(node) {
                    finding = found
                    throw WhitelistVerificationError(.forbiddenNode, "") // Stops the walk.
                }
            }
        } catch {}
        return finding
    }

    private static func classify(_ node: xmlNodePtr) -> Finding? {
        switch node.pointee.type {
        case XML_ELEMENT_NODE, XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            return nil
        case XML_COMMENT_NODE:
            return .comment
        case XML_PI_NODE:
            return .processingInstruction(node.localName)
        case XML_ENTITY_REF_NODE, XML_ENTITY_NODE, XML_ENTITY_DECL:
            return .entityReference(node.localName)
        case XML_DTD_NODE, XML_DOCUMENT_TYPE_NODE, XML_ELEMENT_DECL, XML_ATTRIBUTE_DECL, XML_NOTATION_NODE:
            return .other("DTD")
        case XML_XINCLUDE_START, XML_XINCLUDE_END:
            return .other("XInclude")
        default:
            return .other("unexpected (type \(node.pointee.type.rawValue))")
        }
    }
}
