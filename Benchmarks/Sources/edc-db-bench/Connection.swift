import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Persistence

/// An open, migrated database (no Vapor: Fluent alone, as the Persistence tests do).
final class BenchDatabase: Sendable {
    let databases: Databases
    let database: any Database
    let sql: any SQLDatabase
    let isSQLite: Bool
    let threadPool: NIOThreadPool
    /// SQL statements logged by the drivers while `capture` is on.
    let captured = NIOLockedValueBox<[String]?>(nil)

    init(_ options: Options) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        if let path = options.string("sqlite") {
            databases.use(.sqlite(.file(path)), as: .sqlite)
            isSQLite = true
        } else if let url = options.string("postgres") {
            databases.use(try .postgres(url: url), as: .psql)
            isSQLite = false
        } else {
            throw BenchError("--sqlite FILE or --postgres URL is required")
        }
        let captured = self.captured
        var logger = Logger(label: "edc-db-bench") { _ in CapturingLogHandler(captured: captured) }
        logger.logLevel = .debug
        guard let database = databases.database(logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()),
              let sql = database as? any SQLDatabase else { throw BenchError("no SQL database") }
        self.databases = databases
        self.database = database
        self.sql = sql
        self.threadPool = threadPool

        let migrations = Migrations()
        migrations.add(EDCMigrations.all)
        var migrationLogger = Logger(label: "migrations")
        migrationLogger.logLevel = .warning
        let migrator = Migrator(databases: databases, migrations: migrations, logger: migrationLogger, on: MultiThreadedEventLoopGroup.singleton.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    func shutdown() async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }

    /// Runs `body` and returns the SQL statements the driver logged meanwhile.
    func capturingSQL(_ body: () async throws -> Void) async throws -> [String] {
        captured.withLockedValue { $0 = [] }
        defer { captured.withLockedValue { $0 = nil } }
        try await body()
        return captured.withLockedValue { $0 ?? [] }
    }

    /// Runs `text` (with `?` or `$n` placeholders, as logged) with `binds`, returning each row's columns as text.
    func rows(_ text: String, binds: [any Encodable & Sendable], columns: [String]) async throws -> [[String]] {
        var query = SQLQueryString("")
        var remaining = Substring(text)
        var bindIndex = 0
        let placeholder = isSQLite ? /\?[0-9]*/ : /\$[0-9]+/
        while let match = remaining.firstMatch(of: placeholder) {
            query.appendInterpolation(unsafeRaw: String(remaining[..<match.range.lowerBound]))
            guard bindIndex < binds.count else { throw BenchError("more placeholders than binds in \(text)") }
            query.appendInterpolation(bind: binds[bindIndex])
            bindIndex += 1
            remaining = remaining[match.range.upperBound...]
        }
        query.appendInterpolation(unsafeRaw: String(remaining))
        return try await sql.raw(query).all().map { row in
            columns.map { column in
                (try? row.decode(column: column, as: String.self))
                    ?? (try? row.decode(column: column, as: Int.self)).map(String.init) ?? "?"
            }
        }
    }
}

/// Keeps the `sql` of every "Executing query" debug message (SQLKit's query log) while capturing.
struct CapturingLogHandler: LogHandler {
    let captured: NIOLockedValueBox<[String]?>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let text: String
        if case .string(let sql)? = event.metadata?["sql"] {
            text = sql
        } else {
            text = event.message.description
        }
        if event.level >= .warning { FileHandle.standardError.write(Data("[\(event.level)] \(event.message)\n".utf8)) }
        captured.withLockedValue { if $0 != nil { $0!.append(text) } }
    }
}
