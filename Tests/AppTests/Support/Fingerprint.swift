import Fluent
import FluentSQL
import Persistence
import Vapor

/// Row counts of every table plus the audit head: equal fingerprints mean nothing was written.
func databaseFingerprint(_ app: Application) async throws -> [String: String] {
    let sql = app.db as! any SQLDatabase
    var fingerprint: [String: String] = [:]
    for table in ["operators", "users", "api_tokens", "drimboxes", "fqdn_pairs", "drimbox_transitions", "requests",
                  "request_transitions", "attestations", "documents", "audit_entries", "outbox_events"] {
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()
        fingerprint[table] = String(try row?.decode(column: "n", as: Int.self) ?? -1)
    }
    let head = try await AuditHeadModel.find(1, on: app.db)
    fingerprint["audit_head"] = "\(head?.seq ?? -1):\(head?.hash ?? "")"
    let versions = try await RequestModel.query(on: app.db).all().map { "\($0.number):\($0.version):\($0.state)" }.sorted()
    fingerprint["request_versions"] = versions.joined(separator: ",")
    return fingerprint
}
