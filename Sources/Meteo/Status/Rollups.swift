import Foundation

/// What a minute of history says: the public state shown during it. Minutes with no data (the
/// prober stopped, a discarded round, `unknown`) are simply absent.
public enum RollupState: UInt8, Sendable, Hashable, Codable, CaseIterable {
    case operational = 1
    case degraded = 2
    case down = 3
    case maintenance = 4

    /// nil for `unknown`: no data is not recorded.
    public init?(_ status: MeteoStatus) {
        switch status {
        case .operational: self = .operational
        case .degraded: self = .degraded
        case .down: self = .down
        case .maintenance: self = .maintenance
        case .unknown: return nil
        }
    }

    /// When one minute sees two states, the more severe is kept (maintenance first: it is
    /// declared, and it is what keeps a planned stop out of the downtime).
    var severity: Int {
        switch self {
        case .operational: 0
        case .degraded: 1
        case .down: 2
        case .maintenance: 3
        }
    }
}

/// Minutes spent in each state.
public struct RollupCounts: Sendable, Hashable, Codable {
    public var operational: Int
    public var degraded: Int
    public var down: Int
    public var maintenance: Int

    public init(operational: Int = 0, degraded: Int = 0, down: Int = 0, maintenance: Int = 0) {
        self.operational = operational
        self.degraded = degraded
        self.down = down
        self.maintenance = maintenance
    }

    init(_ state: RollupState) {
        self.init()
        self[state] += 1
    }

    public subscript(state: RollupState) -> Int {
        get {
            switch state {
            case .operational: operational
            case .degraded: degraded
            case .down: down
            case .maintenance: maintenance
            }
        }
        set {
            switch state {
            case .operational: operational = newValue
            case .degraded: degraded = newValue
            case .down: down = newValue
            case .maintenance: maintenance = newValue
            }
        }
    }

    /// Minutes with data.
    public var observed: Int { operational + degraded + down + maintenance }
    public var isEmpty: Bool { observed == 0 }

    /// Available minutes (operational or degraded) over minutes that count: maintenance and
    /// minutes without data are left out. nil when no minute counts.
    public var uptime: Double? {
        let counted = operational + degraded + down
        return counted == 0 ? nil : Double(operational + degraded) / Double(counted)
    }

    /// The most severe state seen, maintenance aside: for a day's bar.
    public var worst: MeteoStatus? {
        if down > 0 { return .down }
        if degraded > 0 { return .degraded }
        if operational > 0 { return .operational }
        if maintenance > 0 { return .maintenance }
        return nil
    }

    public static func + (lhs: RollupCounts, rhs: RollupCounts) -> RollupCounts {
        RollupCounts(operational: lhs.operational + rhs.operational, degraded: lhs.degraded + rhs.degraded,
                     down: lhs.down + rhs.down, maintenance: lhs.maintenance + rhs.maintenance)
    }

    public static func += (lhs: inout RollupCounts, rhs: RollupCounts) { lhs = lhs + rhs }
}

/// The three resolutions of history and how far back each goes.
public enum RollupLevel: String, Sendable, Hashable, Codable, CaseIterable {
    /// UTC minutes, for a day.
    case minute
    /// UTC hours (also Paris hours: the offset is a whole number of hours), for 90 days.
    case hour
    /// Paris calendar days (23, 24 or 25 hours), for two years.
    case day

    public var capacity: Int {
        switch self {
        case .minute: 1440
        case .hour: 90 * 24
        case .day: 731
        }
    }
}

/// One bucket, as a persistence layer stores it: `index` is minutes or hours since 1970 (UTC), or
/// the Paris day number (`ParisTime.dayNumber`).
public struct RollupBucket: Sendable, Hashable, Codable {
    public var level: RollupLevel
    public var index: Int
    public var counts: RollupCounts

    public init(level: RollupLevel, index: Int, counts: RollupCounts) {
        self.level = level
        self.index = index
        self.counts = counts
    }

    public var start: Date {
        switch level {
        case .minute: Date(timeIntervalSince1970: TimeInterval(index * 60))
        case .hour: Date(timeIntervalSince1970: TimeInterval(index * 3600))
        case .day: ParisTime.startOfDay(index)
        }
    }
}

/// Uptime windows shown on the page.
public enum UptimeWindow: String, Sendable, Hashable, CaseIterable {
    case hours24 = "24h"
    case days7 = "7j"
    case days30 = "30j"
    case days90 = "90j"

    var hours: Int {
        switch self {
        case .hours24: 24
        case .days7: 7 * 24
        case .days30: 30 * 24
        case .days90: 90 * 24
        }
    }
}

/// The bounded history of one FQDN pair or DRIMbox: a state per minute for a day, minute counts
/// per hour for 90 days, per Paris day for two years. Memory is fixed by the capacities (at most
/// about 16 KB a series: 1 byte a minute, 4 an hour, 8 a day) and grows only as history
/// accumulates; nothing is kept per probe.
///
/// A later persistence layer stores `buckets(_:)` and gives them back to `restore(_:)`.
public struct RollupSeries: Sendable, Hashable {
    private var minutes = BucketRing<UInt8>(capacity: RollupLevel.minute.capacity)
    private var hours = BucketRing<UInt32>(capacity: RollupLevel.hour.capacity)
    private var days = BucketRing<UInt64>(capacity: RollupLevel.day.capacity)

    public init() {}

    /// Records the state of the minute containing `date`; a minute recorded twice keeps the more
    /// severe state. Returns false (and records nothing) for a minute more than a day older than
    /// the newest one recorded.
    @discardableResult
    public mutating func record(_ state: RollupState, at date: Date) -> Bool {
        record(state, minute: Int(date.timeIntervalSince1970.rounded(.down)).floorDivided(by: 60), parisDay: ParisTime.dayNumber(of: date))
    }

    /// `record(_:at:)` with the minute and Paris day already worked out (the board records
    /// thousands of series for the same minute).
    @discardableResult
    mutating func record(_ state: RollupState, minute: Int, parisDay: Int) -> Bool {
        if let newest = minutes.newest, minute <= newest - minutes.capacity { return false }
        minutes.advance(to: minute)
        let previous = RollupState(rawValue: minutes[minute] ?? 0)
        if let previous, previous.severity >= state.severity { return true }
        minutes[minute] = state.rawValue
        let hour = minute.floorDivided(by: 60)
        hours.advance(to: hour)
        if var counts = hours[hour].map(Self.unpackHour) {
            if let previous { counts[previous] -= 1 }
            counts[state] += 1
            hours[hour] = Self.packHour(counts)
        }
        days.advance(to: parisDay)
        if var counts = days[parisDay].map(Self.unpackDay) {
            if let previous { counts[previous] -= 1 }
            counts[state] += 1
            days[parisDay] = Self.packDay(counts)
        }
        return true
    }

    /// The state of one minute, if recorded and still held.
    public func state(atMinute minute: Int) -> RollupState? {
        minutes[minute].flatMap { RollupState(rawValue: $0) }
    }

    /// Minute counts over a window ending at `now`: the last 1,440 minutes for 24 h, the last
    /// 168 / 720 / 2,160 hours (the current one included) for 7 / 30 / 90 days.
    public func counts(over window: UptimeWindow, at now: Date) -> RollupCounts {
        let nowMinute = Int(now.timeIntervalSince1970.rounded(.down)).floorDivided(by: 60)
        var total = RollupCounts()
        if window == .hours24 {
            for minute in (nowMinute - 1439)...nowMinute {
                if let state = state(atMinute: minute) { total[state] += 1 }
            }
        } else {
            let nowHour = nowMinute.floorDivided(by: 60)
            for hour in (nowHour - window.hours + 1)...nowHour {
                if let packed = hours[hour] { total += Self.unpackHour(packed) }
            }
        }
        return total
    }

    /// Uptime over a window (maintenance and minutes without data left out); nil with no data.
    public func uptime(over window: UptimeWindow, at now: Date) -> Double? {
        counts(over: window, at: now).uptime
    }

    /// The last `count` Paris days up to the one containing `now`, oldest first, empty days
    /// included (for the 90-day bar and its table).
    public func dailyHistory(days count: Int, at now: Date) -> [RollupBucket] {
        let today = ParisTime.dayNumber(of: now)
        return ((today - count + 1)...today).map { day in
            RollupBucket(level: .day, index: day, counts: days[day].map(Self.unpackDay) ?? RollupCounts())
        }
    }

    /// Every non-empty bucket of a level, oldest first.
    public func buckets(_ level: RollupLevel) -> [RollupBucket] {
        switch level {
        case .minute:
            minutes.indices.compactMap { index in
                state(atMinute: index).map { RollupBucket(level: .minute, index: index, counts: RollupCounts($0)) }
            }
        case .hour:
            hours.indices.compactMap { index in
                hours[index].map(Self.unpackHour).flatMap { $0.isEmpty ? nil : RollupBucket(level: .hour, index: index, counts: $0) }
            }
        case .day:
            days.indices.compactMap { index in
                days[index].map(Self.unpackDay).flatMap { $0.isEmpty ? nil : RollupBucket(level: .day, index: index, counts: $0) }
            }
        }
    }

    /// Puts stored buckets back (any order, any levels); buckets beyond a level's reach from the
    /// newest one are dropped. A minute bucket must hold a single minute.
    public mutating func restore(_ buckets: [RollupBucket]) {
        for bucket in buckets.sorted(by: { $0.index < $1.index }) {
            switch bucket.level {
            case .minute:
                guard bucket.counts.observed == 1, let state = RollupState.allCases.first(where: { bucket.counts[$0] == 1 }) else { continue }
                minutes.advance(to: bucket.index)
                if minutes[bucket.index] != nil { minutes[bucket.index] = state.rawValue }
            case .hour:
                hours.advance(to: bucket.index)
                if hours[bucket.index] != nil { hours[bucket.index] = Self.packHour(bucket.counts) }
            case .day:
                days.advance(to: bucket.index)
                if days[bucket.index] != nil { days[bucket.index] = Self.packDay(bucket.counts) }
            }
        }
    }

    /// Buckets held per level (for tests and memory accounting).
    public var heldBuckets: [RollupLevel: Int] {
        [.minute: minutes.count, .hour: hours.count, .day: days.count]
    }

    // Hour: four 8-bit minute counts (at most 60 each). Day: four 16-bit counts (at most 1,500).
    static func packHour(_ counts: RollupCounts) -> UInt32 {
        RollupState.allCases.enumerated().reduce(0) { packed, item in
            packed | UInt32(min(max(counts[item.element], 0), 255)) << (8 * item.offset)
        }
    }

    static func unpackHour(_ packed: UInt32) -> RollupCounts {
        var counts = RollupCounts()
        for (offset, state) in RollupState.allCases.enumerated() { counts[state] = Int((packed >> (8 * offset)) & 0xFF) }
        return counts
    }

    static func packDay(_ counts: RollupCounts) -> UInt64 {
        RollupState.allCases.enumerated().reduce(0) { packed, item in
            packed | UInt64(min(max(counts[item.element], 0), 65_535)) << (16 * item.offset)
        }
    }

    static func unpackDay(_ packed: UInt64) -> RollupCounts {
        var counts = RollupCounts()
        for (offset, state) in RollupState.allCases.enumerated() { counts[state] = Int((packed >> (16 * offset)) & 0xFFFF) }
        return counts
    }
}

/// The newest `capacity` buckets of a series, indexed by bucket number; storage grows with the
/// history held, up to `capacity`, then wraps.
struct BucketRing<Element: FixedWidthInteger & Sendable>: Sendable, Hashable {
    let capacity: Int
    /// The bucket number of the oldest bucket held.
    private var first = 0
    /// Physical index of the oldest bucket once the storage is full (0 while it grows).
    private var start = 0
    private var storage: [Element] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { storage.count }
    var newest: Int? { storage.isEmpty ? nil : first + storage.count - 1 }
    var indices: ClosedRange<Int> { storage.isEmpty ? 1...0 : first...(first + storage.count - 1) }

    /// Makes `bucket` the newest (zeroed), dropping the buckets that fall out of reach. A bucket
    /// not newer than the newest changes nothing.
    mutating func advance(to bucket: Int) {
        guard let newest else {
            first = bucket
            start = 0
            storage = [0]
            return
        }
        guard bucket > newest else { return }
        var steps = bucket - newest
        if steps >= capacity {
            first = bucket
            start = 0
            storage = [0]
            return
        }
        while steps > 0 {
            if storage.count < capacity {
                storage.append(0)
            } else {
                storage[start] = 0
                start = (start + 1) % capacity
                first += 1
            }
            steps -= 1
        }
    }

    /// nil for a bucket not held (too old, or newer than the newest).
    subscript(bucket: Int) -> Element? {
        get {
            guard let position = position(of: bucket) else { return nil }
            return storage[position]
        }
        set {
            guard let position = position(of: bucket), let newValue else { return }
            storage[position] = newValue
        }
    }

    private func position(of bucket: Int) -> Int? {
        guard !storage.isEmpty, bucket >= first, bucket < first + storage.count else { return nil }
        return (start + bucket - first) % storage.count
    }
}
