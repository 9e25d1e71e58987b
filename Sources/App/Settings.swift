import Accounts
import EDCDomain
import Foundation
import Notifications
import Persistence

/// Configuration, read once at start: command line (by the `edc` executable), then environment,
/// then defaults. See the README's configuration table.
public struct Settings: Sendable {
    public enum DatabaseLocation: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(url: String)
    }

    public var hostname = "127.0.0.1"
    public var port = 8080
    /// The address the public reaches EDC at (verification URLs printed on attestations):
    /// `EDC_PUBLIC_BASE_URL`, default `http://<hostname>:<port>`.
    public var publicBaseURL: String?
    public var resolvedPublicBaseURL: String { publicBaseURL ?? "http://\(hostname):\(port)" }
    public var dataDirectory = "./data"
    public var database: DatabaseLocation = .sqliteFile("./data/edc.sqlite")
    public var workflow = WorkflowConfiguration()
    /// bcrypt cost for new passwords (tests lower it).
    public var passwordCost = 12
    /// Largest JSON body accepted (bytes).
    public var maxJSONBody = 256 * 1024
    /// Largest document accepted (bytes).
    public var maxDocumentSize = 20 * 1024 * 1024
    /// Total size of the documents one operator may store (bytes).
    public var documentQuota = 500 * 1024 * 1024
    /// Uploads processed at once; more wait for nothing: 503 with Retry-After (memory stays bounded).
    public var concurrentUploads = 2
    /// A document that no request refers to is deleted after this long.
    public var orphanDocumentAge: TimeInterval = 7 * 86_400
    /// Responses stored for `Idempotency-Key` are kept this long.
    public var idempotencyRetention: TimeInterval = 86_400
    /// 32-byte AES key for documents at rest; generated under the data directory when nil.
    public var documentKey: Data?
    /// Master keys documents may still be wrapped with (`EDC_DOCUMENT_KEYS_PREVIOUS`), until
    /// `edc rotate-document-key` has re-wrapped them under `documentKey`.
    public var previousDocumentKeys: [Data] = []
    public var seedDemoData = false
    /// Run migrations at start (always for the embedded SQLite default).
    public var autoMigrate = true
    public var logLevel = "info"
    /// `text` (one escaped line per event) or `json` (one JSON object per line).
    public var logFormat = LogFormat.text
    public var whitelist = WhitelistSettings()
    public var outbox = OutboxSettings()
    public var mail = MailSettings()
    /// Exclude DRIMboxes whose VA document is overdue, in the background.
    public var enforceDeadlines = true
    /// Bearer token that `/metrics` requires; `/metrics` answers 404 when nil.
    public var metricsToken: String?
    public var signIn = SignInSettings()
    /// Send `Strict-Transport-Security` (when EDC is reached over HTTPS, behind its reverse proxy).
    public var hsts = false
    /// Seconds a client connection may stay silent (mid-request included) before it is closed.
    public var idleTimeoutSeconds = 30
    /// Longest lifetime of an API token, in days (sign-in tokens and administrator-issued ones).
    public var maximumTokenLifetimeDays = 90
    /// PEM file of the IGC-Santé roots that DRIMbox certificates pasted by operators must chain to
    /// (`EDC_IGC_SANTE_ANCHORS`); without it their chain is not checked (the answer says so).
    public var igcSanteAnchorsFile: String?
    /// The time, for everything that stores or compares dates (tests move it).
    public var clock: @Sendable () -> Date = { Date() }

    /// The web pages: cookies, sessions, design system, second factor.
    public var web = WebSettings()

    /// Run `--demo` even where it is unsafe (a public address, a production database).
    public var forceDemo = false

    public init() {}

    /// Why `edc serve` must not start with these settings (empty when it may):
    /// - the demo seeds an administrator whose password is public: loopback and the embedded
    ///   database only, unless forced;
    /// - several instances on one PostgreSQL would each generate their own document key, and
    ///   documents sealed by one would not open on another: the key must be given.
    public func servingProblems() -> [String] {
        var problems: [String] = []
        if seedDemoData && !forceDemo {
            let loopback = ["127.0.0.1", "localhost", "::1"].contains(hostname) || hostname.hasPrefix("127.")
            if !loopback {
                problems.append("--demo seeds accounts with a public password: it listens on a loopback address only (got '\(hostname)'; --force-demo overrides)")
            }
            if case .postgres = database {
                problems.append("--demo refuses a PostgreSQL DATABASE_URL: it would seed a production database with public passwords (--force-demo overrides)")
            }
        }
        if case .postgres = database, documentKey == nil {
            problems.append("with PostgreSQL (DATABASE_URL), EDC_DOCUMENT_KEY must be set: each instance would otherwise generate its own key and documents would not open on the others")
        }
        return problems
    }

    /// Settings from the environment (EDC_* and DATABASE_URL), over the defaults; a command-line
    /// `--data-dir` (`dataDirectory`) wins over `EDC_DATA_DIR`. A bad value stops with a message.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment, dataDirectory: String? = nil) throws -> Settings {
        var settings = Settings()
        if let dir = environment["EDC_DATA_DIR"], !dir.isEmpty { settings.dataDirectory = dir }
        if let dataDirectory, !dataDirectory.isEmpty { settings.dataDirectory = dataDirectory }
        settings.database = .sqliteFile(settings.dataDirectory + "/edc.sqlite")
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            settings.database = .postgres(url: url)
            settings.autoMigrate = environment["EDC_AUTO_MIGRATE"].map { $0 == "1" || $0 == "true" } ?? true
        }
        if let host = environment["EDC_HOSTNAME"], !host.isEmpty { settings.hostname = host }
        if let port = environment["EDC_PORT"] {
            guard let value = Int(port), (1...65535).contains(value) else { throw SettingsError("EDC_PORT must be a port number, got '\(port)'") }
            settings.port = value
        }
        if let base = environment["EDC_PUBLIC_BASE_URL"], !base.isEmpty {
            guard let url = URL(string: base), ["https", "http"].contains(url.scheme ?? ""), url.host != nil, url.query == nil, url.fragment == nil else {
                throw SettingsError("EDC_PUBLIC_BASE_URL must be an https:// (or http://) URL such as https://edc.example.fr, got '\(base)'")
            }
            settings.publicBaseURL = base
        }
        if let days = environment["EDC_VA_DEADLINE_DAYS"] {
            guard let value = Int(days), (1...3650).contains(value) else { throw SettingsError("EDC_VA_DEADLINE_DAYS must be 1...3650, got '\(days)'") }
            settings.workflow = WorkflowConfiguration(namingPattern: settings.workflow.namingPattern, vaDeadlineDays: value)
        }
        if let db = environment["EDC_FQDN_DB_PATTERN"], let vi = environment["EDC_FQDN_VI_PATTERN"] {
            do {
                settings.workflow.namingPattern = try FQDNNamingPattern(db: db, viewer: vi)
            } catch {
                throw SettingsError("EDC_FQDN_DB_PATTERN / EDC_FQDN_VI_PATTERN are invalid: \(error)")
            }
        }
        if let cost = environment["EDC_PASSWORD_COST"] {
            guard let value = Int(cost), (4...31).contains(value) else { throw SettingsError("EDC_PASSWORD_COST must be 4...31") }
            settings.passwordCost = value
        }
        if let key = environment["EDC_DOCUMENT_KEY"] {
            guard let data = Data(base64Encoded: key), data.count == 32 else { throw SettingsError("EDC_DOCUMENT_KEY must be 32 bytes in base64") }
            settings.documentKey = data
        }
        for text in (environment["EDC_DOCUMENT_KEYS_PREVIOUS"] ?? "").split(separator: ",") {
            guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)), data.count == 32 else {
                throw SettingsError("EDC_DOCUMENT_KEYS_PREVIOUS must be comma-separated 32-byte keys in base64")
            }
            settings.previousDocumentKeys.append(data)
        }
        if let token = environment["EDC_METRICS_TOKEN"], !token.isEmpty {
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw SettingsError("EDC_METRICS_TOKEN must be at least 16 visible ASCII characters")
            }
            settings.metricsToken = token
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), range.contains(value) else {
                throw SettingsError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
            }
            return value
        }
        settings.signIn.maximumFailures = try integer("EDC_SIGNIN_MAX_FAILURES", 1...100) ?? settings.signIn.maximumFailures
        settings.signIn.lockDuration = try integer("EDC_SIGNIN_LOCK_SECONDS", 1...86_400).map(TimeInterval.init) ?? settings.signIn.lockDuration
        settings.signIn.maximumAddressFailures = try integer("EDC_SIGNIN_ADDRESS_FAILURES", 1...10_000) ?? settings.signIn.maximumAddressFailures
        settings.signIn.passwordThreads = try integer("EDC_PASSWORD_THREADS", 1...64) ?? settings.signIn.passwordThreads
        settings.signIn.passwordQueue = try integer("EDC_PASSWORD_QUEUE", 1...10_000) ?? settings.signIn.passwordQueue
        settings.signIn.failureDelay = try integer("EDC_SIGNIN_FAILURE_DELAY_MS", 0...10_000).map { TimeInterval($0) / 1000 } ?? settings.signIn.failureDelay
        if let trust = environment["EDC_TRUST_FORWARDED_FOR"], !trust.isEmpty {
            guard trust == "true" || trust == "false" else { throw SettingsError("EDC_TRUST_FORWARDED_FOR must be true or false, got '\(trust)'") }
            settings.signIn.trustForwardedFor = trust == "true"
        }
        settings.maximumTokenLifetimeDays = try integer("EDC_TOKEN_MAX_DAYS", 1...730) ?? settings.maximumTokenLifetimeDays
        settings.idleTimeoutSeconds = try integer("EDC_IDLE_TIMEOUT", 1...3600) ?? settings.idleTimeoutSeconds
        settings.documentQuota = try integer("EDC_DOCUMENT_QUOTA_MB", 1...1_000_000).map { $0 * 1024 * 1024 } ?? settings.documentQuota
        settings.maxDocumentSize = try integer("EDC_DOCUMENT_MAX_MB", 1...200).map { $0 * 1024 * 1024 } ?? settings.maxDocumentSize
        settings.concurrentUploads = try integer("EDC_UPLOAD_CONCURRENCY", 1...64) ?? settings.concurrentUploads
        settings.orphanDocumentAge = try integer("EDC_ORPHAN_DOCUMENT_HOURS", 1...8760).map { TimeInterval($0) * 3600 } ?? settings.orphanDocumentAge
        if let hsts = environment["EDC_HSTS"], !hsts.isEmpty {
            guard hsts == "true" || hsts == "false" else { throw SettingsError("EDC_HSTS must be true or false, got '\(hsts)'") }
            settings.hsts = hsts == "true"
        }
        if let level = environment["EDC_LOG_LEVEL"], !level.isEmpty {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else { throw SettingsError("EDC_LOG_LEVEL must be one of \(levels.joined(separator: ", ")), got '\(level)'") }
            settings.logLevel = level
        }
        if let format = environment["EDC_LOG_FORMAT"], !format.isEmpty {
            guard let value = LogFormat(rawValue: format) else { throw SettingsError("EDC_LOG_FORMAT must be text or json, got '\(format)'") }
            settings.logFormat = value
        }
        settings.whitelist.certificateFile = environment["EDC_WHITELIST_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        settings.whitelist.privateKeyFile = environment["EDC_WHITELIST_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        settings.whitelist.intermediatesFile = environment["EDC_WHITELIST_CHAIN"].flatMap { $0.isEmpty ? nil : $0 }
        if (settings.whitelist.certificateFile == nil) != (settings.whitelist.privateKeyFile == nil) {
            throw SettingsError("EDC_WHITELIST_CERT and EDC_WHITELIST_KEY go together")
        }
        settings.whitelist.trustAnchorsFile = environment["EDC_WHITELIST_TRUST_ANCHORS"].flatMap { $0.isEmpty ? nil : $0 }
        settings.igcSanteAnchorsFile = environment["EDC_IGC_SANTE_ANCHORS"].flatMap { $0.isEmpty ? nil : $0 }
        settings.whitelist.expectedSubject = environment["EDC_WHITELIST_EXPECTED_SUBJECT"].flatMap { $0.isEmpty ? nil : $0 }
        settings.whitelist.revocationListFiles = (environment["EDC_WHITELIST_CRLS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if settings.whitelist.trustAnchorsFile == nil, !settings.whitelist.revocationListFiles.isEmpty {
            throw SettingsError("EDC_WHITELIST_CRLS goes with EDC_WHITELIST_TRUST_ANCHORS")
        }
        if let listen = environment["EDC_WHITELIST_LISTEN"], !listen.isEmpty {
            let parts = listen.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (0...65535).contains(port) else {
                throw SettingsError("EDC_WHITELIST_LISTEN must be host:port, got '\(listen)'")
            }
            settings.whitelist.listen = (parts[0], port)
        }
        if let lag = environment["EDC_WHITELIST_MAX_LAG"] {
            guard let value = Int(lag), (10...86_400).contains(value) else {
                throw SettingsError("EDC_WHITELIST_MAX_LAG must be a number of seconds in 10...86400, got '\(lag)'")
            }
            settings.whitelist.maximumPublicationLag = TimeInterval(value)
        }
        if let namespace = environment["EDC_WHITELIST_NAMESPACE"], !namespace.isEmpty {
            guard WhitelistSettings.namespaces.contains(namespace) else {
                throw SettingsError("EDC_WHITELIST_NAMESPACE must be one of \(WhitelistSettings.namespaces.joined(separator: ", "))")
            }
            settings.whitelist.namespace = namespace
        }
        try settings.mail.read(environment)
        try settings.web.read(environment, flag: { name in
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard text == "true" || text == "false" else { throw SettingsError("\(name) must be true or false, got '\(text)'") }
            return text == "true"
        }, integer: integer)
        if settings.web.secureCookies == nil, let base = settings.publicBaseURL, base.hasPrefix("https://") { settings.web.secureCookies = true }
        return settings
    }
}

/// E-mail: who sends, the ANS team in copy of every notification, and the SMTP server (none: the
/// messages are written as .eml files under `<data>/mail`).
public struct MailSettings: Sendable {
    public var from = try! MailAddress("ne-pas-repondre@edc.invalid", name: "Espace de Confiance DRIM-M (TEST)")
    public var ansTeam = try! MailAddress("equipe-drimm@ans.invalid", name: "Équipe DRIM-M (ANS)")
    public var smtp: SMTPSettings?
    public init() {}

    mutating func read(_ environment: [String: String]) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func address(_ name: String, _ text: String) throws -> MailAddress {
            // "Name <address>" or a bare address.
            if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
                let name = text[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                do { return try MailAddress(String(text[text.index(after: open)..<text.index(before: text.endIndex)]), name: name.isEmpty ? nil : name) } catch {
                    throw SettingsError("\(name) must be an e-mail address, optionally as \"Name <address>\": \(error)")
                }
            }
            do { return try MailAddress(text) } catch { throw SettingsError("\(name) must be an e-mail address: \(error)") }
        }
        if let text = value("EDC_MAIL_FROM") { from = try address("EDC_MAIL_FROM", text) }
        if let text = value("EDC_ANS_TEAM_EMAIL") { ansTeam = try address("EDC_ANS_TEAM_EMAIL", text) }
        guard let host = value("EDC_SMTP_HOST") else {
            if value("EDC_SMTP_PORT") != nil || value("EDC_SMTP_USERNAME") != nil {
                throw SettingsError("EDC_SMTP_PORT and EDC_SMTP_USERNAME go with EDC_SMTP_HOST")
            }
            return
        }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" }) else {
            throw SettingsError("EDC_SMTP_HOST must be a host name or address, got '\(host)'")
        }
        let security: SMTPSettings.Security
        if let text = value("EDC_SMTP_TLS") {
            guard let parsed = SMTPSettings.Security(rawValue: text) else { throw SettingsError("EDC_SMTP_TLS must be none, starttls or tls, got '\(text)'") }
            security = parsed
        } else {
            security = .starttls
        }
        let defaultPort = security == .tls ? 465 : 587
        let port: Int
        if let text = value("EDC_SMTP_PORT") {
            guard let parsed = Int(text), (1...65535).contains(parsed) else { throw SettingsError("EDC_SMTP_PORT must be a port number, got '\(text)'") }
            port = parsed
        } else {
            port = defaultPort
        }
        let username = value("EDC_SMTP_USERNAME")
        if username != nil, security == .none { throw SettingsError("EDC_SMTP_USERNAME needs EDC_SMTP_TLS=starttls or tls: a password is never sent in clear") }
        smtp = SMTPSettings(host: host, port: port, security: security, username: username, password: environment["EDC_SMTP_PASSWORD"], caFile: value("EDC_SMTP_CA_FILE"))
    }
}


public enum LogFormat: String, Sendable {
    case text
    case json
}

/// The outbox worker and its consumers.
public struct OutboxSettings: Sendable {
    public var worker = OutboxWorker.Settings()
    /// Consumers by topic (tests and, later, the mailer and the attestation renderer register here).
    public var consumers: [OutboxTopic: OutboxWorker.Deliver] = [:]
    /// Run the worker loop in the background (tests may drive it by hand).
    public var runInBackground = true
    public init() {}
}

public struct SettingsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// How the white list is signed and published.
public struct WhitelistSettings: Sendable {
    public static let namespaces = ["https://github.com/ansforge/DRIM-M_DATA", "https://listeblanche.mesimagesmedicales.fr/schema"]

    /// PEM signer certificate (optionally followed by intermediates) and private key; when both are
    /// nil a test PKI is generated under the data directory.
    public var certificateFile: String?
    public var privateKeyFile: String?
    public var intermediatesFile: String?
    /// How DRIMboxes judge the signer (as `edc-agent --trust-anchor … --expected-subject … --crl …`):
    /// EDC refuses to start, and to publish, with a signer they would refuse. Without anchors,
    /// only the signer certificate itself is checked (validity, key usage, subject).
    public var trustAnchorsFile: String?
    public var expectedSubject: String?
    public var revocationListFiles: [String] = []
    /// XML namespace written in the list.
    public var namespace = namespaces[0]
    /// Run the background publisher (tests may drive publication by hand).
    public var publishInBackground = true
    /// A dedicated listener for `/liste-blanche.xml` only (see `WhitelistListener`), off when nil.
    public var listen: (host: String, port: Int)?
    /// A registry change not published after this long makes readiness report the white list DOWN.
    public var maximumPublicationLag: TimeInterval = 300

    public init() {}
}

/// The web pages' settings.
public struct WebSettings: Sendable {
    public init() {}
    /// Where the DSFR distribution was unpacked (`scripts/fetch-web-assets.sh`): `EDC_DSFR_DIR`.
    public var dsfrDirectory = "./.vendor/dsfr-1.14.4"
    /// The guides served at `/guides/…` (`EDC_DOCS_DIR`).
    public var docsDirectory = "./docs"
    /// The State brand block (Marianne logo, "République française") and the Marianne font:
    /// reserved to approved State services, off by default (`EDC_STATE_BRAND`).
    public var stateBrand = false
    /// Cookies marked `Secure` (`EDC_COOKIE_SECURE`; default: when `EDC_PUBLIC_BASE_URL` is https).
    public var secureCookies: Bool?
    /// Sessions: minutes of inactivity (`EDC_SESSION_IDLE_MINUTES`) and hours in all (`EDC_SESSION_MAX_HOURS`).
    public var sessions = WebSessions.Settings()
    /// ANS accounts must sign in with a TOTP second factor (`EDC_TOTP_REQUIRED_FOR_ANS`).
    public var totpRequiredForANS = false

    mutating func read(_ environment: [String: String], flag: (String) throws -> Bool?, integer: (String, ClosedRange<Int>) throws -> Int?) throws {
        if let directory = environment["EDC_DSFR_DIR"], !directory.isEmpty { dsfrDirectory = directory }
        if let directory = environment["EDC_DOCS_DIR"], !directory.isEmpty { docsDirectory = directory }
        stateBrand = try flag("EDC_STATE_BRAND") ?? stateBrand
        secureCookies = try flag("EDC_COOKIE_SECURE") ?? secureCookies
        totpRequiredForANS = try flag("EDC_TOTP_REQUIRED_FOR_ANS") ?? totpRequiredForANS
        sessions.idleTimeout = try integer("EDC_SESSION_IDLE_MINUTES", 1...1440).map { TimeInterval($0) * 60 } ?? sessions.idleTimeout
        sessions.absoluteTimeout = try integer("EDC_SESSION_MAX_HOURS", 1...168).map { TimeInterval($0) * 3600 } ?? sessions.absoluteTimeout
    }
}
