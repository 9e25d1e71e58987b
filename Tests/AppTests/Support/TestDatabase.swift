@testable import App
import EDCTestSupport
import Foundation

/// Where tests keep their data: a private in-memory SQLite database per test by default, or,
/// when `EDC_TEST_DATABASE_URL` names a PostgreSQL server, a fresh database per test cloned from a
/// migrated template (`EDCTestSupport.TestPostgres`).
enum TestDatabase {
    static var isPostgres: Bool { TestPostgres.adminURL != nil }

    /// A database for one test, and how to drop it afterwards.
    static func make() async throws -> (Settings.DatabaseLocation, @Sendable () async -> Void) {
        guard let adminURL = TestPostgres.adminURL else { return (.sqliteMemory, {}) }
        let (url, drop) = try await TestPostgres.createDatabase(adminURL: adminURL)
        return (.postgres(url: url), drop)
    }
}
