import EDCDomain
import Foundation

/// The state of one FQDN pair at a given instant.
public struct PairStatus: Sendable, Hashable {
    public var key: PairKey
    public var db: FQDN
    public var vi: FQDN
    public var status: MeteoStatus
    /// Why it is degraded or down; nil otherwise.
    public var cause: PairCause?
    /// Since when the confirmed state holds.
    public var since: Date?
    /// When the last probe applied ended.
    public var lastCheckedAt: Date?
    /// The `db` server certificate last seen (expiry, subject, whether it is the listed DN).
    public var certificate: ServerCertificate?
    /// The `vi` server certificate last seen.
    public var viewerCertificate: ServerCertificate?
    /// A certificate of the pair has expired or expires within `StatusSettings.certificateWarning`.
    public var certificateExpiresSoon: Bool
}

/// The state of one DRIMbox at a given instant: its pairs and what they mean together.
public struct DrimboxStatus: Sendable, Hashable {
    public var identifiant: Int
    public var status: MeteoStatus
    /// The oldest of its pairs' last checks (every pair was checked at least this recently).
    public var lastCheckedAt: Date?
    public var pairs: [PairStatus]
    /// The maintenance window in progress, if any.
    public var maintenance: MaintenanceWindow?
    /// Declared windows not yet ended, in progress or to come, by start.
    public var maintenanceWindows: [MaintenanceWindow]
    public var certificateExpiresSoon: Bool
}

/// What one round of probes amounted to.
public struct RoundSummary: Sendable, Hashable {
    public var closedAt: Date
    /// Pair results in the round.
    public var probed: Int
    /// Those that count for self-suspicion: known targets not in maintenance.
    public var considered: Int
    public var down: Int
    public var degraded: Int
    /// More than `selfSuspicionShare` of the considered pairs were down: the round was
    /// discarded and the data is shown as unavailable.
    public var suspect: Bool
}

/// Everything the public pages and `/meteo.json` need at one instant.
public struct MeteoSnapshot: Sendable, Hashable {
    public var generatedAt: Date
    /// "Données indisponibles": the last round was suspect, or no round was applied within
    /// `staleAfter` (the prober is stopped or late).
    public var dataUnavailable: Bool
    public var lastRound: RoundSummary?
    /// By identifiant.
    public var drimboxes: [DrimboxStatus]

    public func count(_ status: MeteoStatus) -> Int { drimboxes.count { $0.status == status } }
}

/// The status model of the whole network: per-pair trackers with thresholds, DRIMbox
/// aggregates, maintenance windows, the self-suspicion rule and the bounded roll-ups. Pure: time
/// comes in as arguments (the clock is the caller's), nothing here does I/O.
///
/// A value type; the app keeps one in an actor and calls `setTargets` when the registry
/// changes, `apply` at the end of each round, `snapshot` for the pages.
public struct MeteoBoard: Sendable {
    public var settings: StatusSettings

    struct PairRecord: Sendable {
        var target: ProbeTarget
        var tracker = StatusTracker()
        var lastResult: PairProbeResult?
        var rollups = RollupSeries()
    }

    struct DrimboxRecord: Sendable {
        var pairs: [PairKey] = []
        var rollups = RollupSeries()
    }

    private var pairs: [PairKey: PairRecord] = [:]
    private var drimboxes: [Int: DrimboxRecord] = [:]
    private var maintenance: [Int: [MaintenanceWindow]] = [:]
    public private(set) var lastRound: RoundSummary?
    private var lastRecordedMinute: Int?

    public init(settings: StatusSettings = StatusSettings()) {
        self.settings = settings
    }

    /// The pairs to show: new ones start `unknown`; pairs no longer given (the DRIMbox left the
    /// white list, a PACS was removed) are dropped with their history (a persistence layer keeps
    /// what it stored).
    public mutating func setTargets(_ targets: [ProbeTarget]) {
        let wanted = Dictionary(targets.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        pairs = pairs.filter { wanted[$0.key] != nil }
        for (key, target) in wanted {
            pairs[key, default: PairRecord(target: target)].target = target
        }
        var grouped: [Int: [PairKey]] = [:]
        for key in wanted.keys { grouped[key.drimbox, default: []].append(key) }
        drimboxes = drimboxes.filter { grouped[$0.key] != nil }
        for (drimbox, keys) in grouped {
            drimboxes[drimbox, default: DrimboxRecord()].pairs = keys.sorted()
        }
    }

    public var targets: [ProbeTarget] { pairs.values.map(\.target).sorted { $0.key < $1.key } }

    /// Replaces the declared maintenance windows (ended ones may be left in; they are ignored).
    public mutating func setMaintenanceWindows(_ windows: [MaintenanceWindow]) {
        maintenance = Dictionary(grouping: windows, by: \.drimbox).mapValues { $0.sorted { $0.start < $1.start } }
    }

    public func isInMaintenance(_ drimbox: Int, at now: Date) -> Bool {
        currentMaintenance(drimbox, at: now) != nil
    }

    private func currentMaintenance(_ drimbox: Int, at now: Date) -> MaintenanceWindow? {
        maintenance[drimbox]?.first { $0.covers(now) }
    }

    /// Applies one round of results closed at `now`. When the round is suspect (self-suspicion),
    /// nothing is applied nor recorded: the minutes are left without data.
    @discardableResult
    public mutating func apply(_ results: [PairProbeResult], at now: Date) -> RoundSummary {
        let known = results.filter { pairs[$0.target.key] != nil }
        let considered = known.filter { !isInMaintenance($0.target.drimbox, at: now) }
        let verdicts = considered.map(\.verdict.status)
        let down = verdicts.count { $0 == .down }
        let suspect = considered.count >= settings.selfSuspicionMinimumTargets
            && Double(down) > settings.selfSuspicionShare * Double(considered.count)
        let summary = RoundSummary(
            closedAt: now, probed: results.count, considered: considered.count,
            down: down, degraded: verdicts.count { $0 == .degraded }, suspect: suspect
        )
        lastRound = summary
        guard !suspect else { return summary }
        for result in known {
            let key = result.target.key
            if isInMaintenance(key.drimbox, at: now) {
                pairs[key]?.tracker.reset()
            } else {
                pairs[key]?.tracker.observe(result.verdict, at: result.checkedAt, settings: settings)
            }
            pairs[key]?.lastResult = result
        }
        recordRollups(at: now)
        return summary
    }

    /// Records every pair's and DRIMbox's state for the minute of `now`, and for the minutes
    /// since the last record when that gap is shorter than `staleAfter` (a late round).
    private mutating func recordRollups(at now: Date) {
        let minute = Int(now.timeIntervalSince1970.rounded(.down)).floorDivided(by: 60)
        var minutesToRecord = [minute]
        if let last = lastRecordedMinute, last < minute - 1, Double(minute - last) * 60 <= settings.staleAfter {
            minutesToRecord = Array((last + 1)...minute)
        }
        let days = minutesToRecord.map { ParisTime.dayNumber(of: Date(timeIntervalSince1970: TimeInterval($0 * 60))) }
        let statuses = Dictionary(uniqueKeysWithValues: drimboxes.keys.map { ($0, drimboxStatus($0, at: now)!) })
        for (drimbox, status) in statuses {
            for pair in status.pairs {
                guard let state = RollupState(pair.status) else { continue }
                for (minute, day) in zip(minutesToRecord, days) { pairs[pair.key]?.rollups.record(state, minute: minute, parisDay: day) }
            }
            guard let state = RollupState(status.status) else { continue }
            for (minute, day) in zip(minutesToRecord, days) { drimboxes[drimbox]?.rollups.record(state, minute: minute, parisDay: day) }
        }
        lastRecordedMinute = max(lastRecordedMinute ?? minute, minute)
    }

    public func pairStatus(_ key: PairKey, at now: Date) -> PairStatus? {
        guard let record = pairs[key] else { return nil }
        var status = record.tracker.status(at: now, settings: settings)
        if isInMaintenance(key.drimbox, at: now) { status = .maintenance }
        let db = record.lastResult?.db.certificate
        let vi = record.lastResult?.vi.certificate
        return PairStatus(
            key: key, db: record.target.pair.db, vi: record.target.pair.viewer,
            status: status,
            cause: status == .degraded || status == .down ? record.tracker.cause : nil,
            since: record.tracker.since,
            lastCheckedAt: record.lastResult?.checkedAt,
            certificate: db, viewerCertificate: vi,
            certificateExpiresSoon: [db, vi].contains { $0?.expiresSoon(at: now, warning: settings.certificateWarning) == true }
        )
    }

    /// A DRIMbox's state: maintenance inside a window; otherwise operational when every pair is,
    /// down when none is operational or degraded and some pair is down, degraded when some pair
    /// is down or degraded and another still answers, unknown when data is missing and nothing
    /// is wrong (no recent data is never down).
    public func drimboxStatus(_ identifiant: Int, at now: Date) -> DrimboxStatus? {
        guard let record = drimboxes[identifiant] else { return nil }
        let pairStatuses = record.pairs.compactMap { pairStatus($0, at: now) }
        let window = currentMaintenance(identifiant, at: now)
        let statuses = pairStatuses.map(\.status)
        let status: MeteoStatus
        if window != nil {
            status = .maintenance
        } else if statuses.isEmpty || statuses.allSatisfy({ $0 == .unknown }) {
            status = .unknown
        } else if statuses.allSatisfy({ $0 == .operational }) {
            status = .operational
        } else if statuses.contains(.down), !statuses.contains(.operational), !statuses.contains(.degraded) {
            status = .down
        } else if statuses.contains(.down) || statuses.contains(.degraded) {
            status = .degraded
        } else {
            status = .unknown
        }
        return DrimboxStatus(
            identifiant: identifiant,
            status: status,
            lastCheckedAt: pairStatuses.contains { $0.lastCheckedAt == nil } ? nil : pairStatuses.compactMap(\.lastCheckedAt).min(),
            pairs: pairStatuses,
            maintenance: window,
            maintenanceWindows: (maintenance[identifiant] ?? []).filter { $0.end > now },
            certificateExpiresSoon: pairStatuses.contains { $0.certificateExpiresSoon }
        )
    }

    public func snapshot(at now: Date) -> MeteoSnapshot {
        let stale = lastRound.map { now.timeIntervalSince($0.closedAt) > settings.staleAfter } ?? true
        return MeteoSnapshot(
            generatedAt: now,
            dataUnavailable: stale || lastRound?.suspect == true,
            lastRound: lastRound,
            drimboxes: drimboxes.keys.sorted().compactMap { drimboxStatus($0, at: now) }
        )
    }

    // MARK: History

    public func rollups(of pair: PairKey) -> RollupSeries? { pairs[pair]?.rollups }
    public func rollups(ofDrimbox identifiant: Int) -> RollupSeries? { drimboxes[identifiant]?.rollups }

    /// Gives back stored history (after `setTargets`; unknown keys are ignored).
    public mutating func restoreRollups(of pair: PairKey, _ buckets: [RollupBucket]) {
        pairs[pair]?.rollups.restore(buckets)
    }

    public mutating func restoreRollups(ofDrimbox identifiant: Int, _ buckets: [RollupBucket]) {
        drimboxes[identifiant]?.rollups.restore(buckets)
    }

    public func uptime(ofDrimbox identifiant: Int, over window: UptimeWindow, at now: Date) -> Double? {
        drimboxes[identifiant]?.rollups.uptime(over: window, at: now)
    }

    public func uptime(of pair: PairKey, over window: UptimeWindow, at now: Date) -> Double? {
        pairs[pair]?.rollups.uptime(over: window, at: now)
    }
}
