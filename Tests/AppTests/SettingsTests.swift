@testable import App
import Foundation
import Testing

@Suite("Settings are read once, and a bad value stops the start with a clear message")
struct SettingsTests {
    @Test("a bad value names the variable", arguments: [
        ("EDC_LOG_FORMAT", "xml"), ("EDC_LOG_LEVEL", "verbose"), ("EDC_PORT", "80800"), ("EDC_METRICS_TOKEN", "short"),
        ("EDC_SIGNIN_MAX_FAILURES", "0"), ("EDC_TOKEN_MAX_DAYS", "ninety"), ("EDC_HSTS", "yes"), ("EDC_WHITELIST_MAX_LAG", "5"),
        ("EDC_TRUST_FORWARDED_FOR", "1"), ("EDC_DOCUMENT_QUOTA_MB", "-1"), ("EDC_IDLE_TIMEOUT", "0"),
    ])
    func badValue(_ name: String, _ value: String) {
        #expect {
            _ = try Settings.fromEnvironment([name: value])
        } throws: { error in
            (error as? SettingsError)?.description.contains(name) == true
        }
    }

    @Test("good values are taken, and --data-dir wins over EDC_DATA_DIR")
    func goodValues() throws {
        let settings = try Settings.fromEnvironment([
            "EDC_DATA_DIR": "/var/lib/edc", "EDC_LOG_FORMAT": "json", "EDC_LOG_LEVEL": "warning", "EDC_METRICS_TOKEN": "0123456789abcdef",
            "EDC_SIGNIN_MAX_FAILURES": "3", "EDC_SIGNIN_LOCK_SECONDS": "60", "EDC_TOKEN_MAX_DAYS": "30", "EDC_HSTS": "true",
            "EDC_WHITELIST_MAX_LAG": "120", "EDC_SIGNIN_FAILURE_DELAY_MS": "250",
        ], dataDirectory: "/srv/edc")
        #expect(settings.dataDirectory == "/srv/edc")
        #expect(settings.database == .sqliteFile("/srv/edc/edc.sqlite"))
        #expect(settings.logFormat == .json && settings.logLevel == "warning")
        #expect(settings.metricsToken == "0123456789abcdef")
        #expect(settings.signIn.maximumFailures == 3 && settings.signIn.lockDuration == 60 && settings.signIn.failureDelay == 0.25)
        #expect(settings.maximumTokenLifetimeDays == 30 && settings.hsts)
        #expect(settings.whitelist.maximumPublicationLag == 120)
    }
}
