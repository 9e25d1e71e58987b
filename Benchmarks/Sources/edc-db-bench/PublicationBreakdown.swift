import FluentKit
import Foundation
import Persistence
import Whitelist

/// `edc-db-bench publication`: the expensive parts of `WhitelistPublisher.publishPending` on a
/// seeded registry, timed one by one (read-only: nothing is written).
enum PublicationBreakdown {
    static func run(_ options: Options) async throws {
        guard let pkiPath = options.string("pki") else { throw BenchError("--pki DIR is required") }
        let runs = max(1, options.int("runs", default: 5))
        let pki = try TestPKI.load(from: URL(fileURLWithPath: pkiPath))
        let signer = WhitelistSigner(identity: pki.signingIdentity)
        let bench = try await BenchDatabase(options)
        var timings: [String: [Double]] = [:]
        var entryCount = 0
        var size = 0
        func timed<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
            let start = nowMilliseconds()
            let value = try await body()
            timings[name, default: []].append(nowMilliseconds() - start)
            return value
        }
        do {
            for _ in 0...runs {  // the first round is a warm-up, dropped below
                let latest = try await timed("load latest version row") {
                    try await WhitelistVersionModel.query(on: bench.database).sort(\.$seq, .descending).first()
                }
                let entries = try await timed("RegistryQueries.trustedEntries") {
                    try await RegistryQueries(database: bench.database).trustedEntries().map(entry)
                }
                _ = try await timed("decode previous entries JSON + compare") {
                    try latest.map { try JSONText.decode([WhitelistEntry].self, from: $0.entries) == entries } ?? false
                }
                let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
                let bytes = try await timed("sign (render + c14n + XAdES)") {
                    try signer.sign(WhitelistDocument(generatedAt: now, entries: entries), signingTime: now)
                }
                _ = try await timed("encode entries JSON") { try JSONText.encode(entries) }
                entryCount = entries.count
                size = bytes.count
            }
        } catch {
            await bench.shutdown()
            throw error
        }
        await bench.shutdown()
        print("publication parts: \(entryCount) entries, \(size) bytes signed, median of \(runs) runs (after one warm-up)")
        for name in ["load latest version row", "RegistryQueries.trustedEntries", "decode previous entries JSON + compare", "sign (render + c14n + XAdES)", "encode entries JSON"] {
            let values = Array((timings[name] ?? []).dropFirst())
            print("part " + name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: " median_ms=%8.1f max_ms=%8.1f", percentile(values, 50), values.max() ?? .nan))
        }
    }

    /// As `WhitelistPublisher.entry` (App, internal).
    static func entry(_ trusted: TrustedEntry) -> WhitelistEntry {
        WhitelistEntry(
            identifiant: String(trusted.identifier), db: trusted.db, vi: trusted.viewer, denomination: trusted.operatorName,
            certificateDN: trusted.certificateDN, responsableContact: trusted.responsibleContact,
            supportContact: trusted.supportContact, updatedAt: Date(timeIntervalSince1970: trusted.updatedAt.timeIntervalSince1970.rounded(.down)))
    }
}
