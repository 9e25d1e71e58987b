import Foundation
import Meteo
import Testing

@Suite("Roll-ups")
struct RollupTests {
    @Test("bounded: a minute a day, an hour 90 days, a Paris day two years, whatever the time recorded")
    func bounded() {
        var series = RollupSeries()
        let start = Samples.june
        let hours = 800 * 24
        for hour in 0..<hours {
            series.record(hour % 10 == 0 ? .down : .operational, at: start.addingTimeInterval(Double(hour) * 3600))
        }
        let now = start.addingTimeInterval(Double(hours - 1) * 3600)
        #expect(series.heldBuckets[.minute]! <= RollupLevel.minute.capacity)
        #expect(series.heldBuckets[.hour] == RollupLevel.hour.capacity)
        #expect(series.heldBuckets[.day] == RollupLevel.day.capacity)
        #expect(series.buckets(.day).count == 731)
        // One recorded minute per hour.
        #expect(series.counts(over: .hours24, at: now).observed == 24)
        #expect(series.counts(over: .days90, at: now).observed == 2160)
        #expect(series.counts(over: .days90, at: now).down == 216)
        #expect(series.uptime(over: .days7, at: now) == Double(168 - 17) / 168 || series.uptime(over: .days7, at: now) == Double(168 - 16) / 168)
        // Older than a day: the minute is no longer held and cannot be rewritten.
        let rewritten = series.record(.down, at: start)
        #expect(!rewritten)
        #expect(series.dailyHistory(days: 90, at: now).count == 90)
        // Every full day holds its hours' minutes (the last day is still going on).
        #expect(series.dailyHistory(days: 90, at: now).dropLast().allSatisfy { $0.counts.observed == 24 || $0.counts.observed == 23 || $0.counts.observed == 25 })
    }

    @Test("a minute seen twice keeps the more severe state; hour and day follow")
    func severity() {
        var series = RollupSeries()
        let t = Samples.june
        series.record(.operational, at: t)
        series.record(.down, at: t.addingTimeInterval(10))
        series.record(.operational, at: t.addingTimeInterval(20))
        #expect(series.counts(over: .hours24, at: t) == RollupCounts(down: 1))
        #expect(series.counts(over: .days7, at: t) == RollupCounts(down: 1))
        #expect(series.dailyHistory(days: 1, at: t)[0].counts == RollupCounts(down: 1))
        series.record(.maintenance, at: t.addingTimeInterval(30))
        #expect(series.counts(over: .days7, at: t) == RollupCounts(maintenance: 1))
        #expect(series.uptime(over: .days7, at: t) == nil)
    }

    @Test("days are Paris days: 26 October 2025 lasts 25 hours")
    func parisDays() {
        var series = RollupSeries()
        let start = ParisTime.startOfDay(ParisTime.dayNumber(of: Samples.utc("2025-10-26T12:00:00Z")))
        #expect(start == Samples.utc("2025-10-25T22:00:00Z"))
        for minute in 0..<(25 * 60) { series.record(.operational, at: start.addingTimeInterval(Double(minute) * 60)) }
        series.record(.down, at: Samples.utc("2025-10-26T23:00:00Z"))
        let days = series.buckets(.day)
        #expect(days.count == 2)
        #expect(days[0].counts == RollupCounts(operational: 1500))
        #expect(days[0].start == start)
        #expect(days[1].counts == RollupCounts(down: 1))
        #expect(days[1].start == Samples.utc("2025-10-26T23:00:00Z"))
    }

    @Test("what a persistence layer stores gives the same history back")
    func restore() {
        var series = RollupSeries()
        let start = Samples.june
        for minute in stride(from: 0, to: 3 * 1440, by: 7) {
            series.record(minute % 3 == 0 ? .degraded : .operational, at: start.addingTimeInterval(Double(minute) * 60))
        }
        let stored = RollupLevel.allCases.flatMap { series.buckets($0) }
        var restored = RollupSeries()
        restored.restore(stored.shuffled())
        for level in RollupLevel.allCases { #expect(restored.buckets(level) == series.buckets(level)) }
        let now = start.addingTimeInterval(3 * 86_400)
        for window in UptimeWindow.allCases { #expect(restored.counts(over: window, at: now) == series.counts(over: window, at: now)) }
    }
}
