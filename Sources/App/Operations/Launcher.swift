import Accounts
import EDCDomain
import Fluent
import Documents
import Foundation
import Logging
import NIOConcurrencyHelpers
import Persistence
import Vapor

/// What the `edc` executable runs: the server and the admin tasks, each on a configured application.
public enum Launcher {
    /// The logging system can be bootstrapped once per process: the first settings decide.
    private static let logging = NIOLockedValueBox(false)

    private static func bootstrapLogging(_ settings: Settings) {
        let format = settings.logFormat
        logging.withLockedValue { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                format == .json ? JSONLogHandler(label: label) as any LogHandler : SingleLineLogHandler(label: label)
            }
        }
    }

    /// Runs the HTTP server until SIGINT/SIGTERM.
    public static func serve(settings: Settings) async throws {
        let problems = settings.servingProblems()
        guard problems.isEmpty else { throw SettingsError("refusing to start: " + problems.joined(separator: "; ")) }
        bootstrapLogging(settings)
        let app = try await Application.make(Environment(
            name: "production", arguments: ["edc", "serve", "--hostname", settings.hostname, "--port", String(settings.port)]))
        // Validated by Settings: an unknown level stopped the start.
        app.logger.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        do {
            try await configure(app, settings: settings)
            app.logger.notice("EDC listening", metadata: ["address": .string("http://\(settings.hostname):\(settings.port)"), "database": .string(settings.databaseDescription)])
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// Runs `body` with a configured application (no server), then shuts it down.
    public static func withApplication<T: Sendable>(settings: Settings, _ body: @Sendable (Application) async throws -> T) async throws -> T {
        bootstrapLogging(settings)
        let app = try await Application.make(Environment(name: "production", arguments: ["edc"]))
        app.logger.logLevel = .warning
        do {
            try await configure(app, settings: settings)
            let result = try await body(app)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    public static func migrate(settings: Settings, revert: Bool) async throws {
        var settings = settings
        settings.autoMigrate = false
        try await withApplication(settings: settings) { app in
            if revert { try await app.autoRevert() } else { try await app.autoMigrate() }
        }
    }

    public static func createOperator(settings: Settings, legalName: String, siren: String, phone: String, email: String) async throws -> String {
        try await withApplication(settings: settings) { app in
            let model = try await accounts(app).createOperator(
                by: AuditActor(userID: nil, role: .administrator), legalName: try Name(legalName), siren: try SIREN(siren),
                supportPhone: try FrenchPhoneNumber(phone), supportEmail: try EmailAddress(email), responsibleContact: nil)
            return try model.requireID().uuidString
        }
    }

    public static func createUser(settings: Settings, email: String, displayName: String, role: String, operatorSIREN: String?, password: String) async throws -> String {
        try await withApplication(settings: settings) { app in
            guard let role = Role(rawValue: role), role != .system else { throw SettingsError("role must be operator, reviewer or administrator") }
            var operatorID: UUID?
            if let operatorSIREN {
                guard let op = try await OperatorModel.query(on: app.db).filter(\.$siren == SIREN(operatorSIREN).value).first() else {
                    throw SettingsError("no operator with SIREN \(operatorSIREN)")
                }
                operatorID = op.id
            }
            let user = try await accounts(app).createUser(
                by: AuditActor(userID: nil, role: .administrator), email: try EmailAddress(email), displayName: try Name(displayName),
                role: role, operatorID: operatorID, password: password)
            return try user.requireID().uuidString
        }
    }

    /// Issues a token and returns its id and the token itself (shown once).
    public static func createToken(settings: Settings, email: String, name: String, days: Int?) async throws -> (id: String, token: String) {
        try await withApplication(settings: settings) { app in
            guard let user = try await UserModel.query(on: app.db).filter(\.$email == Accounts.login(email)).first() else {
                throw SettingsError("no user with e-mail \(email)")
            }
            let issued = try await accounts(app).issueToken(
                by: AuditActor(userID: nil, role: .administrator), for: user, name: name,
                lifetime: days.map { TimeInterval($0) * 86_400 })
            return (issued.id.uuidString, issued.token)
        }
    }

    public static func revokeToken(settings: Settings, id: String) async throws {
        guard let uuid = UUID(uuidString: id) else { throw SettingsError("token id must be a UUID") }
        try await withApplication(settings: settings) { app in
            try await accounts(app).revokeToken(by: AuditActor(userID: nil, role: .administrator), id: uuid)
        }
    }

    /// Disables or enables the user with that e-mail (their tokens stop working at once when disabled).
    public static func setUserDisabled(settings: Settings, email: String, disabled: Bool) async throws {
        try await withApplication(settings: settings) { app in
            let user = try await user(email, in: app)
            _ = try await app.edc.accounts.setDisabled(disabled, userID: try user.requireID(), by: administrator)
        }
    }

    /// Sets a new password for the user with that e-mail, lifts any lock-out and revokes their tokens.
    public static func resetPassword(settings: Settings, email: String, password: String) async throws {
        try await withApplication(settings: settings) { app in
            let user = try await user(email, in: app)
            try await app.edc.accounts.setPassword(password, userID: try user.requireID(), by: administrator)
        }
    }

    /// One line per token of the user: id, name, created, expires, revoked.
    public static func listTokens(settings: Settings, email: String) async throws -> [String] {
        try await withApplication(settings: settings) { app in
            let user = try await user(email, in: app)
            let format = ISO8601DateFormatter()
            return try await app.edc.accounts.tokens(of: try user.requireID()).map { token in
                [token.id?.uuidString ?? "-", token.name, token.createdAt.map(format.string) ?? "-",
                 token.expiresAt.map { "expires " + format.string(from: $0) } ?? "no expiry",
                 token.revokedAt.map { "revoked " + format.string(from: $0) } ?? "live"].joined(separator: "\t")
            }
        }
    }

    /// Revokes every token of the user; returns how many.
    public static func revokeAllTokens(settings: Settings, email: String) async throws -> Int {
        try await withApplication(settings: settings) { app in
            let user = try await user(email, in: app)
            return try await app.edc.accounts.revokeAllTokens(of: try user.requireID(), by: administrator)
        }
    }

    private static let administrator = AuditActor(userID: nil, role: .administrator)

    private static func user(_ email: String, in app: Application) async throws -> UserModel {
        guard let user = try await UserModel.query(on: app.db).filter(\.$email == Accounts.login(email)).first() else {
            throw SettingsError("no user with e-mail \(email)")
        }
        return user
    }

    /// Publishes a new white list if registry changes are pending (or always, with `force`).
    /// Returns the published version number, nil when nothing changed.
    public static func publishWhitelist(settings: Settings, force: Bool) async throws -> Int? {
        try await withApplication(settings: settings) { app in
            try await app.edc.publisher.publishPending(force: force).publishedSeq
        }
    }

    /// Recomputes the audit chain; returns a one-line verdict and whether it is intact.
    public static func verifyAudit(settings: Settings) async throws -> (String, Bool) {
        try await withApplication(settings: settings) { app in
            let result = try await AuditLog.verify(on: app.db)
            return result.isIntact
                ? ("audit chain intact: \(result.entries) entries", true)
                : ("audit chain BROKEN at entry \(result.brokenAt ?? 0): \(result.problem ?? "")", false)
        }
    }

    /// Re-wraps every document's data key under the current master key (`--generate`: a new
    /// current key under the data directory first, the old one kept as previous); `--retire-unused`:
    /// then deletes the previous key files no document uses any more. Returns the report lines.
    public static func rotateDocumentKey(settings: Settings, generate: Bool, retireUnused: Bool) async throws -> [String] {
        var lines: [String] = []
        if generate {
            guard settings.documentKey == nil else {
                throw SettingsError("--generate works on the keys under the data directory; with EDC_DOCUMENT_KEY, set the new key there and the old one in EDC_DOCUMENT_KEYS_PREVIOUS on every instance, then run this command without --generate")
            }
            let keyring = try DocumentKeyring.generate(dataDirectory: settings.dataDirectory)
            lines.append("new current key \(keyring.current.id) (previous: \(keyring.previous.map(\.id).joined(separator: ", "))); restart the service so that it uses it for new documents")
        }
        let before = lines
        return try await withApplication(settings: settings) { app in
            var lines = before
            let report = try await app.edc.vault.rotate(in: app.edc.store)
            lines.append("current key \(app.edc.vault.keyring.current.id): \(report.rewrapped) data keys re-wrapped, \(report.converted) documents from before envelopes re-sealed, \(report.failed.count) failed")
            for id in report.failed { lines.append("FAILED: document \(id) did not open (tampered, or its key is missing)") }
            lines.append("keys in use: \(report.keysInUse.sorted().joined(separator: ", "))")
            // TOTP secrets are sealed with a key derived from the same master keys: sealed again
            // under the current one, or a retired key would strand them.
            let secrets = try await app.edc.secondFactor.resealAll()
            lines.append("second factors: \(secrets.resealed) secrets sealed again under the current key, \(secrets.failed.count) failed")
            for id in secrets.failed { lines.append("FAILED: the second factor of user \(id) did not open (its key is missing)") }
            if retireUnused, !secrets.failed.isEmpty {
                lines.append("no previous key retired: some second factors still need theirs")
            } else if retireUnused, settings.documentKey == nil {
                let retired = try DocumentKeyring.retireUnused(dataDirectory: settings.dataDirectory, stillUsed: report.keysInUse)
                lines.append(retired.isEmpty ? "no previous key retired" : "retired (deleted): \(retired.joined(separator: ", "))")
            } else {
                let unused = app.edc.vault.keyring.previous.map(\.id).filter { !report.keysInUse.contains($0) }
                if !unused.isEmpty { lines.append("no document needs \(unused.joined(separator: ", ")) any more: it can be retired") }
            }
            return lines
        }
    }

    private static func accounts(_ app: Application) -> Accounts {
        app.edc.accounts
    }
}

extension Settings {
    var databaseDescription: String {
        switch database {
        case .sqliteFile(let path): "sqlite:\(path)"
        case .sqliteMemory: "sqlite:memory"
        case .postgres: "postgresql"
        }
    }
}
