import Foundation

/// Spreads the targets of each round evenly over the interval: in round `r` (starting at
/// `origin + r·interval`), target `i` of `n` is due `i·interval/n` after the round starts. At
/// 10,000 targets and 60 s, one probe every 6 ms, never a burst at the top of the minute.
public struct ProbeSchedule: Sendable, Hashable {
    public var interval: TimeInterval
    /// When round 0 starts.
    public var origin: Date

    public init(interval: TimeInterval = 60, origin: Date) {
        precondition(interval > 0, "the probe interval must be positive")
        self.interval = interval
        self.origin = origin
    }

    public func roundStart(_ round: Int) -> Date {
        origin.addingTimeInterval(Double(round) * interval)
    }

    /// The round running at `date` (negative before `origin`).
    public func round(at date: Date) -> Int {
        Int((date.timeIntervalSince(origin) / interval).rounded(.down))
    }

    public func dueTime(index: Int, of count: Int, inRound round: Int) -> Date {
        precondition(count > 0 && (0..<count).contains(index), "index out of range")
        return roundStart(round).addingTimeInterval(interval * Double(index) / Double(count))
    }

    /// The due times of `count` targets in `round`, in order.
    public func dueTimes(count: Int, inRound round: Int) -> [Date] {
        (0..<count).map { dueTime(index: $0, of: count, inRound: round) }
    }
}

/// How late probes started against their due time.
public struct LagStatistics: Sendable, Hashable {
    /// A probe started within this many seconds of its due time is on time.
    public var tolerance: TimeInterval
    public private(set) var started = 0
    public private(set) var onTime = 0
    public private(set) var maximumLag: TimeInterval = 0
    public private(set) var totalLag: TimeInterval = 0

    public init(tolerance: TimeInterval = 2) {
        self.tolerance = tolerance
    }

    public mutating func add(lag: TimeInterval) {
        let lag = max(0, lag)
        started += 1
        if lag <= tolerance { onTime += 1 }
        maximumLag = max(maximumLag, lag)
        totalLag += lag
    }

    /// Share of probes started on time; 1 when none started.
    public var onTimeShare: Double { started == 0 ? 1 : Double(onTime) / Double(started) }
    public var meanLag: TimeInterval { started == 0 ? 0 : totalLag / Double(started) }
}
