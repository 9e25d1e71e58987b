import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Sign-in with e-mail and password, protected against guessing:
/// - per login (whether or not an account has that e-mail, so that lock-outs reveal nothing):
///   after `maximumFailures` consecutive failures the login is locked for `lockDuration`, never
///   longer, so that an attacker cannot keep a victim out beyond that;
/// - per client address: more than `maximumAddressFailures` failures in `addressWindow` get 429
///   before any password is checked;
/// - bcrypt runs on the hasher's own threads (`PasswordHashing`), shed when it is saturated.
/// Failures and lock-outs of real accounts are audited; the user sees them at `/api/v1/me`.
public struct SignIn: Sendable {
    public let store: Store
    public let hasher: any PasswordHashing
    public let throttle: AddressThrottle
    public let settings: SignInSettings
    public let passwordCost: Int
    public let clock: @Sendable () -> Date
    /// Verified against when the user is unknown or disabled: made once per cost by this hasher.
    private let dummyHashes = Locked<[Int: String]>([:])

    public init(store: Store, hasher: any PasswordHashing, throttle: AddressThrottle, settings: SignInSettings, passwordCost: Int, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.hasher = hasher
        self.throttle = throttle
        self.settings = settings
        self.passwordCost = passwordCost
        self.clock = clock
    }

    /// The signed-in user, or `SignInRefused` (401 for a wrong pair, 429 while locked or throttled),
    /// or `PasswordHasherOverloaded` (503) when too many checks are already waiting.
    public func verify(email: String, password: String, address: String) async throws -> UserModel {
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
            _ = try await hasher.verify(password, created: try await dummyHash())
            matches = false
        }
        if matches, let user {
            try await store.write { context in
                try await SignInFailureModel.query(on: context.database).filter(\.$login == login).delete()
                try await context.audit(AuditActor(userID: user.id, role: user.role), action: .signIn, entity: .user, entityID: try user.requireID().uuidString)
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
                try await context.audit(actor, action: locked == nil ? .signInFailed : .accountLocked, entity: .user, entityID: try user.requireID().uuidString, data: data)
            }
            return locked
        }
    }

    /// A hash to verify against when the user is unknown or disabled, with the cost real
    /// passwords use (so that both take the same time).
    private func dummyHash() async throws -> String {
        if let hash = dummyHashes.withLock({ $0[passwordCost] }) { return hash }
        let hash = try await hasher.hash(UUID().uuidString, cost: passwordCost)
        dummyHashes.withLock { $0[passwordCost] = hash }
        return hash
    }
}

/// Why a sign-in was refused; the same answers whether or not the e-mail has an account.
/// (The API answers 401, or 429 with `Retry-After`.)
public enum SignInRefused: Error, Sendable {
    case wrongCredentials
    case throttled(retryAfter: TimeInterval)
}

/// Failed sign-ins per client address over a sliding window, in memory (each instance counts its
/// own; the per-login lock-out is shared through the database). Bounded: the oldest addresses are
/// forgotten first when too many are tracked.
public final class AddressThrottle: Sendable {
    private struct Window {
        var failures: [Date] = []
    }

    private let limit: Int
    private let window: TimeInterval
    private let maximumAddresses: Int
    private let state = Locked<[String: Window]>([:])

    public init(limit: Int, window: TimeInterval, maximumAddresses: Int = 100_000) {
        self.limit = limit
        self.window = window
        self.maximumAddresses = maximumAddresses
    }

    /// Seconds to wait when `address` is over its limit; nil when it may try.
    public func retryAfter(address: String, now: Date) -> TimeInterval? {
        state.withLock { state in
            guard var entry = state[address] else { return nil }
            entry.failures.removeAll { now.timeIntervalSince($0) >= window }
            state[address] = entry.failures.isEmpty ? nil : entry
            guard entry.failures.count >= limit, let oldest = entry.failures.first else { return nil }
            return window - now.timeIntervalSince(oldest)
        }
    }

    public func recordFailure(address: String, now: Date) {
        state.withLock { state in
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

/// Sign-in protection: lock-out per login, throttle per client address, bcrypt off the event loops.
public struct SignInSettings: Sendable {
    public init() {}

    /// Consecutive failures that lock a login for `lockDuration`.
    public var maximumFailures = 5
    public var lockDuration: TimeInterval = 15 * 60
    /// Failures from one client address within `addressWindow` before it gets 429.
    public var maximumAddressFailures = 30
    public var addressWindow: TimeInterval = 15 * 60
    /// Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy only).
    public var trustForwardedFor = false
    /// Threads that hash and verify passwords, and how many verifications may wait for them.
    /// Half the cores (at least one): the other half keeps serving while bcrypt runs flat out.
    public var passwordThreads = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    public var passwordQueue = 16
    /// A refused sign-in (401, 429, 503) is answered after this delay: it costs the server nothing
    /// (no thread is held) and slows a guessing client down to a trickle.
    public var failureDelay: TimeInterval = 1
}
