@testable import App
import Fluent
import FluentPostgresDriver
import Foundation
import Persistence
import Vapor

/// Where tests keep their data: a private in-memory SQLite database per test by default, or,
/// when `EDC_TEST_DATABASE_URL` names a PostgreSQL server, a fresh database per test cloned from a
/// migrated template (so the suite runs on both databases, as production does).
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["EDC_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isPostgres: Bool { postgresURL != nil }

    /// A database for one test, and how to drop it afterwards.
    static func make() async throws -> (Settings.DatabaseLocation, @Sendable () async -> Void) {
        guard let url = postgresURL else { return (.sqliteMemory, {}) }
        let name = try await PostgresTemplate.shared.createDatabase(adminURL: url)
        let testURL = replacingDatabase(in: url, with: name)
        return (.postgres(url: testURL), {
            try? await PostgresTemplate.shared.run(adminURL: url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        })
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}

/// Creates the migrated template database once per test process.
actor PostgresTemplate {
    static let shared = PostgresTemplate()
    private var template: Task<String, any Error>?

    /// A new database cloned from the template.
    func createDatabase(adminURL: String) async throws -> String {
        let template = try await ensureTemplate(adminURL: adminURL)
        let name = "edc_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await run(adminURL: adminURL, "CREATE DATABASE \(name) TEMPLATE \(template)")
        return name
    }

    /// Made once; concurrent callers wait for the same task (actor methods are reentrant).
    private func ensureTemplate(adminURL: String) async throws -> String {
        if let template { return try await template.value }
        let task = Task { try await Self.makeTemplate(adminURL: adminURL) }
        template = task
        return try await task.value
    }

    private static func makeTemplate(adminURL: String) async throws -> String {
        let name = "edc_template_" + String(ProcessInfo.processInfo.processIdentifier)
        try await shared.run(adminURL: adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try await shared.run(adminURL: adminURL, "CREATE DATABASE \(name)")
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        app.databases.use(try .postgres(url: TestDatabase.replacingDatabase(in: adminURL, with: name)), as: .psql)
        app.migrations.add(EDCMigrations.all)
        do {
            try await app.autoMigrate()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        return name
    }

    /// Runs one statement on the server's maintenance database (outside any transaction).
    nonisolated func run(adminURL: String, _ statement: String) async throws {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        app.databases.use(try .postgres(url: adminURL), as: .psql)
        do {
            _ = try await (app.db as! any SQLDatabase).raw(SQLQueryString(statement)).all()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
