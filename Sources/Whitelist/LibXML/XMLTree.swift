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
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                xmlReadMemory(chars, Int32(buffer.count), nil, nil, options)
            }
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
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return false }
        return withUnsafeBufferPointer { haystack in
            var index = 0
            let last = haystack.count - needle.count
            while index <= last {
                if haystack[index] == first {
                    var matched = true
                    for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    if matched { return true }
                }
                index += 1
            }
            return false
        }
    }
}
