import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Whitelist
import X509

/// `edc-agent check-peer FQDN --state-dir DIR`: connects to a listed DRIMbox and says whether its
/// server certificate's subject is the DN the list gives for that `db` FQDN, and whether its chain
/// verifies (trusted roots, validity, the FQDN in the certificate).
struct CheckPeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-peer",
        abstract: "Connect to a listed DRIMbox: is its server certificate the listed DN, and does its chain verify?",
        discussion: """
            Reads the installed list (run `sync` first), opens a TLS connection to FQDN (SNI FQDN) and \
            judges the certificate the peer presents. Exit codes: 0 subject is the listed DN and the \
            chain verifies for FQDN; 1 it does not, or FQDN is not a listed db FQDN; 2 usage error or \
            no verified list installed; 3 the peer is unreachable or the TLS handshake failed.
            """
    )

    @Argument(help: "The db FQDN of a listed DRIMbox.")
    var fqdn: String

    @Option(name: .customLong("state-dir"), help: "The directory `sync` writes to.")
    var stateDirectory: String

    @Option(name: .customLong("port"), help: "TCP port of the peer.")
    var port: Int = 443

    @Option(name: .customLong("connect-to"), help: "Connect to this address instead of resolving FQDN (SNI and checks still use FQDN), e.g. 127.0.0.1.")
    var connectTo: String?

    @Option(name: .customLong("ca-file"), help: "PEM file of the roots the peer's chain must reach (e.g. the IGC-Santé roots). Default: the system's CA bundle.")
    var caFile: String?

    @Option(name: .customLong("client-cert"), help: "PEM client certificate to present (peers requiring mutual TLS).")
    var clientCertificate: String?

    @Option(name: .customLong("client-key"), help: "PEM private key of --client-cert.")
    var clientKey: String?

    @Option(name: .customLong("timeout"), help: "Seconds allowed to connect and complete the handshake.")
    var timeout: Double = 10

    static let systemBundles = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"]

    func validate() throws {
        guard (clientCertificate == nil) == (clientKey == nil) else { throw ValidationError("--client-cert and --client-key go together.") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1...65535.") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive.") }
    }

    func run() async throws {
        let host = fqdn.lowercased().hasSuffix(".") ? String(fqdn.lowercased().dropLast()) : fqdn.lowercased()
        let peers = try InstalledPeers.load(stateDirectory)
        guard let peer = peers.entries.first(where: { $0.db.lowercased() == host }) else {
            Self.say("NOT LISTED: \(host) is not the db FQDN of a listed DRIMbox", error: true)
            throw AgentExit.invalid
        }
        let roots: [Certificate]
        do {
            let path = caFile ?? Self.systemBundles.first { FileManager.default.isReadableFile(atPath: $0) }
            guard let path else { throw ValidationError("no system CA bundle found; give --ca-file") }
            roots = try PEMFiles.certificates(in: PEMFiles.read(URL(fileURLWithPath: path)), what: path)
        } catch {
            Self.say("ERROR: \(error)", error: true)
            throw AgentExit.usageOrIO
        }

        let presented: [Certificate]
        do {
            presented = try await PeerHandshake(
                host: host, address: connectTo ?? host, port: port, timeout: timeout,
                clientCertificate: clientCertificate, clientKey: clientKey
            ).presentedChain()
        } catch let error as PeerHandshake.Failure {
            Self.say("UNREACHABLE: \(host):\(port): \(error.reason)", error: true)
            throw AgentExit.unreachable
        }
        guard let leaf = presented.first else {
            Self.say("UNREACHABLE: \(host):\(port) presented no certificate", error: true)
            throw AgentExit.unreachable
        }

        print("peer: \(host):\(port) — Identifiant \(peer.identifiant), \(peer.denomination)")
        print("certificate subject: \(CertificateNames.text(leaf.subject))")
        print("listed DN:           \(peer.dn)")
        let subjectMatches = CertificateNames.name(leaf.subject, matches: peer.dn)
        print(subjectMatches ? "subject: MATCHES the listed DN" : "subject: DIFFERS from the listed DN")
        print("certificate valid \(UTCTimestamp.format(leaf.notValidBefore)) to \(UTCTimestamp.format(leaf.notValidAfter)) (\(Int(leaf.notValidAfter.timeIntervalSinceNow / 86_400)) days left)")

        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy()
            ServerIdentityPolicy(serverHostname: host, serverIP: nil)
        }
        let chainVerifies: Bool
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(Array(presented.dropFirst()))) {
        case .validCertificate(let chain):
            chainVerifies = true
            print("chain: VERIFIES for \(host), up to \(CertificateNames.text(chain.last!.subject))")
        case .couldNotValidate(let failures):
            chainVerifies = false
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no path to a trusted root"
            print("chain: FAILS — \(reason)")
        }
        guard subjectMatches, chainVerifies else {
            Self.say("MISMATCH: \(host) " + [subjectMatches ? nil : "presents another subject than the listed DN", chainVerifies ? nil : "has a chain that does not verify"].compactMap { $0 }.joined(separator: " and "), error: true)
            throw AgentExit.invalid
        }
        print("OK: \(host) presents the listed DN with a verifying chain")
    }

    static func say(_ line: String, error: Bool) {
        (error ? FileHandle.standardError : FileHandle.standardOutput).write(Data((line + "\n").utf8))
    }
}

/// The list installed by `sync`, as its verified entries (`peers.json`, used only when it names
/// the installed file's hash).
enum InstalledPeers {
    static func load(_ stateDirectory: String) throws -> VerifiedListJSON {
        let directory = StateDirectory(url: URL(fileURLWithPath: stateDirectory))
        guard let bytes = directory.installedBytes(), let peers = try? directory.readPeers(),
              peers.listSHA256 == StateDirectory.sha256(bytes) else {
            FileHandle.standardError.write(Data("ERROR: no verified list installed in \(stateDirectory) (run edc-agent sync)\n".utf8))
            throw AgentExit.usageOrIO
        }
        return peers
    }
}

/// One TLS handshake that records the chain the server presents and judges nothing: the
/// judgement is made afterwards, with swift-certificates, so that every finding can be reported.
struct PeerHandshake {
    let host: String
    let address: String
    let port: Int
    let timeout: Double
    let clientCertificate: String?
    let clientKey: String?

    struct Failure: Error { let reason: String }

    func presentedChain() async throws -> [Certificate] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // Not `.none`, so that the callback below runs; no hostname check there: the judgement comes after.
        configuration.certificateVerification = .noHostnameVerification
        if let clientCertificate, let clientKey {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
            } catch {
                throw Failure(reason: "cannot read the client certificate or key: \(error)")
            }
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(reason: "TLS set-up: \(error)")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let recorder = ChainRecorder()
        let done = group.next().makePromise(of: Void.self)
        let host = self.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: context, serverHostname: host) { certificates, promise in
                        recorder.chain = certificates
                        promise.succeed(.certificateVerified)
                    }
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: done))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: address, port: port).get()
        } catch {
            done.fail(error)
            throw Failure(reason: "cannot connect to \(address):\(port): \(error)")
        }
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            done.fail(Failure(reason: "no TLS handshake within \(timeout) s"))
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            try await done.futureResult.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "TLS handshake failed: \(error)")
        }
        do {
            return try recorder.chain.map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            throw Failure(reason: "the peer presented an unreadable certificate: \(error)")
        }
    }

    /// Written on the channel's event loop before `done` succeeds, read after.
    final class ChainRecorder: @unchecked Sendable {
        var chain: [NIOSSLCertificate] = []
    }

    final class HandshakeWatcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<Void>
        init(done: EventLoopPromise<Void>) { self.done = done }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted = event as? TLSUserEvent ?? .shutdownCompleted { done.succeed(()) }
            context.fireUserInboundEventTriggered(event)
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }
        func channelInactive(context: ChannelHandlerContext) {
            done.fail(Failure(reason: "the peer closed the connection during the handshake"))
            context.fireChannelInactive()
        }
    }
}
