@testable import App
import Foundation
import Notifications
import Testing

@Suite("Settings are read once, and a bad value stops the start with a clear message")
struct SettingsTests {
    @Test("a bad value names the variable", arguments: [
        ("EDC_LOG_FORMAT", "xml"), ("EDC_LOG_LEVEL", "verbose"), ("EDC_PORT", "80800"), ("EDC_METRICS_TOKEN", "short"),
        ("EDC_SIGNIN_MAX_FAILURES", "0"), ("EDC_TOKEN_MAX_DAYS", "ninety"), ("EDC_HSTS", "yes"), ("EDC_WHITELIST_MAX_LAG", "5"),
        ("EDC_TRUST_FORWARDED_FOR", "1"), ("EDC_DOCUMENT_QUOTA_MB", "-1"), ("EDC_IDLE_TIMEOUT", "0"),
        ("EDC_DOCUMENT_MAX_MB", "0"), ("EDC_SMTP_TLS", "ssl"), ("EDC_MAIL_FROM", "pas une adresse"), ("EDC_ANS_TEAM_EMAIL", "a@b.fr\r\nBcc: x@y.fr"),
        ("EDC_PUBLIC_BASE_URL", "ftp://edc.example.fr"), ("EDC_DOCUMENT_KEYS_PREVIOUS", "court"), ("EDC_SMTP_PORT", "587"),
    ])
    func badValue(_ name: String, _ value: String) {
        // The SMTP settings are read only with a host (EDC_SMTP_PORT alone is itself refused).
        let context = name.hasPrefix("EDC_SMTP_") && name != "EDC_SMTP_PORT" ? ["EDC_SMTP_HOST": "smtp.example.fr"] : [:]
        #expect {
            _ = try Settings.fromEnvironment(context.merging([name: value]) { $1 })
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
            "EDC_SMTP_HOST": "smtp.example.fr", "EDC_SMTP_TLS": "tls", "EDC_SMTP_USERNAME": "edc", "EDC_SMTP_PASSWORD": "secret",
            "EDC_MAIL_FROM": "Espace de Confiance <ne-pas-repondre@edc.example.fr>", "EDC_DOCUMENT_MAX_MB": "5",
            "EDC_PUBLIC_BASE_URL": "https://edc.example.fr",
        ], dataDirectory: "/srv/edc")
        #expect(settings.dataDirectory == "/srv/edc")
        #expect(settings.database == .sqliteFile("/srv/edc/edc.sqlite"))
        #expect(settings.logFormat == .json && settings.logLevel == "warning")
        #expect(settings.metricsToken == "0123456789abcdef")
        #expect(settings.signIn.maximumFailures == 3 && settings.signIn.lockDuration == 60 && settings.signIn.failureDelay == 0.25)
        #expect(settings.maximumTokenLifetimeDays == 30 && settings.hsts)
        #expect(settings.whitelist.maximumPublicationLag == 120)
        #expect(settings.mail.smtp == SMTPSettings(host: "smtp.example.fr", port: 465, security: .tls, username: "edc", password: "secret"))
        #expect(settings.mail.from.name == "Espace de Confiance" && settings.mail.from.address == "ne-pas-repondre@edc.example.fr")
        #expect(settings.maxDocumentSize == 5 * 1024 * 1024 && settings.resolvedPublicBaseURL == "https://edc.example.fr")
    }
}
