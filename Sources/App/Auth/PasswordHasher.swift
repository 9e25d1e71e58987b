import Accounts
import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Vapor

/// bcrypt on a thread pool of its own, with a bounded queue: a storm of sign-ins waits here (or is
/// shed with 503) instead of filling the cooperative pool and the event loops that serve
/// authenticated traffic and the white list.
final class PasswordHasher: PasswordHashing {
    private let pool: NIOThreadPool
    private let maximumWaiting: Int
    private let inFlight = NIOLockedValueBox(0)

    init(threads: Int, maximumWaiting: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.maximumWaiting = maximumWaiting
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// True when a new check would be shed: lets callers refuse before doing any other work.
    var isSaturated: Bool { inFlight.withLockedValue { $0 >= maximumWaiting } }

    func verify(_ password: String, created hash: String) async throws -> Bool {
        try await run { try Bcrypt.verify(password, created: hash) }
    }

    func hash(_ password: String, cost: Int) async throws -> String {
        try await run { try Bcrypt.hash(password, cost: cost) }
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = inFlight.withLockedValue { count in
            guard count < maximumWaiting else { return false }
            count += 1
            return true
        }
        guard admitted else { throw PasswordHasherOverloaded() }
        defer { inFlight.withLockedValue { $0 -= 1 } }
        return try await pool.runIfActive(work)
    }
}

/// More password checks are waiting than the queue allows: answered 503 with `Retry-After`.
extension PasswordHasherOverloaded: AbortError {
    public var status: HTTPResponseStatus { .serviceUnavailable }
    public var reason: String { "Trop de connexions en cours : réessayez dans un instant." }
    public var headers: HTTPHeaders { ["Retry-After": "1"] }
}

/// Refused sign-ins: 401, or 429 with `Retry-After`; the same whether or not the e-mail has an account.
extension SignInRefused: AbortError {
    public var status: HTTPResponseStatus {
        switch self {
        case .wrongCredentials: .unauthorized
        case .throttled: .tooManyRequests
        }
    }

    public var reason: String {
        switch self {
        case .wrongCredentials: "Adresse e-mail ou mot de passe incorrect."
        case .throttled: "Trop de tentatives de connexion : réessayez plus tard."
        }
    }

    public var headers: HTTPHeaders {
        switch self {
        case .wrongCredentials: [:]
        case .throttled(let retryAfter): ["Retry-After": String(max(1, Int(retryAfter.rounded(.up))))]
        }
    }
}

extension Accounts.IssuedToken: Content {}

extension Request {
    var accounts: Accounts { application.edc.accounts }

    /// The client address used for throttling: the peer, or the last `X-Forwarded-For` entry when
    /// the service is configured to sit behind a reverse proxy.
    var clientAddress: String {
        if edc.settings.signIn.trustForwardedFor,
           let forwarded = headers.first(name: .xForwardedFor)?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
           !forwarded.isEmpty {
            return String(forwarded.prefix(64))
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }
}
