import EDCDomain
import FluentKit
import Foundation
import Persistence

/// `edc-db-bench queue`: page 1 of the ANS review queue, timed in-process, with its query plan.
enum QueueBenchmark {
    static func run(_ options: Options) async throws {
        let count = options.int("requests", default: 100_000)
        let runs = max(1, options.int("runs", default: 200))
        let limits = options.ints("limits", default: [50, 100])
        let bench = try await BenchDatabase(options)
        do {
            try await body(bench, options: options, count: count, runs: runs, limits: limits)
        } catch {
            await bench.shutdown()
            throw error
        }
        await bench.shutdown()
    }

    private static func body(_ bench: BenchDatabase, options: Options, count: Int, runs: Int, limits: [Int]) async throws {
        let database = bench.database
        let kind = bench.isSQLite ? "sqlite" : "postgresql"
        let existing = try await RequestModel.query(on: database).count()
        if existing == 0 {
            let start = nowMilliseconds()
            let awaiting = try await seed(count: count, awaiting: options.int("awaiting", default: count >= 1_000 ? count * 3 / 100 : count), on: bench)
            if let hash = options.string("reviewer-token-hash") { try await Fixtures.reviewer(tokenHash: hash, on: database) }
            if !bench.isSQLite { _ = try await bench.sql.raw("ANALYZE").all() }
            print(String(format: "seeded db=%@ requests=%d awaiting_review=%d seed_ms=%.0f", kind, count, awaiting, nowMilliseconds() - start))
        } else if existing != count {
            throw BenchError("the database already holds \(existing) requests, not \(count)")
        }

        let queries = RequestQueries(database: database)
        for limit in limits {
            // The SQL Fluent sends for page 1, and the database's plan for it.
            let statements = try await bench.capturingSQL { _ = try await queries.reviewQueue(after: nil, limit: limit) }
            guard let select = statements.first(where: { $0.uppercased().hasPrefix("SELECT") && $0.contains("requests") }) else {
                throw BenchError("no SELECT captured: \(statements)")
            }
            let binds: [any Encodable & Sendable] = [RequestState.submitted.rawValue, RequestState.inReview.rawValue, limit + 1]
            print("--- \(kind), \(count) requests, limit \(limit): SQL sent by Fluent")
            print(compact(select))
            if bench.isSQLite {
                print("--- EXPLAIN QUERY PLAN")
                for row in try await bench.rows("EXPLAIN QUERY PLAN " + select, binds: binds, columns: ["detail"]) { print("    " + row[0]) }
            } else {
                print("--- EXPLAIN (ANALYZE, BUFFERS)")
                for row in try await bench.rows("EXPLAIN (ANALYZE, BUFFERS) " + select, binds: binds, columns: ["QUERY PLAN"]) { print("    " + row[0]) }
            }

            var rows = 0
            for _ in 0..<min(20, runs) { rows = try await queries.reviewQueue(after: nil, limit: limit).items.count }  // warm-up
            var durations: [Double] = []
            durations.reserveCapacity(runs)
            for _ in 0..<runs {
                let start = nowMilliseconds()
                let page = try await queries.reviewQueue(after: nil, limit: limit)
                durations.append(nowMilliseconds() - start)
                rows = page.items.count
            }
            print(String(format: "result db=%@ requests=%d limit=%d rows=%d runs=%d median_ms=%.3f p95_ms=%.3f",
                         kind, count, limit, rows, runs, percentile(durations, 50), percentile(durations, 95)))
        }
    }

    private static func compact(_ sql: String) -> String {
        sql.count > 400 ? String(sql.prefix(120)) + " … " + String(sql.suffix(160)) : sql
    }

    /// `count` requests; `awaiting` of them submitted or in review (the 5,000 most recent numbers but
    /// for 1% stuck among old ones); the rest a realistic mix of final and pre-submission states.
    /// Returns the number awaiting review.
    static func seed(count: Int, awaiting: Int, on bench: BenchDatabase) async throws -> Int {
        var random = SeededGenerator(seed: 20_260_101)
        let awaiting = min(awaiting, count)
        var states = [RequestState](repeating: .approved, count: count)
        for index in 0..<count {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<3: states[index] = .draft
            case 3..<5: states[index] = .correctionRequested
            case 5..<7: states[index] = .withdrawn
            case 7..<22: states[index] = .rejected
            default: states[index] = .approved
            }
        }
        var chosen = Set<Int>()
        let recentWindow = min(count, max(5_000, awaiting * 2))
        while chosen.count < awaiting {
            let old = chosen.count < awaiting / 100 && count > recentWindow
            let index = old ? Int.random(in: 0..<(count - recentWindow), using: &random) : Int.random(in: (count - recentWindow)..<count, using: &random)
            chosen.insert(index)
        }
        for (position, index) in chosen.sorted().enumerated() { states[index] = position % 3 == 2 ? .inReview : .submitted }

        let kinds: [RequestKind] = [.declaration, .integration, .vaDocument, .modification, .reintegration, .withdrawal, .operatorChange]
        let operatorIDs = (0..<200).map { _ in UUID() }
        var rows: [[any Encodable & Sendable]] = []
        rows.reserveCapacity(count)
        for index in 0..<count {
            let number = index + 1
            let created = Fixtures.epoch.addingTimeInterval(Double(index) * 300)
            let kind = kinds[Int.random(in: 0..<100, using: &random) < 55 ? 0 : Int.random(in: 1..<kinds.count, using: &random)]
            let payload = "{\"clients\":[\"383474814\"],\"pacs\":[{\"sourceHostname\":\"pacs\(number).site.example.fr\",\"viewerHostname\":\"viewer\(number).site.example.fr\"}],\"cgiDocumentID\":\"\(UUID().uuidString)\"}"
            rows.append([UUID(), number, kind.rawValue, states[index].rawValue, operatorIDs[index % operatorIDs.count], payload, 1,
                         created.addingTimeInterval(60), created, created.addingTimeInterval(3_600)])
        }
        let requestRows = rows
        try await bench.database.transaction { db in
            try await Fixtures.operators(operatorIDs, on: db)
            try await BulkInsert.insert(RequestModel.schema, columns: [
                "id", "number", "kind", "state", "operator_id", "payload", "version", "submitted_at", "created_at", "updated_at",
            ], rows: requestRows, on: db)
        }
        return awaiting
    }
}
