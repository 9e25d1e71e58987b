import Foundation
import NIOConcurrencyHelpers

/// One probe started by the runner: for metrics (lag behind schedule).
public struct ProbeStart: Sendable, Hashable {
    public var round: Int
    public var index: Int
    public var due: Date
    public var started: Date
    public var lag: TimeInterval { started.timeIntervalSince(due) }
}

/// A finished round: every result, in target order, and how late its probes started.
public struct RoundReport<Target: Sendable, Result: Sendable>: Sendable {
    public var round: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var targets: [Target]
    public var results: [Result]
    public var lag: LagStatistics
}

/// Runs rounds of probes on a `ProbeSchedule`: each target at its due time, at most
/// `maximumConcurrency` probes at once (a probe due while all slots are busy waits, and its lag
/// is reported). The targets are asked for again at the start of every round, so registry
/// changes (and later, lease changes) take effect within one interval. A round is reported when
/// its last probe ends, which may be after the next round has begun.
///
/// Generic over the target and result so the timing can be tested without a network.
public struct ProbeRunner: Sendable {
    public var interval: TimeInterval
    public var maximumConcurrency: Int
    public var onTimeTolerance: TimeInterval
    public var clock: any MeteoClock

    public init(interval: TimeInterval = 60, maximumConcurrency: Int = 256, onTimeTolerance: TimeInterval = 2, clock: any MeteoClock = SystemMeteoClock()) {
        precondition(interval > 0 && maximumConcurrency > 0)
        self.interval = interval
        self.maximumConcurrency = maximumConcurrency
        self.onTimeTolerance = onTimeTolerance
        self.clock = clock
    }

    /// Runs until the task is cancelled (or `rounds` rounds have started, for tests and
    /// benchmarks). Round 0 starts at once.
    public func run<Target: Sendable, Result: Sendable>(
        rounds: Int? = nil,
        targets: @escaping @Sendable () async -> [Target],
        probe: @escaping @Sendable (Target) async -> Result,
        started: @escaping @Sendable (ProbeStart) async -> Void = { _ in },
        roundFinished: @escaping @Sendable (RoundReport<Target, Result>) async -> Void
    ) async {
        let schedule = ProbeSchedule(interval: interval, origin: clock.now)
        let limiter = ConcurrencyLimiter(limit: maximumConcurrency)
        let clock = self.clock
        let tolerance = onTimeTolerance
        await withDiscardingTaskGroup { group in
            var round = 0
            while !Task.isCancelled, rounds.map({ round < $0 }) ?? true {
                do { try await clock.sleep(until: schedule.roundStart(round)) } catch { break }
                let list = await targets()
                let collector = RoundCollector<Target, Result>(round: round, targets: list, startedAt: clock.now, tolerance: tolerance)
                if list.isEmpty {
                    await roundFinished(collector.emptyReport(finishedAt: clock.now))
                }
                for (index, target) in list.enumerated() {
                    let due = schedule.dueTime(index: index, of: list.count, inRound: round)
                    do { try await clock.sleep(until: due) } catch { break }
                    do { try await limiter.acquire() } catch { break }
                    let start = ProbeStart(round: round, index: index, due: due, started: clock.now)
                    collector.started(lag: start.lag)
                    await started(start)
                    group.addTask {
                        let result = await probe(target)
                        limiter.release()
                        if let report = collector.finished(index: index, result: result, at: clock.now) {
                            await roundFinished(report)
                        }
                    }
                }
                round += 1
            }
        }
    }
}

/// Gathers one round's results; the last one to finish gets the report.
final class RoundCollector<Target: Sendable, Result: Sendable>: Sendable {
    private struct State {
        var results: [Result?]
        var remaining: Int
        var lag: LagStatistics
    }

    let round: Int
    let targets: [Target]
    let startedAt: Date
    private let state: NIOLockedValueBox<State>

    init(round: Int, targets: [Target], startedAt: Date, tolerance: TimeInterval) {
        self.round = round
        self.targets = targets
        self.startedAt = startedAt
        state = NIOLockedValueBox(State(results: Array(repeating: nil, count: targets.count), remaining: targets.count, lag: LagStatistics(tolerance: tolerance)))
    }

    func started(lag: TimeInterval) {
        state.withLockedValue { $0.lag.add(lag: lag) }
    }

    func finished(index: Int, result: Result, at date: Date) -> RoundReport<Target, Result>? {
        state.withLockedValue { state in
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            return RoundReport(round: round, startedAt: startedAt, finishedAt: date, targets: targets, results: state.results.map { $0! }, lag: state.lag)
        }
    }

    func emptyReport(finishedAt: Date) -> RoundReport<Target, Result> {
        RoundReport(round: round, startedAt: startedAt, finishedAt: finishedAt, targets: [], results: [], lag: LagStatistics(tolerance: state.withLockedValue { $0.lag.tolerance }))
    }
}

/// A counting semaphore for async code: FIFO, cancellable waits.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>

    init(limit: Int) {
        state = NIOLockedValueBox(State(available: limit))
    }

    func acquire() async throws {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Under the lock: either cancellation already happened (and onCancel found no
                // waiter), or the waiter is queued before onCancel can look for it.
                enum Decision { case granted, cancelled, queued }
                let decision = state.withLockedValue { state -> Decision in
                    if Task.isCancelled { return .cancelled }
                    if state.available > 0 && state.waiters.isEmpty {
                        state.available -= 1
                        return .granted
                    }
                    state.waiters.append((id, continuation))
                    return .queued
                }
                switch decision {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
                guard let position = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: position).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
