import EDCDomain
import FluentKit
import Foundation
import Persistence
import SQLKit

/// Bulk inserts: `batch`-row multi-VALUES statements (SQLKit binds), all inside one transaction.
enum BulkInsert {
    static let batch = 1_000

    static func insert(_ table: String, columns: [String], rows: [[any Encodable & Sendable]], on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { throw BenchError("not an SQL database") }
        var start = 0
        while start < rows.count {
            let end = min(start + batch, rows.count)
            var builder = sql.insert(into: table).columns(columns)
            for row in rows[start..<end] { builder = builder.values(row) }
            try await builder.run()
            start = end
        }
    }
}

enum Fixtures {
    static let epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01

    /// A valid 9-digit SIREN derived from `number` (check digit from the domain's `Luhn`).
    static func siren(_ number: Int) -> String {
        let body = String(format: "%08d", 10_000_000 + number)
        return (0...9).lazy.map { body + String($0) }.first(where: Luhn.isValid) ?? body + "0"
    }

    /// `count` operators; returns their ids.
    static func operators(_ count: Int, on database: any Database) async throws -> [UUID] {
        let ids = (0..<count).map { _ in UUID() }
        try await operators(ids, on: database)
        return ids
    }

    /// One operator per id.
    static func operators(_ ids: [UUID], on database: any Database) async throws {
        let rows: [[any Encodable & Sendable]] = ids.enumerated().map { index, id in
            [id, "OPERATEUR DE TEST \(index + 1)", siren(index + 1), "+33123456789", "support\(index + 1)@operateur\(index + 1).example.fr",
             "Responsable \(index + 1) <responsable\(index + 1)@operateur\(index + 1).example.fr>", epoch, epoch]
        }
        try await BulkInsert.insert(OperatorModel.schema, columns: [
            "id", "legal_name", "siren", "support_phone", "support_email", "responsible_contact", "created_at", "updated_at",
        ], rows: rows, on: database)
    }

    /// An ANS reviewer whose API token hashes (SHA-256, hex) to `tokenHash`.
    static func reviewer(tokenHash: String, on database: any Database) async throws {
        let user = UUID()
        try await BulkInsert.insert(UserModel.schema, columns: ["id", "email", "display_name", "role", "password_hash", "created_at"], rows: [
            [user, "instructeur.bench@ans.example.fr", "Instructeur (banc d'essai)", Role.reviewer.rawValue, "!no-password-login", epoch],
        ], on: database)
        try await BulkInsert.insert(APITokenModel.schema, columns: ["id", "user_id", "name", "token_hash", "created_at"], rows: [
            [UUID(), user, "bench", tokenHash, epoch],
        ], on: database)
    }
}

extension Fixtures {
    /// `count` declarations of `operatorID` awaiting an ANS decision (state `inReview`), each for
    /// one PACS with its own host names and its own signed CGI (a document row; its content is
    /// never opened by an approval), ready to be approved through the API.
    static func pendingDeclarations(_ count: Int, operatorID: UUID, on database: any Database) async throws {
        guard count > 0 else { return }
        let documents = (1...count).map { _ in UUID() }
        try await BulkInsert.insert(DocumentModel.schema, columns: [
            "id", "operator_id", "kind", "filename", "media_type", "size", "sha256", "sealed_content", "created_at",
        ], rows: documents.map { [$0, operatorID, DocumentKind.cgi.rawValue, "cgi.pdf", "application/pdf", 4, String(repeating: "0", count: 64), Data("%PDF".utf8), epoch] }, on: database)
        let rows: [[any Encodable & Sendable]] = try (1...count).map { number in
            let payload = RequestPayload.declaration(DeclarationPayload(
                clients: [try SIREN("383474814")],
                pacs: [PACSHostnames(sourceHostname: try Hostname("pacs-bench\(number).clinique.example.fr"),
                                     viewerHostname: try Hostname("viewer-bench\(number).clinique.example.fr"))],
                cgiDocumentID: documents[number - 1]))
            let json = String(decoding: try payload.encoded(using: JSONText.encoder), as: UTF8.self)
            return [UUID(), number, RequestKind.declaration.rawValue, RequestState.inReview.rawValue, operatorID, json, 3, epoch, epoch, epoch]
        }
        try await BulkInsert.insert(RequestModel.schema, columns: [
            "id", "number", "kind", "state", "operator_id", "payload", "version", "submitted_at", "created_at", "updated_at",
        ], rows: rows, on: database)
    }
}

/// `edc-db-bench registry`: a registry of N integrated DRIMboxes, ready to publish.
enum RegistrySeed {
    static func run(_ options: Options) async throws {
        let count = options.int("drimboxes", default: 10_000)
        let bench = try await BenchDatabase(options)
        do {
            let existing = try await DRIMboxModel.query(on: bench.database).count()
            guard existing == 0 else { throw BenchError("the registry already holds \(existing) DRIMboxes") }
            let start = nowMilliseconds()
            try await bench.database.transaction { db in
                let operatorIDs = try await Fixtures.operators(max(1, count / 100), on: db)
                var boxes: [[any Encodable & Sendable]] = []
                var pairs: [[any Encodable & Sendable]] = []
                boxes.reserveCapacity(count)
                pairs.reserveCapacity(count)
                for identifier in 1...max(1, count) {
                    let box = UUID()
                    let operatorIndex = (identifier - 1) % operatorIDs.count
                    let updated = Fixtures.epoch.addingTimeInterval(Double(identifier) * 60)
                    boxes.append([box, identifier, operatorIDs[operatorIndex], DRIMboxState.integrated.rawValue, "[\"383474814\"]", 1, updated, updated])
                    let db = "db1.\(identifier).mesimagesmedicales.fr"
                    pairs.append([UUID(), box, 1, db, "vi1.\(identifier).mesimagesmedicales.fr",
                                  "pacs.site\(identifier).operateur\(operatorIndex + 1).example.fr",
                                  "viewer.site\(identifier).operateur\(operatorIndex + 1).example.fr",
                                  "CN=\(db),OU=318751275100020,O=OPERATEUR DE TEST \(operatorIndex + 1),ST=Paris (75),C=FR", updated])
                }
                try await BulkInsert.insert(DRIMboxModel.schema, columns: [
                    "id", "identifier", "operator_id", "state", "clients", "version", "created_at", "updated_at",
                ], rows: boxes, on: db)
                try await BulkInsert.insert(FQDNPairModel.schema, columns: [
                    "id", "drimbox_id", "pacs_index", "db_fqdn", "viewer_fqdn", "source_hostname", "viewer_hostname", "certificate_dn", "updated_at",
                ], rows: pairs, on: db)
                let seeded = OutboxEvent.registryChanged(.init(drimboxID: boxes[0][0] as! UUID, cause: .drimbox(.definitiveIntegration)))
                try await BulkInsert.insert(OutboxEventModel.schema, columns: ["id", "topic", "payload", "created_at", "available_at", "attempts"], rows: [
                    [UUID(), OutboxTopic.registryChanged.rawValue, try seeded.payloadText(), Fixtures.epoch, Fixtures.epoch, 0],
                ], on: db)
                if let hash = options.string("reviewer-token-hash") { try await Fixtures.reviewer(tokenHash: hash, on: db) }
                try await Fixtures.pendingDeclarations(options.int("pending-declarations", default: 0), operatorID: operatorIDs[0], on: db)
            }
            print(String(format: "seeded drimboxes=%d operators=%d pending_declarations=%d seed_ms=%.0f",
                         count, max(1, count / 100), options.int("pending-declarations", default: 0), nowMilliseconds() - start))
        } catch {
            await bench.shutdown()
            throw error
        }
        await bench.shutdown()
    }
}
