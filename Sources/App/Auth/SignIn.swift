import EDCDomain
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Persistence
import Vapor

/// Sign-in with e-mail and password, protected against guessing:
/// - per login (whether or not an account has that e-mail, so that lock-outs reveal nothing):
///   after `maximumFailures` consecutive failures the login is locked for `lockDuration`, never
///   longer, so that an attacker cannot keep a victim out beyond that;
/// - per client address: more than `maximumAddressFailures` failures in `addressWindow` get 429
///   before any password is checked;
/// - bcrypt runs on `PasswordHasher`'s own threads.
/// Failures and lock-outs of real accounts are audited; the user sees them at `/api/v1/me`.
struct SignIn: Sendable {
    let store: Store
    let hasher: PasswordHasher
    let throttle: AddressThrottle
    let settings: SignInSettings
    let passwordCost: Int
    let clock: @Sendable () -> Date

    /// The signed-in user, or `SignInRefused` (401 for a wrong pair, 429 while locked or throttled).
    func verify(email: String, password: String, address: String) async throws -> UserModel {
        let now = clock()
        if let retryAfter = throttle.retryAfter(address: address, now: now) {
            throw SignInRefused.throttled(retryAfter: retryAfter)
        }
        // Shed before touching the database: under a storm, refused attempts must cost nothing.
        if hasher.isSaturated { throw PasswordHasherOverloaded() }
        let login = Accounts.login(email)
        let failure = try await SignInFailureModel.query(on: store.database).filter(\.$login == login).first()
        if let lockedUntil = failure?.lockedUntil, lockedUntil > now {
            throttle.recordFailure(address: address, now: now)
            throw SignInRefused.throttled(retryAfter: lockedUntil.timeIntervalSince(now))
        }
        let user = try await UserModel.query(on: store.database).filter(\.$email == login).first()
        let matches: Bool
        if let user, user.disabledAt == nil {
            matches = try await hasher.verify(password, created: user.passwordHash)
        } else {
            // Same work as for a real account: the time taken does not tell which e-mails exist.
            _ = try await hasher.verify(password, created: try await Self.dummyHash(cost: passwordCost, hasher: hasher))
            matches = false
        }
        if matches, let user {
            try await store.write { context in
                try await SignInFailureModel.query(on: context.database).filter(\.$login == login).delete()
                try await context.audit(AuditActor(userID: user.id, role: user.role), action: "auth.sign_in", entityType: "user", entityID: try user.requireID().uuidString)
            }
            return user
        }
        throttle.recordFailure(address: address, now: now)
        // No e-mail address is longer than 254 characters: a longer login is counted against the
        // client address only, so that garbage cannot fill the failure table with huge rows.
        guard login.utf8.count <= 254 else { throw SignInRefused.wrongCredentials }
        let lockedUntil = try await recordFailure(login: login, user: user, address: address)
        if let lockedUntil { throw SignInRefused.throttled(retryAfter: lockedUntil.timeIntervalSince(now)) }
        throw SignInRefused.wrongCredentials
    }

    /// Counts one more failure for `login`; returns the end of the lock when this one locks it.
    private func recordFailure(login: String, user: UserModel?, address: String) async throws -> Date? {
        let settings = self.settings
        return try await store.write { context in
            let row = try await SignInFailureModel.query(on: context.database).filter(\.$login == login).first()
                ?? SignInFailureModel(login: login, at: context.now)
            // A lock that has run out starts a new count: one more failure does not lock again at once.
            if let until = row.lockedUntil, until <= context.now {
                row.lockedUntil = nil
                row.failures = 0
            }
            row.failures += 1
            row.lastFailureAt = context.now
            var locked: Date?
            if row.failures >= settings.maximumFailures {
                locked = context.now.addingTimeInterval(settings.lockDuration)
                row.lockedUntil = locked
            }
            try await row.save(on: context.database)
            if let user {
                let actor = AuditActor(userID: nil, role: .system)
                var data = ["address": address, "failures": String(row.failures)]
                if let locked { data["lockedUntil"] = ISO8601DateFormatter().string(from: locked) }
                try await context.audit(actor, action: locked == nil ? "auth.sign_in_failed" : "auth.locked", entityType: "user", entityID: try user.requireID().uuidString, data: data)
            }
            return locked
        }
    }

    /// Verified against when the user is unknown or disabled: made once per cost, with the cost
    /// real passwords use.
    private static func dummyHash(cost: Int, hasher: PasswordHasher) async throws -> String {
        if let hash = dummyHashes.withLockedValue({ $0[cost] }) { return hash }
        let hash = try await hasher.hash(UUID().uuidString, cost: cost)
        dummyHashes.withLockedValue { $0[cost] = hash }
        return hash
    }

    private static let dummyHashes = NIOLockedValueBox<[Int: String]>([:])
}

/// Why a sign-in was refused; the same answers whether or not the e-mail has an account.
enum SignInRefused: AbortError {
    case wrongCredentials
    case throttled(retryAfter: TimeInterval)

    var status: HTTPResponseStatus {
        switch self {
        case .wrongCredentials: .unauthorized
        case .throttled: .tooManyRequests
        }
    }

    var reason: String {
        switch self {
        case .wrongCredentials: "Adresse e-mail ou mot de passe incorrect."
        case .throttled: "Trop de tentatives de connexion : réessayez plus tard."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .wrongCredentials: [:]
        case .throttled(let retryAfter): ["Retry-After": String(max(1, Int(retryAfter.rounded(.up))))]
        }
    }
}

/// Failed sign-ins per client address over a sliding window, in memory (each instance counts its
/// own; the per-login lock-out is shared through the database). Bounded: the oldest addresses are
/// forgotten first when too many are tracked.
final class AddressThrottle: Sendable {
    private struct Window {
        var failures: [Date] = []
    }

    private let limit: Int
    private let window: TimeInterval
    private let maximumAddresses: Int
    private let state = NIOLockedValueBox<[String: Window]>([:])

    init(limit: Int, window: TimeInterval, maximumAddresses: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.maximumAddresses = maximumAddresses
    }

    /// Seconds to wait when `address` is over its limit; nil when it may try.
    func retryAfter(address: String, now: Date) -> TimeInterval? {
        state.withLockedValue { state in
            guard var entry = state[address] else { return nil }
            entry.failures.removeAll { now.timeIntervalSince($0) >= window }
            state[address] = entry.failures.isEmpty ? nil : entry
            guard entry.failures.count >= limit, let oldest = entry.failures.first else { return nil }
            return window - now.timeIntervalSince(oldest)
        }
    }

    func recordFailure(address: String, now: Date) {
        state.withLockedValue { state in
            if state[address] == nil, state.count >= maximumAddresses {
                // Forget the addresses whose last failure is oldest.
                let stale = state.sorted { ($0.value.failures.last ?? .distantPast) < ($1.value.failures.last ?? .distantPast) }
                    .prefix(maximumAddresses / 10).map(\.key)
                for key in stale { state[key] = nil }
            }
            var entry = state[address] ?? Window()
            entry.failures.append(now)
            if entry.failures.count > limit { entry.failures.removeFirst(entry.failures.count - limit) }
            state[address] = entry
        }
    }
}

extension Request {
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
