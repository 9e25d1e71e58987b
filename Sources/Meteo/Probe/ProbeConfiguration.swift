import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The CAs a probed server's chain must reach: `EDC_METEO_CA_FILE`, the system's bundle, or
/// certificates given in memory (tests, the demo's test CA).
public struct TrustRoots: Sendable {
    public var certificates: [Certificate]

    public init(certificates: [Certificate]) {
        self.certificates = certificates
    }

    /// The bundles looked for, in order, when no CA file is given.
    public static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]

    /// The system's CA bundle.
    public static func system() throws(ProbeSetupError) -> TrustRoots {
        guard let path = systemBundles.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw ProbeSetupError("no system CA bundle found (looked for \(systemBundles.joined(separator: ", "))); give a CA file")
        }
        return try pemFile(path)
    }

    /// Every certificate of a PEM file (other blocks are ignored); at least one.
    public static func pemFile(_ path: String) throws(ProbeSetupError) -> TrustRoots {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProbeSetupError("cannot read the CA file \(path): \(error.localizedDescription)")
        }
        return try pem(text, what: path)
    }

    /// Every certificate of a PEM text; at least one.
    public static func pem(_ text: String, what: String = "CA PEM") throws(ProbeSetupError) -> TrustRoots {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: text)
        } catch {
            throw ProbeSetupError("\(what) is not valid PEM: \(error)")
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            // A system bundle may hold a certificate swift-certificates cannot read; skip it
            // rather than refuse every other root.
            if let certificate = try? Certificate(derEncoded: document.derBytes) { certificates.append(certificate) }
        }
        guard !certificates.isEmpty else { throw ProbeSetupError("\(what) holds no readable CERTIFICATE") }
        return TrustRoots(certificates: certificates)
    }

    /// These roots and `other`'s (the demo trusts its test CA in addition to a given CA file).
    public func adding(_ other: TrustRoots) -> TrustRoots {
        TrustRoots(certificates: certificates + other.certificates)
    }
}

/// The client certificate the probe presents to DRIMboxes that require mutual TLS
/// (`EDC_METEO_CLIENT_CERT` / `EDC_METEO_CLIENT_KEY`).
public struct ClientIdentity: Sendable {
    let chain: [NIOSSLCertificate]
    let key: NIOSSLPrivateKey

    /// From PEM texts: the certificate (and any intermediates after it) and its private key.
    public init(certificateChainPEM: String, privateKeyPEM: String) throws(ProbeSetupError) {
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        } catch {
            throw ProbeSetupError("cannot read the client certificate or key: \(error)")
        }
        guard !chain.isEmpty else { throw ProbeSetupError("the client certificate file holds no certificate") }
    }

    public static func pemFiles(certificate: String, key: String) throws(ProbeSetupError) -> ClientIdentity {
        let certificateText: String
        let keyText: String
        do {
            certificateText = try String(contentsOfFile: certificate, encoding: .utf8)
            keyText = try String(contentsOfFile: key, encoding: .utf8)
        } catch {
            throw ProbeSetupError("cannot read the client certificate or key file: \(error.localizedDescription)")
        }
        return try ClientIdentity(certificateChainPEM: certificateText, privateKeyPEM: keyText)
    }
}

/// How probes are made. One configuration serves every probe of a prober.
public struct ProbeConfiguration: Sendable {
    /// The whole probe (DNS, connection, TLS, request, answer) must end within this many seconds.
    public var deadline: TimeInterval
    public var trust: TrustRoots
    public var clientIdentity: ClientIdentity?
    public var resolve: ResolveMap
    /// The port probed when the resolve map does not say.
    public var port: Int
    public var healthPath: String
    public var viewerPath: String
    public var maximumBodySize: Int
    public var userAgent: String

    public init(
        deadline: TimeInterval = 10,
        trust: TrustRoots,
        clientIdentity: ClientIdentity? = nil,
        resolve: ResolveMap = ResolveMap(),
        port: Int = 443,
        healthPath: String = "/q/health",
        viewerPath: String = "/",
        maximumBodySize: Int = HealthAnswer.maximumBodySize,
        userAgent: String = "EDC-Meteo/1"
    ) {
        self.deadline = deadline
        self.trust = trust
        self.clientIdentity = clientIdentity
        self.resolve = resolve
        self.port = port
        self.healthPath = healthPath
        self.viewerPath = viewerPath
        self.maximumBodySize = maximumBodySize
        self.userAgent = userAgent
    }
}

/// A prober that cannot be set up: unreadable CA file, client certificate or key.
public struct ProbeSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
