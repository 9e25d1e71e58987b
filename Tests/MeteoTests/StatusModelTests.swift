import Foundation
import Meteo
import Testing

@Suite("Status model")
struct StatusModelTests {
    @Test("thresholds suppress flapping: down after N failures in a row, up after M successes")
    func thresholds() {
        let settings = StatusSettings(failureThreshold: 3, recoveryThreshold: 2)
        var tracker = StatusTracker()
        let t0 = Samples.june
        func observe(_ looks: [Samples.Look], from start: Int) -> [MeteoStatus] {
            looks.enumerated().map { offset, look in
                let date = t0.addingTimeInterval(Double(start + offset) * 60)
                tracker.observe(Samples.verdict(look), at: date, settings: settings)
                return tracker.status(at: date, settings: settings)
            }
        }
        // The first verdict is adopted at once; then isolated failures change nothing.
        #expect(observe([.up, .down, .up, .down, .down, .up], from: 0) == Array(repeating: .operational, count: 6))
        // Three in a row: down, dated from the third.
        #expect(observe([.down, .down, .down], from: 6) == [.operational, .operational, .down])
        #expect(tracker.since == t0.addingTimeInterval(8 * 60))
        #expect(tracker.cause?.code == "db.connection_refused")
        // One success is not enough to come back; a failure resets the count.
        #expect(observe([.up, .down, .up, .up], from: 9) == [.down, .down, .down, .operational])
        #expect(tracker.cause == nil)
        // Degraded is a failure too; once failing, the state follows the latest verdict.
        #expect(observe([.degraded, .degraded, .degraded, .down], from: 13) == [.operational, .operational, .degraded, .down])
    }

    @Test("no recent data is unknown, never down")
    func noDataIsUnknown() {
        let settings = StatusSettings(failureThreshold: 1)
        var board = MeteoBoard(settings: settings)
        let target = Samples.target(1)
        board.setTargets([target])
        let t0 = Samples.june
        // Nothing probed yet.
        #expect(board.drimboxStatus(1, at: t0)?.status == .unknown)
        #expect(board.snapshot(at: t0).dataUnavailable)
        board.apply([Samples.result(target, .down, at: t0)], at: t0)
        #expect(board.drimboxStatus(1, at: t0)?.status == .down)
        #expect(!board.snapshot(at: t0).dataUnavailable)
        // The prober stops: after staleAfter the down DRIMbox is unknown, not down.
        let later = t0.addingTimeInterval(settings.staleAfter + 1)
        #expect(board.drimboxStatus(1, at: later)?.status == .unknown)
        #expect(board.pairStatus(target.key, at: later)?.cause == nil)
        #expect(board.snapshot(at: later).dataUnavailable)
        // And the minutes without data are not downtime.
        #expect(board.rollups(ofDrimbox: 1)?.counts(over: .hours24, at: later) == RollupCounts(down: 1))
    }

    @Test("maintenance is not counted as downtime, and the first probe after it decides")
    func maintenanceExcluded() throws {
        var board = MeteoBoard()
        let target = Samples.target(1)
        board.setTargets([target])
        let t0 = Samples.june
        let minute = { (m: Int) in t0.addingTimeInterval(Double(m) * 60 + 30) }
        board.setMaintenanceWindows([try MaintenanceWindow(drimbox: 1, start: t0.addingTimeInterval(60 * 60), end: t0.addingTimeInterval(90 * 60))])
        for m in 0..<120 {
            board.apply([Samples.result(target, (60..<90).contains(m) ? .down : .up, at: minute(m))], at: minute(m))
            if m == 70 {
                let status = try #require(board.drimboxStatus(1, at: minute(m)))
                #expect(status.status == .maintenance)
                #expect(status.pairs.map(\.status) == [.maintenance])
                #expect(status.maintenance != nil)
            }
        }
        #expect(board.drimboxStatus(1, at: minute(119))?.status == .operational)
        let series = try #require(board.rollups(ofDrimbox: 1))
        #expect(series.counts(over: .hours24, at: minute(119)) == RollupCounts(operational: 90, maintenance: 30))
        #expect(board.uptime(ofDrimbox: 1, over: .hours24, at: minute(119)) == 1)
        #expect(board.uptime(ofDrimbox: 1, over: .days7, at: minute(119)) == 1)
        // Outside a window, failures count (the first one is absorbed by the threshold).
        for m in 120..<130 { board.apply([Samples.result(target, .down, at: minute(m))], at: minute(m)) }
        #expect(series.counts(over: .hours24, at: minute(119)).down == 0)
        #expect(board.rollups(ofDrimbox: 1)?.counts(over: .hours24, at: minute(129)) == RollupCounts(operational: 91, down: 9, maintenance: 30))
        #expect(board.uptime(ofDrimbox: 1, over: .days90, at: minute(129)) == 0.91)
        #expect(board.uptime(of: target.key, over: .days30, at: minute(129)) == 0.91)
    }

    @Test("a maintenance window across the October DST change starts and ends at the right instants")
    func octoberWindow() throws {
        // Saturday 25 October 2025 22:00 (CEST, UTC+2) to Sunday 26 October 04:00 (CET, UTC+1).
        let window = try MaintenanceWindow(drimbox: 1, parisStart: ParisLocalTime("2025-10-25 22:00"), parisEnd: ParisLocalTime("2025-10-26T04:00"))
        #expect(window.start == Samples.utc("2025-10-25T20:00:00Z"))
        #expect(window.end == Samples.utc("2025-10-26T03:00:00Z"))
        #expect(window.end.timeIntervalSince(window.start) == 7 * 3600)
        #expect(window.covers(Samples.utc("2025-10-26T02:59:59Z")))
        #expect(!window.covers(Samples.utc("2025-10-26T03:00:00Z")))
        #expect(!window.covers(Samples.utc("2025-10-25T19:59:59Z")))

        var board = MeteoBoard()
        board.setTargets([Samples.target(1)])
        board.setMaintenanceWindows([window])
        #expect(board.isInMaintenance(1, at: Samples.utc("2025-10-26T02:30:00Z")))
        #expect(!board.isInMaintenance(1, at: Samples.utc("2025-10-26T03:00:00Z")))

        // 02:00–02:59 happens twice that night: a start there is the first occurrence, an end the second.
        let twice = try MaintenanceWindow(drimbox: 1, parisStart: ParisLocalTime("2025-10-26 02:15"), parisEnd: ParisLocalTime("2025-10-26 02:45"))
        #expect(twice.start == Samples.utc("2025-10-26T00:15:00Z"))
        #expect(twice.end == Samples.utc("2025-10-26T01:45:00Z"))
        #expect(ParisTime.localTime(of: Samples.utc("2025-10-26T00:30:00Z")).description == "2025-10-26 02:30")
        #expect(ParisTime.localTime(of: Samples.utc("2025-10-26T01:30:00Z")).description == "2025-10-26 02:30")
        // In March 02:00–02:59 never happens: 02:30 means 03:30 summer time.
        #expect(ParisTime.instant(of: try ParisLocalTime("2025-03-30 02:30"), ifAmbiguous: .earlier) == Samples.utc("2025-03-30T01:30:00Z"))
        #expect(ParisTime.instant(of: try ParisLocalTime("2025-03-30 03:00"), ifAmbiguous: .earlier) == Samples.utc("2025-03-30T01:00:00Z"))
        #expect(ParisTime.instant(of: try ParisLocalTime("2025-01-15 12:00"), ifAmbiguous: .later) == Samples.utc("2025-01-15T11:00:00Z"))
        #expect(throws: MaintenanceWindowError.self) {
            try MaintenanceWindow(drimbox: 1, parisStart: ParisLocalTime("2025-10-26 04:00"), parisEnd: ParisLocalTime("2025-10-26 03:00"))
        }
        #expect(throws: ParisTimeError.self) { try ParisLocalTime("2025-02-29 10:00") }
        #expect(throws: ParisTimeError.self) { try ParisLocalTime("2025-10-26 24:00") }
    }

    @Test("self-suspicion: when most targets fail at once the round is discarded as unavailable data")
    func selfSuspicion() throws {
        var board = MeteoBoard(settings: StatusSettings(failureThreshold: 1))
        let targets = (1...10).map { Samples.target($0) }
        board.setTargets(targets)
        let t0 = Samples.june
        func round(_ down: Int, at date: Date) -> RoundSummary {
            board.apply(targets.enumerated().map { index, target in Samples.result(target, index < down ? .down : .up, at: date) }, at: date)
        }
        #expect(!round(0, at: t0).suspect)

        // 6 of 10 down in the same round: the prober suspects itself.
        let t1 = t0.addingTimeInterval(60)
        let suspect = round(6, at: t1)
        #expect(suspect.suspect)
        #expect(suspect.down == 6 && suspect.considered == 10)
        let snapshot = board.snapshot(at: t1)
        #expect(snapshot.dataUnavailable)
        #expect(snapshot.count(.operational) == 10)
        #expect(snapshot.count(.down) == 0)
        // The discarded minute has no data, rather than a national outage in the history.
        let minute = Int(t1.timeIntervalSince1970) / 60
        #expect(board.rollups(of: targets[0].key)?.state(atMinute: minute) == nil)
        #expect(board.rollups(of: targets[9].key)?.state(atMinute: minute) == nil)

        // Exactly half is not "more than half": believed (threshold 1, so shown at once).
        let t2 = t1.addingTimeInterval(60)
        #expect(!round(5, at: t2).suspect)
        let believed = board.snapshot(at: t2)
        #expect(!believed.dataUnavailable)
        #expect(believed.count(.down) == 5)
        #expect(believed.count(.operational) == 5)
        #expect(board.rollups(of: targets[0].key)?.state(atMinute: minute + 1) == .down)
    }

    @Test("self-suspicion leaves out DRIMboxes in maintenance and small rounds")
    func selfSuspicionScope() throws {
        let t0 = Samples.june
        var board = MeteoBoard(settings: StatusSettings(failureThreshold: 1))
        let targets = (1...10).map { Samples.target($0) }
        board.setTargets(targets)
        // DRIMboxes 1–4 in maintenance and down, 5–6 down, the rest up: 2 of 6 considered are down.
        board.setMaintenanceWindows(try (1...4).map { try MaintenanceWindow(drimbox: $0, start: t0, end: t0.addingTimeInterval(3600)) })
        let summary = board.apply(targets.enumerated().map { Samples.result($1, $0 < 6 ? .down : .up, at: t0) }, at: t0)
        #expect(summary.considered == 6 && summary.down == 2 && !summary.suspect)
        #expect(board.snapshot(at: t0).count(.maintenance) == 4)
        #expect(board.snapshot(at: t0).count(.down) == 2)

        var small = MeteoBoard(settings: StatusSettings(failureThreshold: 1))
        small.setTargets([Samples.target(1), Samples.target(2)])
        #expect(!small.apply([Samples.result(Samples.target(1), .down, at: t0), Samples.result(Samples.target(2), .down, at: t0)], at: t0).suspect)
        #expect(small.snapshot(at: t0).count(.down) == 2)
    }

    @Test("a DRIMbox from its pairs: degraded when some pair fails, down when all do, unknown when data is missing")
    func drimboxAggregate() {
        var board = MeteoBoard(settings: StatusSettings(failureThreshold: 1, recoveryThreshold: 1))
        let first = Samples.target(7, pacs: 1)
        let second = Samples.target(7, pacs: 2)
        board.setTargets([first, second])
        let t0 = Samples.june
        board.apply([Samples.result(first, .up, at: t0), Samples.result(second, .down, at: t0)], at: t0)
        #expect(board.drimboxStatus(7, at: t0)?.status == .degraded)
        #expect(board.drimboxStatus(7, at: t0)?.pairs.map(\.status) == [.operational, .down])
        let t1 = t0.addingTimeInterval(60)
        board.apply([Samples.result(first, .down, at: t1), Samples.result(second, .down, at: t1)], at: t1)
        #expect(board.drimboxStatus(7, at: t1)?.status == .down)
        let t2 = t1.addingTimeInterval(60)
        board.apply([Samples.result(first, .degraded, at: t2), Samples.result(second, .up, at: t2)], at: t2)
        #expect(board.drimboxStatus(7, at: t2)?.status == .degraded)
        #expect(board.pairStatus(first.key, at: t2)?.cause?.code == "db.health_partially_down")
        // A third PACS just added: not yet probed, so the DRIMbox cannot be called operational.
        let third = Samples.target(7, pacs: 3)
        board.setTargets([first, second, third])
        let t3 = t2.addingTimeInterval(60)
        board.apply([Samples.result(first, .up, at: t3), Samples.result(second, .up, at: t3)], at: t3)
        #expect(board.drimboxStatus(7, at: t3)?.pairs.map(\.status) == [.operational, .operational, .unknown])
        #expect(board.drimboxStatus(7, at: t3)?.status == .unknown)
        #expect(board.drimboxStatus(7, at: t3)?.lastCheckedAt == nil)
        // Removed from the targets: gone from the page.
        board.setTargets([first])
        #expect(board.drimboxStatus(7, at: t3)?.pairs.count == 1)
        #expect(board.drimboxStatus(7, at: t3)?.status == .operational)
    }

    @Test("certificates expiring within 30 days are flagged")
    func certificateExpiry() {
        var board = MeteoBoard()
        let soon = Samples.target(1)
        let later = Samples.target(2)
        board.setTargets([soon, later])
        let t0 = Samples.june
        board.apply([
            Samples.result(soon, .up, at: t0, certificateNotAfter: t0.addingTimeInterval(29 * 86_400)),
            Samples.result(later, .up, at: t0, certificateNotAfter: t0.addingTimeInterval(31 * 86_400)),
        ], at: t0)
        #expect(board.pairStatus(soon.key, at: t0)?.certificateExpiresSoon == true)
        #expect(board.drimboxStatus(1, at: t0)?.certificateExpiresSoon == true)
        #expect(board.pairStatus(later.key, at: t0)?.certificateExpiresSoon == false)
        #expect(board.pairStatus(later.key, at: t0)?.certificate?.notAfter == t0.addingTimeInterval(31 * 86_400))
        // Still operational: the flag is a warning, not a state.
        #expect(board.drimboxStatus(1, at: t0)?.status == .operational)
    }
}
