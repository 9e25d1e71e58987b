import Foundation

/// The time the scheduler runs on: the system's, or a fake one in tests.
public protocol MeteoClock: Sendable {
    var now: Date { get }
    /// Returns at `deadline` (at once if it is past); throws when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// Wall-clock time; sleeps on the continuous clock.
public struct SystemMeteoClock: MeteoClock {
    public init() {}

    public var now: Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let delay = deadline.timeIntervalSinceNow
        if delay > 0 {
            try await Task.sleep(for: .nanoseconds(Int64(delay * 1e9)))
        } else {
            try Task.checkCancellation()
        }
    }
}
