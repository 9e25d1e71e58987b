import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A real HTTPS server on 127.0.0.1 (ephemeral port) for the probe tests: it presents the given
/// certificate, records the SNI and `Host` it is sent, and answers each path as told — or holds
/// the answer until the test calls `release()`, so that "slow" needs no sleep.
final class TestHTTPSServer: Sendable {
    enum Reply: Sendable {
        case respond(status: Int, body: String, contentType: String = "application/json")
        /// No answer until `release()`; then 200 with a health UP body.
        case hold
    }

    let port: Int
    private let channel: any Channel
    private let gate: EventLoopPromise<Void>
    private let sni: NIOLockedValueBox<[String]>
    private let hosts: NIOLockedValueBox<[String]>

    var seenSNI: [String] { sni.withLockedValue { $0 } }
    var seenHosts: [String] { hosts.withLockedValue { $0 } }

    private init(port: Int, channel: any Channel, gate: EventLoopPromise<Void>, sni: NIOLockedValueBox<[String]>, hosts: NIOLockedValueBox<[String]>) {
        self.port = port
        self.channel = channel
        self.gate = gate
        self.sni = sni
        self.hosts = hosts
    }

    /// `reply` is asked for each request path; the default answers `/q/health` UP and anything
    /// else 200 (the viewer).
    static func start(
        serving identity: IssuedCertificate,
        requireClientCertificateFrom clientCA: TestCA? = nil,
        reply: @escaping @Sendable (String) -> Reply = { _ in .respond(status: 200, body: #"{"status":"UP","checks":[]}"#) }
    ) async throws -> TestHTTPSServer {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: identity.derBytes, format: .der))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.keyPEM.utf8), format: .pem))
        )
        if let clientCA {
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(clientCA.pem.utf8), format: .pem)])
        }
        let sni = NIOLockedValueBox<[String]>([])
        tls.sslContextCallback = { values, promise in
            sni.withLockedValue { $0.append(values.serverHostname ?? "") }
            promise.succeed(NIOSSLContextConfigurationOverride())
        }
        let context = try NIOSSLContext(configuration: tls)
        let group = MultiThreadedEventLoopGroup.singleton
        let gate = group.next().makePromise(of: Void.self)
        let hosts = NIOLockedValueBox<[String]>([])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(Responder(reply: reply, gate: gate.futureResult, hosts: hosts))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPSServer(port: channel.localAddress!.port!, channel: channel, gate: gate, sni: sni, hosts: hosts)
    }

    /// Lets held answers go.
    func release() { gate.succeed(()) }

    func stop() async throws {
        release()
        try await channel.close()
    }

    /// A port on 127.0.0.1 nobody listens on (bound, then closed).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}

private final class Responder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let reply: @Sendable (String) -> TestHTTPSServer.Reply
    let gate: EventLoopFuture<Void>
    let hosts: NIOLockedValueBox<[String]>
    var path = ""

    init(reply: @escaping @Sendable (String) -> TestHTTPSServer.Reply, gate: EventLoopFuture<Void>, hosts: NIOLockedValueBox<[String]>) {
        self.reply = reply
        self.gate = gate
        self.hosts = hosts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            hosts.withLockedValue { $0.append(head.headers.first(name: "Host") ?? "") }
        case .body:
            break
        case .end:
            switch reply(path) {
            case .respond(let status, let body, let contentType):
                respond(context: context, status: status, body: body, contentType: contentType)
            case .hold:
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                gate.hop(to: context.eventLoop).whenComplete { _ in
                    let (handler, context) = bound.value
                    handler.respond(context: context, status: 200, body: #"{"status":"UP"}"#, contentType: "application/json")
                }
            }
        }
    }

    func respond(context: ChannelHandlerContext, status: Int, body: String, contentType: String) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
