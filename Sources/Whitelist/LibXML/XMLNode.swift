import CLibXML2

/// Small read-only helpers over libxml2 nodes. Valid only while the owning `XMLTree` is alive.
extension UnsafeMutablePointer where Pointee == xmlNode {
    var nodeType: xmlElementType { pointee.type }

    var isElement: Bool { pointee.type == XML_ELEMENT_NODE }

    var localName: String {
        guard let name = pointee.name else { return "" }
        return String(cString: name)
    }

    var namespaceURI: String? {
        guard let ns = pointee.ns, let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    func isElement(_ name: String, namespace: String) -> Bool {
        guard isElement, let ownName = pointee.name, xmlStrEqual(ownName, name) == 1 else { return false }
        return namespaceURI == namespace
    }

    /// Element children, in document order.
    var elementChildren: [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = pointee.children
        while let current = child {
            if current.isElement { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// True when every non-element child is whitespace-only text (the layout between elements).
    var hasOnlyWhitespaceText: Bool {
        var child = pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                break
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    var pointer = content
                    while pointer.pointee != 0 {
                        switch pointer.pointee {
                        case 0x20, 0x09, 0x0A, 0x0D: break
                        default: return false
                        }
                        pointer += 1
                    }
                }
            default:
                return false
            }
            child = current.pointee.next
        }
        return true
    }

    /// The concatenated text of a leaf element; nil when it has element (or other) children.
    var leafText: String? {
        if let only = pointee.children, only.pointee.next == nil, only.pointee.type == XML_TEXT_NODE {
            return only.pointee.content.map { String(cString: $0) } ?? ""
        }
        var text = ""
        var child = pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    text += String(cString: content)
                }
            default:
                return nil
            }
            child = current.pointee.next
        }
        return text
    }

    /// The value of an attribute without namespace, or nil.
    func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(self, name) else { return nil }
        defer { edc_xml_free(value) }
        return String(cString: value)
    }

    /// Names of every attribute of this element (local names; namespaced ones prefixed by `{uri}`).
    var attributeNames: [String] {
        var names: [String] = []
        var attribute = pointee.properties
        while let current = attribute {
            let local = current.pointee.name.map { String(cString: $0) } ?? ""
            if let ns = current.pointee.ns, let href = ns.pointee.href {
                names.append("{\(String(cString: href))}\(local)")
            } else {
                names.append(local)
            }
            attribute = current.pointee.next
        }
        return names
    }

    /// The namespace URI bound to `prefix` where this node sits, or nil.
    func namespaceURI(forPrefix prefix: String, in document: xmlDocPtr) -> String? {
        guard let ns = xmlSearchNs(document, self, prefix), let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    /// True when `ancestor` is this node or one of its ancestors.
    func isDescendant(ofOrSame ancestor: xmlNodePtr) -> Bool {
        var current: xmlNodePtr? = self
        while let node = current {
            if node == ancestor { return true }
            current = node.pointee.parent
        }
        return false
    }
}

/// Document-order traversal without allocating child arrays (lists have ~300,000 nodes).
enum XMLWalk {
    /// Calls `body` for `start` and every node below it (all node types), in document order.
    static func forEachNode(from start: xmlNodePtr, _ body: (xmlNodePtr) throws(WhitelistVerificationError) -> Void) throws(WhitelistVerificationError) {
        var node: xmlNodePtr? = start
        while let current = node {
            try body(current)
            if current.pointee.type == XML_ELEMENT_NODE, let child = current.pointee.children {
                node = child
                continue
            }
            var climb: xmlNodePtr? = current
            node = nil
            while let up = climb, up != start {
                if let next = up.pointee.next {
                    node = next
                    break
                }
                climb = up.pointee.parent
            }
        }
    }
}

/// Byte-level checks on libxml2 strings, without bridging to Swift `String`.
enum CString {
    /// True when the NUL-terminated `pointer` holds exactly `bytes`.
    static func equals(_ pointer: UnsafePointer<xmlChar>?, _ bytes: [UInt8]) -> Bool {
        guard let pointer else { return false }
        for (index, byte) in bytes.enumerated() where pointer[index] != byte {
            return false
        }
        return pointer[bytes.count] == 0
    }

    /// True when the NUL-terminated text is only XML whitespace (or absent).
    static func isWhitespace(_ pointer: UnsafePointer<xmlChar>?) -> Bool {
        guard var cursor = pointer else { return true }
        while cursor.pointee != 0 {
            switch cursor.pointee {
            case 0x20, 0x09, 0x0A, 0x0D: cursor += 1
            default: return false
            }
        }
        return true
    }
}
