import Foundation
import CLibXML2

/// A parsed libxml2 document, freed when this object goes away.
///
/// Not `Sendable`: a libxml2 tree must stay on the task that parsed it. Every use in this module
/// parses, reads and drops the tree inside one synchronous call.
final class XMLTree {
    let document: xmlDocPtr

    /// Parses `bytes` without network access, entity substitution or DTD loading, and without
    /// libxml2 writing anything to stderr.
    ///
    /// A DOCTYPE is refused before parsing (a byte scan) and after (the tree's DTD pointers), so
    /// that no entity declaration can ever take effect.
    init(parsing bytes: [UInt8]) throws(XMLTreeError) {
        LibXML.initializeOnce()
        if bytes.containsSubsequence(Array("<!DOCTYPE".utf8)) || bytes.containsSubsequence(Array("<!ENTITY".utf8)) {
            throw .doctype
        }
        guard bytes.count < Int(Int32.max) else { throw .malformed("document too large for the parser") }
        // COMPACT stores short text inline in its node (the tree is never modified): less memory.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_COMPACT.rawValue)
        // Fed through an I/O callback rather than `xmlReadMemory`, which copies the whole input
        // into a second buffer first (libxml2 2.9): that copy was 6 MB for a 10,000-entry list.
        let parsed: xmlDocPtr? = bytes.withUnsafeBytes { buffer in
            let source = InputSource(buffer)
            let unmanaged = Unmanaged.passRetained(source)
            defer { unmanaged.release() }
            return xmlReadIO(
                { context, destination, length in
                    guard let context, let destination, length > 0 else { return 0 }
                    let source = Unmanaged<InputSource>.fromOpaque(context).takeUnretainedValue()
                    let count = min(Int(length), source.buffer.count - source.offset)
                    if count > 0 {
                        UnsafeMutableRawPointer(destination).copyMemory(
                            from: source.buffer.baseAddress! + source.offset, byteCount: count)
                        source.offset += count
                    }
                    return Int32(count)
                },
                nil,
                unmanaged.toOpaque(),
                nil,
                nil,
                options
            )
        }
        guard let parsed else {
            throw .malformed(LibXML.lastErrorMessage() ?? "not well-formed XML")
        }
        if parsed.pointee.intSubset != nil || parsed.pointee.extSubset != nil {
            xmlFreeDoc(parsed)
            throw .doctype
        }
        self.document = parsed
    }

    deinit {
        xmlFreeDoc(document)
    }

    var rootElement: xmlNodePtr? {
        xmlDocGetRootElement(document)
    }
}

/// The bytes being parsed and how far libxml2 has read; lives only during `xmlReadIO`.
private final class InputSource {
    let buffer: UnsafeRawBufferPointer
    var offset = 0

    init(_ buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }
}

/// Why libxml2 could not give us a usable tree.
enum XMLTreeError: Error, Equatable {
    case doctype
    case malformed(String)
}

enum LibXML {
    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    static func initializeOnce() {
        _ = initialized
    }

    static func lastErrorMessage() -> String? {
        guard let error = xmlGetLastError(), let message = error.pointee.message else { return nil }
        let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
        return "line \(error.pointee.line): \(text)"
    }
}

extension Array where Element == UInt8 {
    /// `memchr` to each candidate first byte, then a compare: fast on multi-megabyte lists.
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needleBytes in
                guard let base = haystack.baseAddress else { return false }
                var offset = 0
                let lastStart = haystack.count - needleBytes.count
                while offset <= lastStart {
                    guard let found = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return false }
                    let position = base.distance(to: UnsafeRawPointer(found))
                    if memcmp(base + position, needleBytes.baseAddress!, needleBytes.count) == 0 { return true }
                    offset = position + 1
                }
                return false
            }
        }
    }
}
