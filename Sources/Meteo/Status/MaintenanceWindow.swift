import Foundation

/// A declared maintenance of a DRIMbox (all its FQDN pairs): `start` inclusive, `end` exclusive.
/// Inside it the DRIMbox shows `maintenance`, and its minutes are not counted in uptime.
public struct MaintenanceWindow: Sendable, Hashable, Codable {
    public var drimbox: Int
    public var start: Date
    public var end: Date

    public init(drimbox: Int, start: Date, end: Date) throws(MaintenanceWindowError) {
        guard start < end else { throw MaintenanceWindowError(description: "a maintenance window must end after it starts") }
        self.drimbox = drimbox
        self.start = start
        self.end = end
    }

    /// A window written in Paris wall-clock time. A start that happens twice (the October change)
    /// is its first occurrence and an end that happens twice its second, so the window covers
    /// everything its author could have meant; a time in the March gap moves forward by an hour.
    public init(drimbox: Int, parisStart: ParisLocalTime, parisEnd: ParisLocalTime) throws(MaintenanceWindowError) {
        try self.init(
            drimbox: drimbox,
            start: ParisTime.instant(of: parisStart, ifAmbiguous: .earlier),
            end: ParisTime.instant(of: parisEnd, ifAmbiguous: .later)
        )
    }

    public func covers(_ date: Date) -> Bool { start <= date && date < end }
}

public struct MaintenanceWindowError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}
