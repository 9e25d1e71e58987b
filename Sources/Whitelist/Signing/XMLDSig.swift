import Crypto
import Foundation

/// The algorithm and element identifiers of XMLDSig and XAdES used here.
enum XMLDSig {
    static let namespace = "http://www.w3.org/2000/09/xmldsig#"
    static let xadesNamespace = "http://uri.etsi.org/01903/v1.3.2#"
    static let filter2Namespace = "http://www.w3.org/2002/06/xmldsig-filter2"

    static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    static let xpathFilter2 = "http://www.w3.org/2002/06/xmldsig-filter2"
    static let signedPropertiesType = "http://uri.etsi.org/01903#SignedProperties"

    /// The digest algorithms accepted (SHA-1 and anything unknown are refused).
    enum Digest: String, CaseIterable, Sendable {
        case sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
        case sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
        case sha512 = "http://www.w3.org/2001/04/xmlenc#sha512"

        func hash(_ bytes: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: return Array(SHA256.hash(data: bytes))
            case .sha384: return Array(SHA384.hash(data: bytes))
            case .sha512: return Array(SHA512.hash(data: bytes))
            }
        }

        /// An incremental hasher, for the large document reference.
        func makeHasher() -> StreamingHasher {
            switch self {
            case .sha256: return .sha256(SHA256())
            case .sha384: return .sha384(SHA384())
            case .sha512: return .sha512(SHA512())
            }
        }
    }

    enum StreamingHasher {
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)

        mutating func update(_ buffer: UnsafeRawBufferPointer) {
            switch self {
            case .sha256(var hasher): hasher.update(bufferPointer: buffer); self = .sha256(hasher)
            case .sha384(var hasher): hasher.update(bufferPointer: buffer); self = .sha384(hasher)
            case .sha512(var hasher): hasher.update(bufferPointer: buffer); self = .sha512(hasher)
            }
        }

        func finalize() -> [UInt8] {
            switch self {
            case .sha256(let hasher): return Array(hasher.finalize())
            case .sha384(let hasher): return Array(hasher.finalize())
            case .sha512(let hasher): return Array(hasher.finalize())
            }
        }
    }

    /// The signature algorithms accepted: RSA PKCS#1 v1.5 and ECDSA, with SHA-2 only.
    enum SignatureMethod: String, CaseIterable, Sendable {
        case rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        case rsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
        case rsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
        case ecdsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
        case ecdsaSHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
        case ecdsaSHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

        var digest: Digest {
            switch self {
            case .rsaSHA256, .ecdsaSHA256: return .sha256
            case .rsaSHA384, .ecdsaSHA384: return .sha384
            case .rsaSHA512, .ecdsaSHA512: return .sha512
            }
        }

        var isRSA: Bool {
            switch self {
            case .rsaSHA256, .rsaSHA384, .rsaSHA512: return true
            default: return false
            }
        }
    }
}
