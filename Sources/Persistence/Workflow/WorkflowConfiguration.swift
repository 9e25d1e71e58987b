import EDCDomain
import Foundation

/// Settings of the workflow that ANS may change.
public struct WorkflowConfiguration: Sendable {
    public var namingPattern: FQDNNamingPattern
    /// Time given to send the VA document after provisional integration.
    public var vaDeadline: TimeInterval

    public init(namingPattern: FQDNNamingPattern = .default, vaDeadlineDays: Int = 90) {
        self.namingPattern = namingPattern
        self.vaDeadline = TimeInterval(vaDeadlineDays) * 86_400
    }
}
