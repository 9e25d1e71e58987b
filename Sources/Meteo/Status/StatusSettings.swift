import Foundation

/// The rules of the status model; the defaults suit a 60 s probe interval.
public struct StatusSettings: Sendable, Hashable {
    /// Consecutive failing probes before an operational pair is shown degraded or down.
    public var failureThreshold: Int
    /// Consecutive good probes before a degraded or down pair is shown operational again.
    public var recoveryThreshold: Int
    /// With no probe applied for this long, a pair is `unknown` (never `down`).
    public var staleAfter: TimeInterval
    /// When more than this share of the pairs probed in one round are down, the prober suspects
    /// itself (its network, its DNS): the round is discarded and the page says "données
    /// indisponibles" instead of announcing a national outage.
    public var selfSuspicionShare: Double
    /// Below this many pairs in a round, the self-suspicion rule does not apply.
    public var selfSuspicionMinimumTargets: Int
    /// Certificates expiring within this many seconds are flagged.
    public var certificateWarning: TimeInterval

    public init(
        failureThreshold: Int = 2,
        recoveryThreshold: Int = 2,
        staleAfter: TimeInterval = 180,
        selfSuspicionShare: Double = 0.5,
        selfSuspicionMinimumTargets: Int = 4,
        certificateWarning: TimeInterval = 30 * 86_400
    ) {
        self.failureThreshold = max(1, failureThreshold)
        self.recoveryThreshold = max(1, recoveryThreshold)
        self.staleAfter = staleAfter
        self.selfSuspicionShare = selfSuspicionShare
        self.selfSuspicionMinimumTargets = max(1, selfSuspicionMinimumTargets)
        self.certificateWarning = certificateWarning
    }
}
