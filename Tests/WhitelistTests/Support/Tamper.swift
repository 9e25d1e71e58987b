import CLibXML2
import Crypto
import Foundation
@testable import Whitelist

/// Builds attack files from a genuine signed list: plain edits (the signature no longer matches)
/// or edits followed by recomputing digests and the signature with a key the test holds, to show
/// that a refusal comes from the rule under test and not from a broken signature.
enum Tamper {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Replaces exactly one occurrence (fails the test if there is none).
    static func replacing(_ text: String, _ old: String, with new: String) throws -> String {
        guard let range = text.range(of: old) else {
            throw TamperError("\(old) not found")
        }
        return text.replacingCharacters(in: range, with: new)
    }

    /// Recomputes the document and SignedProperties digests, then the signature value.
    static func redigestAndResign(_ text: String, key: SigningKey = Fixtures.rsaPKI.signerKey) throws -> String {
        var current = text
        do {
            let tree = try XMLTree(parsing: bytes(current))
            let signature = try element("Signature", in: tree)
            let digest = try ExclusiveCanonicalizer.canonicalBytes(tree, .documentExcluding(signature))
            current = try replaceDigest(in: current, referenceMarker: "URI=\"\"", value: Array(SHA256.hash(data: digest)))
        }
        do {
            let tree = try XMLTree(parsing: bytes(current))
            if let properties = try? element("SignedProperties", in: tree) {
                let canonical = try ExclusiveCanonicalizer.canonicalBytes(tree, .subtree(properties))
                current = try replaceDigest(
                    in: current,
                    referenceMarker: "Type=\"\(XMLDSig.signedPropertiesType)\"",
                    value: Array(SHA256.hash(data: canonical))
                )
            }
        }
        return try resign(current, key: key)
    }

    /// Recomputes the signature value over the (possibly edited) SignedInfo.
    static func resign(_ text: String, key: SigningKey = Fixtures.rsaPKI.signerKey) throws -> String {
        let tree = try XMLTree(parsing: bytes(text))
        let signedInfo = try element("SignedInfo", in: tree)
        let canonical = try ExclusiveCanonicalizer.canonicalBytes(tree, .subtree(signedInfo))
        let value = Data(try key.signatureValue(for: canonical)).base64EncodedString()
        let pattern = try Regex(#"(<ds:SignatureValue[^>]*>)[^<]*(</ds:SignatureValue>)"#)
        guard let match = text.firstMatch(of: pattern) else { throw TamperError("no SignatureValue") }
        let open = match.output[1].substring ?? ""
        let close = match.output[2].substring ?? ""
        return text.replacingCharacters(in: match.range, with: "\(open)\(value)\(close)")
    }

    private static func replaceDigest(in text: String, referenceMarker: String, value: [UInt8]) throws -> String {
        guard let marker = text.range(of: referenceMarker),
              let open = text.range(of: "<ds:DigestValue>", range: marker.upperBound..<text.endIndex),
              let close = text.range(of: "</ds:DigestValue>", range: open.upperBound..<text.endIndex)
        else { throw TamperError("no DigestValue after \(referenceMarker)") }
        return text.replacingCharacters(in: open.upperBound..<close.lowerBound, with: Data(value).base64EncodedString())
    }

    private static func element(_ name: String, in tree: XMLTree) throws -> xmlNodePtr {
        guard let root = tree.rootElement, let found = WhitelistSigner.findElement(name, under: root) else {
            throw TamperError("no \(name) element")
        }
        return found
    }
}

struct TamperError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
