import EDCDomain
import FluentKit
import Foundation
import Persistence

/// `edc-db-bench pages`: a registry and a request history for timing the web pages (`/ans`,
/// `/espace`) through `edc serve` (scripts/bench-pages.sh). Deterministic (seeded generator).
///
/// - `--operators` operators (200); the first, the "busy" one, runs `--busy-percent` (10) of the
///   DRIMboxes and requests — its dashboard is the one timed.
/// - `--drimboxes` DRIMboxes (2,000): integrated 70%, provisional 15% (VA due within 1 to 89
///   days of now, so that the deadline loop excludes none), declared 8%, excluded 5%, withdrawn 2%;
///   one FQDN pair each, two for one in four; a certificate DN once past declaration.
/// - `--requests` requests (10,000) with a valid payload for their kind, about a DRIMbox of their
///   operator (but declarations awaiting review): `--awaiting-percent` (3) submitted or in review
///   among the newest, the rest approved 78%, rejected 15%, correction requested 3%, draft 2%,
///   withdrawn 2%; submitted over the last 365 days.
///
/// Prints `seeded … busy_operator_siren=…` (the SIREN to create the operator user with).
enum PagesSeed {
    static func run(_ options: Options) async throws {
        let operatorCount = max(2, options.int("operators", default: 200))
        let drimboxCount = max(1, options.int("drimboxes", default: 2_000))
        let requestCount = max(1, options.int("requests", default: 10_000))
        let busyPercent = min(100, max(1, options.int("busy-percent", default: 10)))
        let awaitingPercent = min(100, max(0, options.int("awaiting-percent", default: 3)))
        let bench = try await BenchDatabase(options)
        do {
            let existing = try await RequestModel.query(on: bench.database).count() + (try await DRIMboxModel.query(on: bench.database).count())
            guard existing == 0 else { throw BenchError("the database already holds requests or DRIMboxes") }
            let start = nowMilliseconds()
            var random = SeededGenerator(seed: 20_261_203)
            let now = Date()
            let operatorIDs = (0..<operatorCount).map { _ in UUID() }
            func owner(_ index: Int) -> Int { index % 100 < busyPercent ? 0 : 1 + index % (operatorCount - 1) }

            // DRIMboxes and their FQDN pairs.
            var boxes: [[any Encodable & Sendable]] = []
            var pairs: [[any Encodable & Sendable]] = []
            var boxesByOperator: [Int: [(id: UUID, identifier: Int, state: DRIMboxState)]] = [:]
            for identifier in 1...drimboxCount {
                let id = UUID()
                let operatorIndex = owner(identifier - 1)
                let state: DRIMboxState = switch Int.random(in: 0..<100, using: &random) {
                case 0..<70: .integrated
                case 70..<85: .provisional
                case 85..<93: .declared
                case 93..<98: .excluded
                default: .withdrawn
                }
                let updated = now.addingTimeInterval(-Double(drimboxCount - identifier) * 3_600)
                let vaDue: Date? = state == .provisional ? now.addingTimeInterval(Double(Int.random(in: 1...89, using: &random)) * 86_400) : nil
                boxes.append([id, identifier, operatorIDs[operatorIndex], state.rawValue, "[\"383474814\",\"552100554\"]", 2, updated, updated,
                              vaDue, state == .excluded ? ExclusionReason.cgiBreach.rawValue : nil, state == .excluded ? updated : nil])
                for pacs in 1...(identifier % 4 == 0 ? 2 : 1) {
                    let db = "db\(pacs).\(identifier).mesimagesmedicales.fr"
                    pairs.append([UUID(), id, pacs, db, "vi\(pacs).\(identifier).mesimagesmedicales.fr",
                                  "pacs\(pacs).site\(identifier).operateur\(operatorIndex + 1).example.fr",
                                  "viewer\(pacs).site\(identifier).operateur\(operatorIndex + 1).example.fr",
                                  state == .declared ? nil : "CN=\(db),OU=318751275100020,O=OPERATEUR DE TEST \(operatorIndex + 1),ST=Paris (75),C=FR", updated])
                }
                boxesByOperator[operatorIndex, default: []].append((id, identifier, state))
            }

            // Requests: awaiting review among the newest numbers, the others closed or with the operator.
            let awaiting = requestCount * awaitingPercent / 100
            let kinds: [RequestKind] = [.declaration, .integration, .vaDocument, .modification, .reintegration, .withdrawal]
            var requests: [[any Encodable & Sendable]] = []
            for number in 1...requestCount {
                let operatorIndex = owner(number - 1)
                let isAwaiting = number > requestCount - awaiting
                let draw = Int.random(in: 0..<100, using: &random)
                let closed: RequestState = switch draw {
                case 0..<78: .approved
                case 78..<93: .rejected
                case 93..<96: .correctionRequested
                case 96..<98: .draft
                default: .withdrawn
                }
                let state: RequestState = isAwaiting ? (number % 3 == 0 ? .inReview : .submitted) : closed
                let own = boxesByOperator[operatorIndex] ?? []
                var kind = Int.random(in: 0..<100, using: &random) < 45 || own.isEmpty ? RequestKind.declaration : kinds[Int.random(in: 1..<kinds.count, using: &random)]
                let box = own.isEmpty ? nil : own[Int.random(in: 0..<own.count, using: &random)]
                if kind != .declaration, box == nil { kind = .declaration }
                let drimbox = kind == .declaration && state != .approved ? nil : box
                let submitted = now.addingTimeInterval(-Double(requestCount - number) * 365 * 86_400 / Double(requestCount) - 3_600)
                requests.append([UUID(), number, kind.rawValue, state.rawValue, operatorIDs[operatorIndex], drimbox?.id, try payload(kind, number: number, drimbox: drimbox?.identifier),
                                 3, state == .draft ? nil : submitted, submitted.addingTimeInterval(-600), submitted.addingTimeInterval(1_800),
                                 state == .rejected ? "Dossier incomplet." : state == .correctionRequested ? "Joignez les conditions signées." : nil])
            }
            let boxRows = boxes, pairRows = pairs, requestRows = requests
            try await bench.database.transaction { db in
                try await Fixtures.operators(operatorIDs, on: db)
                try await BulkInsert.insert(DRIMboxModel.schema, columns: [
                    "id", "identifier", "operator_id", "state", "clients", "version", "created_at", "updated_at", "va_due_at", "exclusion_reason", "excluded_at",
                ], rows: boxRows, on: db)
                try await BulkInsert.insert(FQDNPairModel.schema, columns: [
                    "id", "drimbox_id", "pacs_index", "db_fqdn", "viewer_fqdn", "source_hostname", "viewer_hostname", "certificate_dn", "updated_at",
                ], rows: pairRows, on: db)
                try await BulkInsert.insert(RequestModel.schema, columns: [
                    "id", "number", "kind", "state", "operator_id", "drimbox_id", "payload", "version", "submitted_at", "created_at", "updated_at", "last_reason",
                ], rows: requestRows, on: db)
            }
            if !bench.isSQLite { _ = try await bench.sql.raw("ANALYZE").all() }
            print(String(format: "seeded operators=%d drimboxes=%d requests=%d awaiting_review=%d busy_operator_siren=%@ busy_drimboxes=%d busy_requests=%d seed_ms=%.0f",
                         operatorCount, drimboxCount, requestCount, awaiting, Fixtures.siren(1), boxesByOperator[0]?.count ?? 0,
                         requests.filter { ($0[4] as? UUID) == operatorIDs[0] }.count, nowMilliseconds() - start))
        } catch {
            await bench.shutdown()
            throw error
        }
        await bench.shutdown()
    }

    /// A payload of `kind` that decodes and validates (document ids name no stored document).
    static func payload(_ kind: RequestKind, number: Int, drimbox identifier: Int?) throws -> String {
        let db = "db1.\(identifier ?? 0).mesimagesmedicales.fr"
        let payload: RequestPayload = switch kind {
        case .declaration:
            .declaration(DeclarationPayload(clients: [try SIREN("383474814")], pacs: [
                PACSHostnames(sourceHostname: try Hostname("pacs\(number).site.example.fr"), viewerHostname: try Hostname("viewer\(number).site.example.fr")),
            ], cgiDocumentID: UUID(), comment: try FreeText("Demande de banc d’essai n° \(number).")))
        case .integration:
            .integration(IntegrationPayload(operatorName: try Name("OPERATEUR DE TEST"), supportPhone: try FrenchPhoneNumber("0123456789"),
                                            supportEmail: try EmailAddress("support@operateur.example.fr"),
                                            certificates: [CertificateDNAssignment(dbFQDN: try FQDN(db), dn: try DistinguishedName("CN=\(db),OU=318751275100020,O=OPERATEUR DE TEST,C=FR"))]))
        case .vaDocument: .vaDocument(VADocumentPayload(vaDocumentID: UUID()))
        case .reintegration: .reintegration(ReintegrationPayload(statement: try FreeText("Certificat renouvelé.")))
        case .modification: .modification(ModificationPayload(supportPhone: try FrenchPhoneNumber("0472000000")))
        case .withdrawal: .withdrawal(WithdrawalPayload(reason: try FreeText("Fin d’activité du site.")))
        case .operatorChange: .operatorChange(OperatorChangePayload(targetOperatorSIREN: try SIREN("552100554")))
        }
        return String(decoding: try payload.encoded(using: JSONText.encoder), as: UTF8.self)
    }
}
