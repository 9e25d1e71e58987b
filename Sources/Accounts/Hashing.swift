import Crypto
import Foundation
import Persistence

/// Password hashing (bcrypt in the service), run off the caller's threads with a bounded queue.
/// The service's implementation lives with the HTTP layer (it uses Vapor's bcrypt); the rules that
/// call it live here.
public protocol PasswordHashing: Sendable {
    /// True when a new check would be shed: lets callers refuse before doing any other work.
    var isSaturated: Bool { get }
    func hash(_ password: String, cost: Int) async throws -> String
    func verify(_ password: String, created hash: String) async throws -> Bool
}

/// More password checks are waiting than the queue allows (the API answers 503 with `Retry-After`).
public struct PasswordHasherOverloaded: Error, Sendable {
    public init() {}
}

/// API tokens: generated at random, stored only as their SHA-256.
public enum TokenHasher {
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// A new random token: `edc_` and 32 random bytes in base64url.
    public static func generate() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return "edc_" + bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    // Safe: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
