import CLibXML2

/// Exclusive XML canonicalisation 1.0 without comments, done by libxml2 (`xmlC14NExecute`).
///
/// Two node sets are needed for XMLDSig: the whole document minus the enveloped `Signature`
/// subtree (reference `URI=""`), and one element's subtree (`SignedInfo`, `SignedProperties`).
enum ExclusiveCanonicalizer {
    enum Selection {
        /// Every node of the document except the subtree rooted at this element.
        case documentExcluding(xmlNodePtr?)
        /// The subtree rooted at this element.
        case subtree(xmlNodePtr)
    }

    /// Feeds the canonical bytes to `sink`, chunk by chunk, as libxml2 produces them.
    static func canonicalize(
        _ tree: XMLTree,
        _ selection: Selection,
        into sink: (UnsafeRawBufferPointer) -> Void
    ) throws(CanonicalizationError) {
        try withoutActuallyEscaping(sink) { escapableSink throws(CanonicalizationError) in
            let context = CallbackContext(selection: selection, sink: escapableSink)
            let unmanaged = Unmanaged.passRetained(context)
            defer { unmanaged.release() }
            let opaque = unmanaged.toOpaque()
            guard let output = xmlOutputBufferCreateIO(
                { context, buffer, length in
                    guard let context, let buffer, length >= 0 else { return -1 }
                    let box = Unmanaged<CallbackContext>.fromOpaque(context).takeUnretainedValue()
                    box.sink(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    return length
                },
                nil,
                opaque,
                nil
            ) else {
                throw CanonicalizationError()
            }
            let status = xmlC14NExecute(
                tree.document,
                { userData, node, parent in
                    guard let userData else { return 0 }
                    let box = Unmanaged<CallbackContext>.fromOpaque(userData).takeUnretainedValue()
                    return box.isVisible(node: node, parent: parent) ? 1 : 0
                },
                opaque,
                Int32(XML_C14N_EXCLUSIVE_1_0.rawValue),
                nil,
                0,
                output
            )
            let closeStatus = xmlOutputBufferClose(output)
            guard status >= 0, closeStatus >= 0 else { throw CanonicalizationError() }
        }
    }

    /// The canonical bytes, collected in memory (for the small `SignedInfo`).
    static func canonicalBytes(_ tree: XMLTree, _ selection: Selection) throws(CanonicalizationError) -> [UInt8] {
        var bytes: [UInt8] = []
        try canonicalize(tree, selection) { chunk in bytes.append(contentsOf: chunk) }
        return bytes
    }

    private final class CallbackContext {
        let selection: Selection
        let sink: (UnsafeRawBufferPointer) -> Void

        init(selection: Selection, sink: @escaping (UnsafeRawBufferPointer) -> Void) {
            self.selection = selection
            self.sink = sink
        }

        func isVisible(node: xmlNodePtr?, parent: xmlNodePtr?) -> Bool {
            // Namespace nodes are `xmlNs`, not `xmlNode`: judge them by the element they belong to.
            let subject: xmlNodePtr?
            if let node, node.pointee.type != XML_NAMESPACE_DECL {
                subject = node
            } else {
                subject = parent
            }
            guard let subject else {
                if case .documentExcluding = selection { return true }
                return false
            }
            switch selection {
            case .documentExcluding(let excluded):
                guard let excluded else { return true }
                return !subject.isDescendant(ofOrSame: excluded)
            case .subtree(let root):
                return subject.isDescendant(ofOrSame: root)
            }
        }
    }
}

struct CanonicalizationError: Error {}
