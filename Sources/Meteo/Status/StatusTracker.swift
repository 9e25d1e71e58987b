import Foundation

/// The confirmed state of one FQDN pair from its successive verdicts, with thresholds against
/// flapping: an operational pair turns degraded or down only after `failureThreshold`
/// consecutive failing verdicts, and comes back only after `recoveryThreshold` good ones. With no
/// prior state (first probe, or after a gap longer than `staleAfter`) the first verdict is
/// adopted at once, so a page is filled from the first round.
public struct StatusTracker: Sendable, Hashable {
    /// `.operational`, `.degraded`, `.down`, or `.unknown` before any verdict.
    public private(set) var confirmed: MeteoStatus = .unknown
    /// Why the pair is degraded or down (the latest failing verdict's cause while it is).
    public private(set) var cause: PairCause?
    /// When `confirmed` last changed.
    public private(set) var since: Date?
    public private(set) var lastObservedAt: Date?
    public private(set) var consecutiveFailures = 0
    public private(set) var consecutiveSuccesses = 0

    public init() {}

    public mutating func observe(_ verdict: PairVerdict, at date: Date, settings: StatusSettings) {
        if let last = lastObservedAt, date.timeIntervalSince(last) > settings.staleAfter {
            confirmed = .unknown
            consecutiveFailures = 0
            consecutiveSuccesses = 0
        }
        lastObservedAt = date
        if verdict.status == .operational {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            if confirmed == .unknown || (confirmed != .operational && consecutiveSuccesses >= settings.recoveryThreshold) {
                change(to: .operational, at: date)
            }
            if confirmed == .operational { cause = nil }
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            if confirmed == .unknown || confirmed != .operational || consecutiveFailures >= settings.failureThreshold {
                change(to: verdict.status, at: date)
                cause = verdict.cause
            }
        }
    }

    /// Forgets the state, so that the next verdict is adopted at once (used during maintenance:
    /// whatever the DRIMbox does inside the window, the first probe after it decides).
    public mutating func reset() {
        self = StatusTracker()
    }

    /// The state at `now`: `unknown` when the last verdict is older than `staleAfter`.
    public func status(at now: Date, settings: StatusSettings) -> MeteoStatus {
        guard let last = lastObservedAt, now.timeIntervalSince(last) <= settings.staleAfter else { return .unknown }
        return confirmed
    }

    private mutating func change(to status: MeteoStatus, at date: Date) {
        if status != confirmed {
            confirmed = status
            since = date
        }
    }
}
