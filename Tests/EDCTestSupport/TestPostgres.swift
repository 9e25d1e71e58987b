import FluentKit
import FluentSQL
import FluentPostgresDriver
import Foundation
import Logging
import NIOPosix
import Persistence

/// Databases for tests on PostgreSQL, when `EDC_TEST_DATABASE_URL` names a server: each test gets
/// a fresh database cloned from a template migrated once per test process (so the suites run on
/// both databases, as production does). Without that variable, tests use in-memory SQLite.
public enum TestPostgres {
    public static var adminURL: String? {
        ProcessInfo.processInfo.environment["EDC_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A migrated database for one test: its URL, and how to drop it afterwards.
    public static func createDatabase(adminURL: String) async throws -> (url: String, drop: @Sendable () async -> Void) {
        let name = try await Template.shared.createDatabase(adminURL: adminURL)
        return (replacingDatabase(in: adminURL, with: name), {
            try? await run(adminURL: adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        })
    }

    public static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }

    /// Runs one statement on `url` (outside any transaction), with Fluent alone.
    public static func run(adminURL url: String, _ statement: String, migrate: Bool = false) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(try .postgres(url: url), as: .psql)
        let logger = Logger(label: "edc-test-postgres")
        do {
            if migrate {
                let migrations = Migrations()
                migrations.add(EDCMigrations.all)
                let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
                try await migrator.setupIfNeeded().get()
                try await migrator.prepareBatch().get()
            } else {
                let database = databases.database(logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())!
                _ = try await (database as! any SQLDatabase).raw(SQLQueryString(statement)).all()
            }
        } catch {
            await databases.shutdownAsync()
            try? await threadPool.shutdownGracefully()
            throw error
        }
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
    }

    /// Creates the migrated template once per test process.
    actor Template {
        static let shared = Template()
        private var template: Task<String, any Error>?

        func createDatabase(adminURL: String) async throws -> String {
            let template = try await ensureTemplate(adminURL: adminURL)
            let name = "edc_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await TestPostgres.run(adminURL: adminURL, "CREATE DATABASE \(name) TEMPLATE \(template)")
            return name
        }

        /// Made once; concurrent callers wait for the same task (actor methods are reentrant).
        private func ensureTemplate(adminURL: String) async throws -> String {
            if let template { return try await template.value }
            let task = Task {
                let name = "edc_template_" + String(ProcessInfo.processInfo.processIdentifier)
                try await TestPostgres.run(adminURL: adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                try await TestPostgres.run(adminURL: adminURL, "CREATE DATABASE \(name)")
                try await TestPostgres.run(adminURL: TestPostgres.replacingDatabase(in: adminURL, with: name), "", migrate: true)
                return name
            }
            template = task
            return try await task.value
        }
    }
}
