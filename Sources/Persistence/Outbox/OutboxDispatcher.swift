import Foundation

/// Wakes the consumers of outbox topics right after a commit that enqueued events for them.
/// Consumers register by topic (the white list publisher on `registry.changed`; the mailer and
/// the attestation renderer will on theirs). A wake-up is only a hint: each consumer also polls,
/// which picks up events written by other instances or left by a crash.
public final class OutboxDispatcher: @unchecked Sendable {
    // Safe: `wakers` is only read and written under `lock`.
    private let lock = NSLock()
    private var wakers: [OutboxTopic: [@Sendable () -> Void]] = [:]

    public init() {}

    /// Calls `wake` after every commit that enqueued an event of `topic`.
    public func register(_ topic: OutboxTopic, wake: @escaping @Sendable () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        wakers[topic, default: []].append(wake)
    }

    /// What `Store` calls after each commit, with the topics the transaction enqueued.
    public func committed(_ topics: Set<OutboxTopic>) {
        lock.lock()
        let toWake = topics.flatMap { wakers[$0] ?? [] }
        lock.unlock()
        for wake in toWake { wake() }
    }
}
