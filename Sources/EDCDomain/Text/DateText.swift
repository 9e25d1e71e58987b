import Foundation

/// Dates as people and protocols read them: in French and Paris time for pages, e-mails and PDFs;
/// fixed formats (RFC 5322, file names, CRLs) in UTC.
public enum DateText {
    /// A formatter for `format` in `timeZone` with a fixed locale (never the machine's).
    public static func formatter(_ format: String, locale: String = "en_US_POSIX", timeZone: String = "UTC") -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: locale)
        formatter.timeZone = TimeZone(identifier: timeZone)
        formatter.dateFormat = format
        return formatter
    }

    /// "3 décembre 2026" (or another `format`), in French, Paris time.
    public static func paris(_ date: Date, _ format: String = "d MMMM yyyy") -> String {
        parisFormatter(format).string(from: date)
    }

    /// One formatter per format and thread: making one costs about 0.1 ms (ICU loads the
    /// locale's symbols), a page of 50 rows used to make a hundred; a formatter is never shared
    /// between threads.
    private static func parisFormatter(_ format: String) -> DateFormatter {
        let key = "EDCDomain.DateText.paris." + format
        let cache = Thread.current.threadDictionary
        if let cached = cache[key] as? DateFormatter { return cached }
        let made = formatter(format, locale: "fr_FR", timeZone: "Europe/Paris")
        if cache.count < 64 { cache[key] = made }
        return made
    }

    /// `format` in UTC with the POSIX locale (e.g. `yyyyMMdd'T'HHmmss'Z'`).
    public static func utc(_ date: Date, _ format: String) -> String {
        formatter(format).string(from: date)
    }
}
