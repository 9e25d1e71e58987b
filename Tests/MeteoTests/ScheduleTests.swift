import Foundation
import Meteo
import NIOConcurrencyHelpers
import Testing

@Suite("Schedule")
struct ScheduleTests {
    @Test("targets are spread evenly over the interval, round after round")
    func spread() {
        let origin = Samples.june
        let schedule = ProbeSchedule(interval: 60, origin: origin)
        #expect(schedule.dueTimes(count: 4, inRound: 2).map { $0.timeIntervalSince(origin) } == [120, 135, 150, 165])
        #expect(abs(schedule.dueTimes(count: 10_000, inRound: 0).last!.timeIntervalSince(origin) - 59.994) < 1e-6)
        #expect(schedule.round(at: origin.addingTimeInterval(59.9)) == 0)
        #expect(schedule.round(at: origin.addingTimeInterval(60)) == 1)
        #expect(schedule.round(at: origin.addingTimeInterval(-1)) == -1)
    }

    @Test("lag statistics")
    func lag() {
        var statistics = LagStatistics(tolerance: 2)
        for lag in [0, 1.5, 2, 2.5, 10] { statistics.add(lag: lag) }
        #expect(statistics.started == 5)
        #expect(statistics.onTime == 3)
        #expect(statistics.onTimeShare == 0.6)
        #expect(statistics.maximumLag == 10)
    }

    @Test("the runner starts each probe at its due time (fake clock)")
    func runnerOnTime() async throws {
        let origin = Samples.june
        let clock = FakeClock(now: origin)
        let runner = ProbeRunner(interval: 60, maximumConcurrency: 4, clock: clock)
        let starts = NIOLockedValueBox<[ProbeStart]>([])
        let (reports, continuation) = AsyncStream<RoundReport<Int, String>>.makeStream()
        let task = Task {
            await runner.run(
                rounds: 2,
                targets: { [0, 1, 2, 3, 4, 5] },
                probe: { "result \($0)" },
                started: { start in starts.withLockedValue { $0.append(start) } },
                roundFinished: { continuation.yield($0) }
            )
            continuation.finish()
        }
        // Round 0: index 0 at once, then every 10 s; round 1 from 60 s.
        for expected in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110] as [TimeInterval] {
            let wake = await clock.nextSleep()
            #expect(wake.timeIntervalSince(origin) == expected)
            clock.advance(to: wake)
        }
        var received: [RoundReport<Int, String>] = []
        for await report in reports { received.append(report) }
        await task.value
        #expect(received.map(\.round) == [0, 1])
        #expect(received[0].results == (0..<6).map { "result \($0)" })
        #expect(received[1].lag.onTimeShare == 1)
        #expect(received[1].lag.maximumLag == 0)
        let recorded = starts.withLockedValue { $0 }
        #expect(recorded.map { $0.started.timeIntervalSince(origin) } == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110])
        #expect(recorded.allSatisfy { $0.lag == 0 })
    }

    @Test("bounded concurrency: a probe due while every slot is busy waits, and its lag is reported")
    func runnerLag() async throws {
        let origin = Samples.june
        let clock = FakeClock(now: origin)
        let runner = ProbeRunner(interval: 30, maximumConcurrency: 2, onTimeTolerance: 2, clock: clock)
        let gates = Gates()
        let inFlight = NIOLockedValueBox((now: 0, peak: 0))
        let (reports, continuation) = AsyncStream<RoundReport<Int, Int>>.makeStream()
        let task = Task {
            await runner.run(
                rounds: 1,
                targets: { [0, 1, 2] },
                probe: { index in
                    inFlight.withLockedValue { $0.now += 1; $0.peak = max($0.peak, $0.now) }
                    await gates.wait(index)
                    inFlight.withLockedValue { $0.now -= 1 }
                    return index
                },
                roundFinished: { continuation.yield($0) }
            )
            continuation.finish()
        }
        // Probe 0 at 0 s and probe 1 at 10 s hold both slots; probe 2 is due at 20 s.
        #expect(await clock.nextSleep() == origin.addingTimeInterval(10))
        clock.advance(to: origin.addingTimeInterval(10))
        #expect(await clock.nextSleep() == origin.addingTimeInterval(20))
        clock.advance(to: origin.addingTimeInterval(20))
        clock.advance(to: origin.addingTimeInterval(27))
        gates.open(0)
        gates.open(1)
        gates.open(2)
        var received: [RoundReport<Int, Int>] = []
        for await report in reports { received.append(report) }
        await task.value
        let report = try #require(received.first)
        #expect(report.results == [0, 1, 2])
        #expect(report.lag.started == 3)
        #expect(report.lag.maximumLag == 7)
        #expect(report.lag.onTime == 2)
        #expect(inFlight.withLockedValue { $0.peak } == 2)
    }
}

/// Probes that wait until the test lets them finish.
final class Gates: Sendable {
    private let state = NIOLockedValueBox<(open: Set<Int>, waiting: [Int: CheckedContinuation<Void, Never>])>((open: [], waiting: [:]))

    func wait(_ index: Int) async {
        await withCheckedContinuation { continuation in
            let proceed = state.withLockedValue { state -> Bool in
                if state.open.contains(index) { return true }
                state.waiting[index] = continuation
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    func open(_ index: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.open.insert(index)
            return state.waiting.removeValue(forKey: index)
        }
        waiter?.resume()
    }
}
