import EDCDomain
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import X509

/// Probes FQDN pairs: `db` is an HTTPS GET of `https://<db FQDN>/q/health` on a fresh connection,
/// `vi` a TLS handshake and any HTTP answer. Each probe has its own deadline covering DNS,
/// connection, handshake and answer. Certificates are judged with swift-certificates against
/// `configuration.trust`, for the FQDN probed (SNI and `Host` too), even when the resolve map sends
/// the connection elsewhere.
///
/// Thread-safe; one prober serves every probe. Probes never throw: every failure is a
/// `ProbeFailure` in the result.
public final class Prober: Sendable {
    public let configuration: ProbeConfiguration
    let group: any EventLoopGroup
    let sslContext: NIOSSLContext
    let roots: CertificateStore

    public init(configuration: ProbeConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(ProbeSetupError) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.roots = CertificateStore(configuration.trust.certificates)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // Replaced by the verification callback (which needs some verification mode to run).
        tls.certificateVerification = .noHostnameVerification
        if let identity = configuration.clientIdentity {
            tls.certificateChain = identity.chain.map { .certificate($0) }
            tls.privateKey = .privateKey(identity.key)
        }
        do {
            sslContext = try NIOSSLContext(configuration: tls)
        } catch {
            throw ProbeSetupError("TLS set-up failed: \(error)")
        }
    }

    /// Both FQDNs of a pair, at the same time.
    public func probe(_ target: ProbeTarget) async -> PairProbeResult {
        async let db = probeDB(target.pair.db.value, listedDN: target.listedDN)
        async let vi = probeViewer(target.pair.viewer.value)
        return await PairProbeResult(target: target, db: db, vi: vi)
    }

    /// `https://<host>/q/health`: a health answer, or why not; the certificate compared with `listedDN`.
    public func probeDB(_ host: String, listedDN: EDCDomain.DistinguishedName?) async -> ProbeResult {
        await run(kind: .db, host: host, listedDN: listedDN)
    }

    /// `https://<host>/`: any HTTP answer after a verified handshake.
    public func probeViewer(_ host: String) async -> ProbeResult {
        await run(kind: .vi, host: host, listedDN: nil)
    }

    private func run(kind: ProbeKind, host: String, listedDN: EDCDomain.DistinguishedName?) async -> ProbeResult {
        let eventLoop = group.next()
        let attempt = ProbeAttempt(
            kind: kind, host: Self.canonical(host), listedDN: listedDN,
            configuration: configuration, sslContext: sslContext, roots: roots, eventLoop: eventLoop
        )
        eventLoop.execute { attempt.start() }
        // The promise is always completed (the deadline guarantees it), so this cannot throw.
        return (try? await attempt.result.futureResult.get())
            ?? ProbeResult(kind: kind, host: host, address: nil, startedAt: Date(), duration: 0, outcome: .failed(.connectionFailed(detail: "probe abandoned")), certificate: nil)
    }

    static func canonical(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }
}

/// One probe of one FQDN, confined to its event loop: resolve → connect → TLS → request →
/// answer, with a deadline over the whole. Finishes exactly once.
final class ProbeAttempt: @unchecked Sendable {
    let kind: ProbeKind
    let host: String
    let listedDN: EDCDomain.DistinguishedName?
    let configuration: ProbeConfiguration
    let sslContext: NIOSSLContext
    let roots: CertificateStore
    let eventLoop: any EventLoop
    let result: EventLoopPromise<ProbeResult>

    private let startedAt = Date()
    private let deadline: NIODeadline
    private var finished = false
    private var stage: ProbeStage = .resolving
    private var channel: (any Channel)?
    private var address: String?
    private var certificate: ServerCertificate?
    private var tlsFailure: TLSFailureReason?
    private var deadlineTask: Scheduled<Void>?

    init(kind: ProbeKind, host: String, listedDN: EDCDomain.DistinguishedName?, configuration: ProbeConfiguration, sslContext: NIOSSLContext, roots: CertificateStore, eventLoop: any EventLoop) {
        self.kind = kind
        self.host = host
        self.listedDN = listedDN
        self.configuration = configuration
        self.sslContext = sslContext
        self.roots = roots
        self.eventLoop = eventLoop
        self.result = eventLoop.makePromise(of: ProbeResult.self)
        self.deadline = .now() + .nanoseconds(Int64(max(configuration.deadline, 0.001) * 1e9))
    }

    func start() {
        eventLoop.assertInEventLoop()
        deadlineTask = eventLoop.scheduleTask(deadline: deadline) { [self] in
            finish(.failed(.timeout(stage: stage)))
        }
        if let mapped = configuration.resolve.address(for: host) {
            do {
                connect(to: try SocketAddress(ipAddress: mapped.ip, port: mapped.port))
            } catch {
                finish(.failed(.connectionFailed(detail: "invalid mapped address \(mapped): \(error)")))
            }
            return
        }
        let host = self.host
        let port = configuration.port
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }.whenComplete { [self] outcome in
            switch outcome {
            case .success(let address): connect(to: address)
            case .failure(let error): finish(.failed(.dnsFailure(detail: Self.describeDNS(error, host: host))))
            }
        }
    }

    private func connect(to address: SocketAddress) {
        guard !finished else { return }
        stage = .connecting
        self.address = address.ipAddress.map { $0.contains(":") ? "[\($0)]:\(address.port ?? 0)" : "\($0):\(address.port ?? 0)" }
        let remaining = deadline - .now()
        ClientBootstrap(group: eventLoop)
            .connectTimeout(max(remaining, .milliseconds(1)))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    self.channel = channel
                    let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: host) { [self] presented, promise in
                        verify(presented, promise)
                    }
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ProbeResponseHandler(attempt: self, request: request))
                }
            }
            .connect(to: address)
            .whenComplete { [self] outcome in
                switch outcome {
                case .success(let channel):
                    if finished {
                        channel.close(promise: nil)
                    } else if stage == .connecting {
                        stage = .tlsHandshake
                    }
                case .failure(let error):
                    finish(.failed(Self.connectFailure(error)))
                }
            }
    }

    private var request: HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "User-Agent", value: configuration.userAgent)
        headers.add(name: "Accept", value: kind == .db ? "application/json" : "*/*")
        headers.add(name: "Connection", value: "close")
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: kind == .db ? configuration.healthPath : configuration.viewerPath, headers: headers)
    }

    // MARK: TLS

    private func verify(_ presented: [NIOSSLCertificate], _ promise: EventLoopPromise<NIOSSLVerificationResult>) {
        stage = .tlsHandshake
        let chain: [Certificate]
        do {
            chain = try presented.map { try Certificate(derEncoded: $0.toDERBytes()) }
        } catch {
            tlsFailure = .handshake(detail: "the server presented an unreadable certificate: \(error)")
            promise.succeed(.failed)
            return
        }
        guard let leaf = chain.first else {
            tlsFailure = .handshake(detail: "the server presented no certificate")
            promise.succeed(.failed)
            return
        }
        certificate = CertificateJudge.record(leaf, listedDN: listedDN)
        let judge = CertificateJudge(roots: roots, host: host)
        let intermediates = Array(chain.dropFirst())
        let loop = eventLoop
        Task { [self] in
            let refusal = await judge.judge(leaf: leaf, intermediates: intermediates)
            loop.execute { [self] in
                if let refusal {
                    tlsFailure = refusal
                    promise.succeed(.failed)
                } else {
                    promise.succeed(.certificateVerified)
                }
            }
        }
    }

    func handshakeCompleted() {
        if stage == .tlsHandshake || stage == .connecting { stage = .waitingForAnswer }
    }

    // MARK: Answer

    func answered(status: Int, body: ByteBuffer?) {
        guard kind == .db else {
            finish(.answered(httpStatus: status))
            return
        }
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        switch status {
        case 200:
            do {
                finish(.health(try HealthAnswer.parse(bytes, httpStatus: status), httpStatus: status))
            } catch {
                finish(.failed(.unreadableBody(detail: "\(error)")))
            }
        case 503:
            if let answer = try? HealthAnswer.parse(bytes, httpStatus: status) {
                finish(.health(answer, httpStatus: status))
            } else {
                finish(.failed(.httpStatus(status)))
            }
        default:
            finish(.failed(.httpStatus(status)))
        }
    }

    func failed(_ error: any Error) {
        if let tlsFailure {
            finish(.failed(.tls(tlsFailure)))
            return
        }
        switch error {
        case NIOSSLError.uncleanShutdown:
            finish(.failed(stage == .tlsHandshake
                ? .tls(.handshake(detail: "the server closed the connection during the TLS handshake"))
                : .connectionFailed(detail: "the server closed the connection before the end of its answer")))
        case NIOSSLError.handshakeFailed(let reason):
            finish(.failed(.tls(.handshake(detail: Self.tlsDetail(reason)))))
        case let error as NIOSSLError:
            finish(.failed(.tls(.handshake(detail: Self.tlsDetail(error)))))
        case let error as BoringSSLError:
            finish(.failed(.tls(.handshake(detail: Self.tlsDetail(error)))))
        case let error as HTTPParserError:
            finish(.failed(.unreadableBody(detail: "invalid HTTP answer: \(error)")))
        case let error as IOError where stage == .tlsHandshake:
            finish(.failed(.tls(.handshake(detail: "connection lost during the TLS handshake: \(error)"))))
        default:
            finish(.failed(.connectionFailed(detail: "\(error)")))
        }
    }

    func closed(afterHead: Bool) {
        if let tlsFailure {
            finish(.failed(.tls(tlsFailure)))
        } else if stage == .tlsHandshake {
            finish(.failed(.tls(.handshake(detail: "the server closed the connection during the TLS handshake"))))
        } else if afterHead {
            finish(.failed(.unreadableBody(detail: "the answer was cut short")))
        } else {
            finish(.failed(.connectionFailed(detail: "the server closed the connection without answering")))
        }
    }

    func finish(_ outcome: ProbeResult.Outcome) {
        eventLoop.assertInEventLoop()
        guard !finished else { return }
        finished = true
        deadlineTask?.cancel()
        channel?.close(promise: nil)
        result.succeed(ProbeResult(
            kind: kind, host: host, address: address, startedAt: startedAt,
            duration: Date().timeIntervalSince(startedAt), outcome: outcome, certificate: certificate
        ))
    }

    var isFinished: Bool { finished }

    // MARK: Classification

    static func connectFailure(_ error: any Error) -> ProbeFailure {
        if let error = error as? ChannelError, case .connectTimeout = error { return .timeout(stage: .connecting) }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED { return .connectionRefused }
            return .connectionFailed(detail: String(cString: strerror(error.errnoCode)))
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) { return .connectionRefused }
            return .connectionFailed(detail: "\(error)")
        }
        return .connectionFailed(detail: "\(error)")
    }

    /// BoringSSL's reason (`TLSV1_ALERT_CERTIFICATE_REQUIRED` → "tlsv1 alert certificate
    /// required"), or the whole error when there is none.
    static func tlsDetail(_ error: any Error) -> String {
        let text = "\(error)"
        guard let marker = text.range(of: "OPENSSL_internal:") else { return text }
        let reason = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return reason.isEmpty ? text : reason.lowercased().replacingOccurrences(of: "_", with: " ")
    }

    static func describeDNS(_ error: any Error, host: String) -> String {
        if let error = error as? SocketAddressError.UnknownHost { return "\(host): \(error.errorDescription)" }
        if let error = error as? SocketAddressError, case .unknown = error { return "no address found for \(host)" }
        return "cannot resolve \(host): \(error)"
    }
}

/// Sends the request once the connection is up (NIOSSL holds it until the handshake is done) and
/// collects the answer within the size limit.
final class ProbeResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let attempt: ProbeAttempt
    private let request: HTTPRequestHead
    private var status: Int?
    private var body: ByteBuffer?

    init(attempt: ProbeAttempt, request: HTTPRequestHead) {
        self.attempt = attempt
        self.request = request
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { attempt.handshakeCompleted() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !attempt.isFinished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            attempt.handshakeCompleted()
            status = Int(head.status.code)
            if attempt.kind == .vi { attempt.answered(status: Int(head.status.code), body: nil) }
        case .body(var part):
            if body == nil { body = context.channel.allocator.buffer(capacity: min(part.readableBytes, attempt.configuration.maximumBodySize)) }
            guard body!.readableBytes + part.readableBytes <= attempt.configuration.maximumBodySize else {
                attempt.finish(.failed(.unreadableBody(detail: "body larger than \(attempt.configuration.maximumBodySize) bytes")))
                return
            }
            body!.writeBuffer(&part)
        case .end:
            attempt.answered(status: status ?? 0, body: body)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A server that ends a read-until-close body without TLS close_notify: the end of the
        // body follows from channelInactive, so wait for it.
        if case NIOSSLError.uncleanShutdown = error, status != nil { return }
        attempt.failed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        attempt.closed(afterHead: status != nil)
        context.fireChannelInactive()
    }
}
