import Publication
import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor

/// An optional listener that serves only `/liste-blanche.xml`, straight from SwiftNIO.
///
/// DRIMboxes poll the list with conditional GETs; through Vapor each costs a `Request`, routing
/// and middleware (~20k 304/s on 2 cores). This listener answers from the in-memory snapshot
/// with a minimal HTTP/1.1 pipeline. Enabled by `EDC_WHITELIST_LISTEN=host:port`; the same
/// list stays available on the main port.
final class WhitelistListener: Sendable {
    private let current: CurrentWhitelist
    private let database: @Sendable () -> any Database
    private let logger: Logger
    private let channel = NIOLockedValueBox<(any Channel)?>(nil)
    private let refresher = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// The port actually bound (differs from the configured one when that was 0).
    var boundPort: Int? { channel.withLockedValue { $0?.localAddress?.port } }

    init(current: CurrentWhitelist, database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.current = current
        self.database = database
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    @discardableResult
    func start(host: String, port: Int, on group: any EventLoopGroup) async throws -> Int {
        let current = self.current
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A connection that sends nothing for 30 s (half a request head included) is closed.
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(30)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(WhitelistHTTPHandler(current: current))
                }
            }
        let bound = try await bootstrap.bind(host: host, port: port).get()
        channel.withLockedValue { $0 = bound }
        // Follow versions published by other instances (this process installs its own at once).
        let database = self.database
        refresher.withLockedValue {
            $0 = Task {
                while !Task.isCancelled {
                    _ = try? await current.current(on: database())
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        let boundPort = bound.localAddress?.port ?? port
        logger.notice("white list listener started", metadata: ["address": .string("http://\(host):\(boundPort)/liste-blanche.xml")])
        return boundPort
    }

    func stop() async {
        refresher.withLockedValue { $0?.cancel() }
        let channel = self.channel.withLockedValue { value in
            defer { value = nil }
            return value
        }
        try? await channel?.close()
    }
}

/// One connection: answers GET/HEAD `/liste-blanche.xml` (conditional or not), 404 otherwise.
private final class WhitelistHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let current: CurrentWhitelist
    private var head: HTTPRequestHead?

    init(current: CurrentWhitelist) {
        self.current = current
    }

    /// Idle connections are closed (see `IdleStateHandler` in the pipeline).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Backpressure: a client that pipelines requests without reading the answers stops being
    /// read from until its socket drains, instead of making responses pile up in memory.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in context.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        var body: ByteBuffer?
        if path != "/liste-blanche.xml" {
            status = .notFound
            body = context.channel.allocator.buffer(string: "Introuvable.\n")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
        } else if let snapshot = current.snapshot {
            WhitelistHTTP.addCacheHeaders(snapshot, to: &headers)
            if WhitelistHTTP.isNotModified(snapshot, ifNoneMatch: head.headers["If-None-Match"], ifModifiedSince: head.headers.first(name: "If-Modified-Since")) {
                status = .notModified
            } else {
                status = .ok
                headers.add(name: "Content-Type", value: WhitelistHTTP.contentType)
                body = snapshot.body
            }
        } else {
            status = .serviceUnavailable
            headers.add(name: "Retry-After", value: "5")
            body = context.channel.allocator.buffer(string: "Liste blanche pas encore publiée.\n")
        }
        let length = body?.readableBytes ?? 0
        headers.add(name: "Content-Length", value: String(length))
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if let body, head.method != .HEAD, status != .notModified {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let keepAlive = head.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in
            if !keepAlive { context.close(promise: nil) }
        }
        if !context.channel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in context.close(promise: nil) }
        }
    }
}
