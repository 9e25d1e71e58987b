import Foundation

/// A wall-clock time in Paris, as operators and ANS write maintenance windows
/// (`2025-10-26 02:30`), without seconds.
public struct ParisLocalTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) throws(ParisTimeError) {
        guard (1970...9999).contains(year), (1...12).contains(month),
              (1...ParisTime.daysInMonth(year: year, month: month)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute) else {
            throw ParisTimeError(text: String(format: "%04d-%02d-%02d %02d:%02d", year, month, day, hour, minute))
        }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM` (what an HTML `datetime-local` field sends).
    public init(_ text: String) throws(ParisTimeError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let bytes = Array(trimmed.utf8)
        guard bytes.count == 16, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":") else {
            throw ParisTimeError(text: text)
        }
        func number(_ range: Range<Int>) throws(ParisTimeError) -> Int {
            guard bytes[range].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(String(decoding: bytes[range], as: UTF8.self)) else { throw ParisTimeError(text: text) }
            return value
        }
        try self.init(year: number(0..<4), month: number(5..<7), day: number(8..<10), hour: number(11..<13), minute: number(14..<16))
    }

    public var description: String { String(format: "%04d-%02d-%02d %02d:%02d", year, month, day, hour, minute) }

    public static func < (lhs: ParisLocalTime, rhs: ParisLocalTime) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute) < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute)
    }

    /// Seconds since 1970-01-01 00:00 of this wall-clock time read as if it were UTC.
    var naiveSeconds: Int {
        ParisTime.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60
    }
}

/// A text that is not a valid Paris wall-clock time.
public struct ParisTimeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var description: String { "\"\(text)\" is not a date and time YYYY-MM-DD HH:MM" }
}

/// Europe/Paris wall-clock times ↔ UTC instants, correct across daylight-saving changes.
public enum ParisTime {
    public static let timeZone = TimeZone(identifier: "Europe/Paris")!

    /// Which instant to take for a wall-clock time that happens twice (the last Sunday of
    /// October, 02:00–02:59 is lived once in summer time, once in winter time).
    public enum Ambiguity: Sendable {
        case earlier, later
    }

    /// The UTC instant of a Paris wall-clock time. A time that happens twice gives the earlier or
    /// later instant as asked; a time that never happens (the last Sunday of March, 02:00–02:59)
    /// is moved forward by the gap (02:30 → 03:30 summer time), as java.time does.
    public static func instant(of local: ParisLocalTime, ifAmbiguous: Ambiguity) -> Date {
        let naive = local.naiveSeconds
        let before = offset(at: naive - 86_400)
        let after = offset(at: naive + 86_400)
        let valid = Set([before, after]).map { naive - $0 }.filter { offset(at: $0) == naive - $0 }.sorted()
        if valid.isEmpty {
            return Date(timeIntervalSince1970: TimeInterval(naive - before))
        }
        return Date(timeIntervalSince1970: TimeInterval(ifAmbiguous == .earlier ? valid.first! : valid.last!))
    }

    /// The Paris wall-clock time of an instant (seconds dropped).
    public static func localTime(of date: Date) -> ParisLocalTime {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let local = seconds + offset(at: seconds)
        let days = local.floorDivided(by: 86_400)
        let (year, month, day) = civilFromDays(days)
        let secondOfDay = local - days * 86_400
        // Components from a valid instant are always valid.
        return try! ParisLocalTime(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60)
    }

    /// The Paris calendar day of an instant, as days since 1970-01-01.
    public static func dayNumber(of date: Date) -> Int {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        return (seconds + offset(at: seconds)).floorDivided(by: 86_400)
    }

    /// The instant a Paris calendar day starts (midnight is never skipped nor repeated in Paris).
    public static func startOfDay(_ dayNumber: Int) -> Date {
        let naive = dayNumber * 86_400
        return Date(timeIntervalSince1970: TimeInterval(naive - offset(at: naive - offset(at: naive))))
    }

    static func offset(at secondsSince1970: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(secondsSince1970)))
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
