import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import Vapor

/// bcrypt on a thread pool of its own, with a bounded queue: a storm of sign-ins waits here (or is
/// shed with 503) instead of filling the cooperative pool and the event loops that serve
/// authenticated traffic and the white list.
final class PasswordHasher: Sendable {
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
struct PasswordHasherOverloaded: AbortError {
    var status: HTTPResponseStatus { .serviceUnavailable }
    var reason: String { "Trop de connexions en cours : réessayez dans un instant." }
    var headers: HTTPHeaders { ["Retry-After": "1"] }
}
