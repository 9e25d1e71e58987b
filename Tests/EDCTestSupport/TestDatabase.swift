import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import Persistence

/// A migrated database for one test: in-memory SQLite, or a fresh PostgreSQL database when
/// `EDC_TEST_DATABASE_URL` is set. No Vapor: Persistence is tested on Fluent alone.
public func withTestDatabase(_ body: (any Database) async throws -> Void) async throws {
    let logger = Logger(label: "persistence-tests")
    let group = MultiThreadedEventLoopGroup.singleton
    let threadPool = NIOThreadPool(numberOfThreads: 1)
    threadPool.start()
    let databases = Databases(threadPool: threadPool, on: group)
    var drop: (@Sendable () async -> Void)?
    if let adminURL = TestPostgres.adminURL {
        let created = try await TestPostgres.createDatabase(adminURL: adminURL)
        drop = created.drop
        databases.use(try .postgres(url: created.url), as: .psql)
    } else {
        databases.use(.sqlite(.memory), as: .sqlite)
    }
    let database = databases.database(logger: logger, on: group.any())!
    do {
        // A no-op on PostgreSQL, whose databases are cloned from a migrated template.
        let migrations = Migrations()
        migrations.add(EDCMigrations.all)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: group.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
        try await body(database)
    } catch {
        await databases.shutdownAsync()
        await drop?()
        try? await threadPool.shutdownGracefully()
        throw TestFailure(String(reflecting: error))
    }
    await databases.shutdownAsync()
    await drop?()
    try? await threadPool.shutdownGracefully()
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A clock the test moves by hand.
public final class TestClock: @unchecked Sendable {
    // Safe: `current` is only read and written under the lock.
    private let lock = NSLock()
    private var current: Date

    public init(start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }

    public var now: Date { lock.withLock { current } }
    public func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    public func advance(days: Double) { advance(by: days * 86_400) }
}
