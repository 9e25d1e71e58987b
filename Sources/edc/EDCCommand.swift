import App
import ArgumentParser
import Foundation

/// `edc`: runs the EDC service and its administration tasks.
@main
struct EDCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edc",
        abstract: "EDC — the DRIM-M trust space service.",
        subcommands: [
            Serve.self, Migrate.self, PublishWhitelist.self, CreateOperator.self, CreateUser.self, DisableUser.self, EnableUser.self,
            ResetPassword.self, CreateToken.self, ListTokens.self, RevokeToken.self, RevokeTokens.self, VerifyAudit.self,
            RotateDocumentKey.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Options every command shares: where the data lives.
struct CommonOptions: ParsableArguments {
    @Option(help: "Data directory (SQLite file, document key, test PKI). Default: $EDC_DATA_DIR or ./data")
    var dataDir: String?

    func settings() throws -> Settings {
        try Settings.fromEnvironment(dataDirectory: dataDir)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service (migrates the database first).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on.") var hostname: String?
    @Option(help: "Port to listen on.") var port: Int?
    @Flag(help: "Seed demo operators, users and DRIMboxes when the database is empty, and print the demo logins (loopback and SQLite only).") var demo = false
    @Flag(help: "Allow --demo on a non-loopback address or with PostgreSQL (the demo passwords are public).") var forceDemo = false

    func run() async throws {
        var settings = try common.settings()
        if let hostname { settings.hostname = hostname }
        if let port { settings.port = port }
        settings.seedDemoData = demo
        settings.forceDemo = forceDemo
        try await Launcher.serve(settings: settings)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply (or revert) database migrations.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Revert every migration (destroys data).") var revert = false

    func run() async throws {
        try await Launcher.migrate(settings: try common.settings(), revert: revert)
        print(revert ? "migrations reverted" : "migrations applied")
    }
}

struct CreateOperator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-operator", abstract: "Register an operator.")
    @OptionGroup var common: CommonOptions
    @Option var name: String
    @Option var siren: String
    @Option var phone: String
    @Option var email: String

    func run() async throws {
        print(try await Launcher.createOperator(settings: try common.settings(), legalName: name, siren: siren, phone: phone, email: email))
    }
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-user", abstract: "Create a user; the password is read from standard input.")
    @OptionGroup var common: CommonOptions
    @Option var email: String
    @Option var name: String
    @Option(help: "operator, reviewer or administrator") var role: String
    @Option(help: "SIREN of the user's operator (operator users only).") var operatorSiren: String?

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("a password is expected on standard input")
        }
        print(try await Launcher.createUser(settings: try common.settings(), email: email, displayName: name, role: role, operatorSIREN: operatorSiren, password: password))
    }
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-token", abstract: "Issue an API token for a user (printed once).")
    @OptionGroup var common: CommonOptions
    @Option var email: String
    @Option var name: String = "cli"
    @Option(help: "Lifetime in days (default and maximum: EDC_TOKEN_MAX_DAYS, 90).") var days: Int?

    func run() async throws {
        let issued = try await Launcher.createToken(settings: try common.settings(), email: email, name: name, days: days)
        // The token alone on stdout (for scripts); its id, needed by revoke-token, on stderr.
        print(issued.token)
        FileHandle.standardError.write(Data("token id: \(issued.id)\n".utf8))
    }
}

struct RevokeToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-token", abstract: "Revoke an API token by id.")
    @OptionGroup var common: CommonOptions
    @Option var id: String

    func run() async throws {
        try await Launcher.revokeToken(settings: try common.settings(), id: id)
        print("revoked")
    }
}

struct VerifyAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-audit", abstract: "Recompute the audit hash chain; exit 1 when broken.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (message, intact) = try await Launcher.verifyAudit(settings: try common.settings())
        print(message)
        if !intact { throw ExitCode(1) }
    }
}

struct RotateDocumentKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-document-key",
        abstract: "Re-wrap every document's data key under the current master key (the documents themselves are not re-encrypted); the service can keep running.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "First make a new current key under the data directory (the old one stays as a previous key).") var generate = false
    @Flag(name: .customLong("retire-unused"), help: "Then delete the previous key files under the data directory that no document uses.") var retireUnused = false

    func run() async throws {
        for line in try await Launcher.rotateDocumentKey(settings: try common.settings(), generate: generate, retireUnused: retireUnused) { print(line) }
    }
}

struct PublishWhitelist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-whitelist",
        abstract: "Publish a new signed white list now if registry changes are pending (the server also does it by itself).")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Publish a new version even if nothing changed.") var force = false

    func run() async throws {
        if let version = try await Launcher.publishWhitelist(settings: try common.settings(), force: force) {
            print("published version \(version)")
        } else {
            print("nothing to publish")
        }
    }
}

struct DisableUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable-user", abstract: "Disable a user: no sign-in, and their tokens stop working at once.")
    @OptionGroup var common: CommonOptions
    @Option var email: String

    func run() async throws {
        try await Launcher.setUserDisabled(settings: try common.settings(), email: email, disabled: true)
        print("disabled")
    }
}

struct EnableUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable-user", abstract: "Enable a disabled user again.")
    @OptionGroup var common: CommonOptions
    @Option var email: String

    func run() async throws {
        try await Launcher.setUserDisabled(settings: try common.settings(), email: email, disabled: false)
        print("enabled")
    }
}

struct ResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password",
        abstract: "Set a user's password (read from standard input), lift any lock-out and revoke their tokens.")
    @OptionGroup var common: CommonOptions
    @Option var email: String

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw ValidationError("a password is expected on standard input")
        }
        try await Launcher.resetPassword(settings: try common.settings(), email: email, password: password)
        print("password set")
    }
}

struct ListTokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-tokens", abstract: "List a user's API tokens (id, name, dates; never the secret).")
    @OptionGroup var common: CommonOptions
    @Option var email: String

    func run() async throws {
        for line in try await Launcher.listTokens(settings: try common.settings(), email: email) { print(line) }
    }
}

struct RevokeTokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke-tokens", abstract: "Revoke every API token of a user.")
    @OptionGroup var common: CommonOptions
    @Option var email: String

    func run() async throws {
        print("revoked \(try await Launcher.revokeAllTokens(settings: try common.settings(), email: email)) token(s)")
    }
}
