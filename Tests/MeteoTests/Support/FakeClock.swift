import Foundation
import Meteo
import NIOConcurrencyHelpers

/// A clock the test moves. `sleep(until:)` suspends until the test advances past the deadline;
/// `nextSleep()` waits until the code under test is asleep and says until when — so a test
/// steps through a schedule without any real sleep.
final class FakeClock: MeteoClock {
    private struct State {
        var now: Date
        var sleepers: [(until: Date, continuation: CheckedContinuation<Void, any Error>)] = []
        var watchers: [CheckedContinuation<Date, Never>] = []
    }

    private let state: NIOLockedValueBox<State>

    init(now: Date) {
        state = NIOLockedValueBox(State(now: now))
    }

    var now: Date { state.withLockedValue { $0.now } }

    func sleep(until deadline: Date) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let watchers = state.withLockedValue { state -> [CheckedContinuation<Date, Never>]? in
                if deadline <= state.now { return nil }
                state.sleepers.append((deadline, continuation))
                defer { state.watchers = [] }
                return state.watchers
            }
            guard let watchers else {
                continuation.resume()
                return
            }
            for watcher in watchers { watcher.resume(returning: deadline) }
        }
    }

    /// The earliest deadline someone sleeps until, once someone does.
    func nextSleep() async -> Date {
        await withCheckedContinuation { (continuation: CheckedContinuation<Date, Never>) in
            let earliest = state.withLockedValue { state -> Date? in
                if let earliest = state.sleepers.map(\.until).min() { return earliest }
                state.watchers.append(continuation)
                return nil
            }
            if let earliest { continuation.resume(returning: earliest) }
        }
    }

    /// Moves time to `date` and wakes the sleepers whose deadline has come.
    func advance(to date: Date) {
        let woken = state.withLockedValue { state -> [CheckedContinuation<Void, any Error>] in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.until <= state.now }
            state.sleepers.removeAll { $0.until <= state.now }
            return due.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }
}
