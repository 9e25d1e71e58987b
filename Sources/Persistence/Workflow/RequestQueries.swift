import EDCDomain
import FluentKit
import FluentSQL
import Foundation

/// Reads of requests, always filtered by what the principal may see.
public struct RequestQueries: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// Whose requests the review queue shows.
    public enum Assignee: Sendable, Hashable {
        /// Requests assigned to this ANS user.
        case user(UUID)
        /// Requests assigned to no one.
        case unassigned
    }

    /// ANS review queue: submitted and in-review requests, oldest number first; optionally only
    /// those of one kind, of one operator, assigned to someone (or to no one), or submitted
    /// before `olderThan`.
    public func reviewQueue(
        after cursor: Int?, limit: Int, kind: RequestKind? = nil,
        operatorID: UUID? = nil, assignedTo: Assignee? = nil, olderThan: Date? = nil
    ) async throws -> Page<RequestModel> {
        // The states are written as literals, not bound: SQLite uses the partial index
        // requests_queue_idx only when the query's WHERE visibly implies the index's own
        // (with `state IN (?1, ?2)` it scans every request in number order instead).
        var query = RequestModel.query(on: database)
            .filter(.sql(unsafeRaw: Self.awaitingReviewCondition))
        if let cursor { query = query.filter(\.$number > cursor) }
        if let kind { query = query.filter(\.$kind == kind) }
        if let operatorID { query = query.filter(\.$operatorID == operatorID) }
        switch assignedTo {
        case .user(let userID): query = query.filter(\.$assignedReviewerID == userID)
        case .unassigned: query = query.filter(\.$assignedReviewerID == nil)
        case nil: break
        }
        if let olderThan { query = query.filter(\.$submittedAt < olderThan) }
        let rows = try await query.sort(\.$number, .ascending).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.number)
    }

    /// Exactly the predicate of `requests_queue_idx` (migration M0003), from constant raw values.
    static let awaitingReviewCondition = "\"requests\".\"state\" IN ('\(RequestState.submitted.rawValue)', '\(RequestState.inReview.rawValue)')"

    /// Requests the principal may see, newest first.
    public func list(for principal: Principal, before cursor: Int?, limit: Int, state: RequestState? = nil, kind: RequestKind? = nil) async throws -> Page<RequestModel> {
        var query = RequestModel.query(on: database)
        if principal.role == .operatorUser {
            guard let operatorID = principal.operatorID else { return Page(items: [], nextCursor: nil) }
            query = query.group(.or) { $0.filter(\.$operatorID == operatorID).filter(\.$counterpartOperatorID == operatorID) }
        }
        if let cursor { query = query.filter(\.$number < cursor) }
        if let state { query = query.filter(\.$state == state) }
        if let kind { query = query.filter(\.$kind == kind) }
        let rows = try await query.sort(\.$number, .descending).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.number)
    }

    public func find(_ id: UUID, for principal: Principal) async throws -> RequestModel {
        guard let request = try await RequestModel.find(id, on: database), request.isVisible(to: principal) else {
            throw NotFoundError(entity: "request", id: id.uuidString)
        }
        return request
    }

    public func history(of request: RequestModel) async throws -> [RequestTransitionModel] {
        try await RequestTransitionModel.query(on: database).filter(\.$requestID == request.requireID()).sort(\.$at).all()
    }
}

/// Reads of the registry.
public struct RegistryQueries: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    public func drimboxes(for principal: Principal, after cursor: Int?, limit: Int, state: DRIMboxState? = nil) async throws -> Page<DRIMboxModel> {
        var query = DRIMboxModel.query(on: database)
        if principal.role == .operatorUser {
            guard let operatorID = principal.operatorID else { return Page(items: [], nextCursor: nil) }
            query = query.filter(\.$operatorID == operatorID)
        }
        if let cursor { query = query.filter(\.$identifier > cursor) }
        if let state { query = query.filter(\.$state == state) }
        let rows = try await query.sort(\.$identifier).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.identifier)
    }

    public func drimbox(_ id: UUID, for principal: Principal) async throws -> DRIMboxModel {
        guard let drimbox = try await DRIMboxModel.find(id, on: database), principal.canSee(ownedBy: drimbox.operatorID) else {
            throw NotFoundError(entity: "drimbox", id: id.uuidString)
        }
        return drimbox
    }

    public func pairs(of drimbox: DRIMboxModel) async throws -> [FQDNPairModel] {
        try await FQDNPairModel.query(on: database).filter(\.$drimboxID == drimbox.requireID()).sort(\.$pacsIndex).all()
    }

    /// When the principal's operator took the DRIMbox over (its last operator change); nil for ANS
    /// and for a DRIMbox that never changed operator. An operator sees only its own tenure.
    public func tenureStart(of drimbox: DRIMboxModel, for principal: Principal) async throws -> Date? {
        guard principal.role == .operatorUser else { return nil }
        return try await DRIMboxTransitionModel.query(on: database).filter(\.$drimboxID == drimbox.requireID())
            .filter(\.$event == .operatorChange).sort(\.$at, .descending).first()?.at
    }

    /// The DRIMbox's transitions that the principal may see, oldest first.
    public func history(of drimbox: DRIMboxModel, for principal: Principal) async throws -> [DRIMboxTransitionModel] {
        let all = try await DRIMboxTransitionModel.query(on: database).filter(\.$drimboxID == (try drimbox.requireID())).sort(\.$at).all()
        guard principal.role == .operatorUser, let start = all.lastIndex(where: { $0.event == .operatorChange }) else { return all }
        // From the operator change on, decided on the rows themselves (a date read back from the
        // database may not compare equal to itself).
        return Array(all[start...])
    }

    /// The DRIMbox's attestations that the principal may see: an operator sees those issued to it.
    public func attestations(of drimbox: DRIMboxModel, for principal: Principal) async throws -> [AttestationModel] {
        var query = AttestationModel.query(on: database).filter(\.$drimboxID == (try drimbox.requireID()))
        if principal.role == .operatorUser { query = query.filter(\.$operatorID == principal.operatorID ?? UUID()) }
        return try await query.sort(\.$issuedAt).all()
    }

    /// Everything the white list shows: each FQDN pair of every provisional or integrated DRIMbox
    /// that has a certificate DN, with its operator, in white list order. One SQL query that reads
    /// only the needed columns: building Fluent models for 10,000 joined rows took most of a publication.
    public func trustedEntries() async throws -> [TrustedEntry] {
        guard let sql = database as? any SQLDatabase else { throw PersistenceError.corrupted("trusted entries need an SQL database") }
        let rows = try await sql.raw("""
            SELECT d.identifier AS identifier, p.pacs_index AS pacs_index, p.db_fqdn AS db_fqdn, p.viewer_fqdn AS viewer_fqdn,
                   p.certificate_dn AS certificate_dn, p.updated_at AS updated_at, o.id AS operator_id, o.legal_name AS legal_name,
                   o.responsible_contact AS responsible_contact, o.support_email AS support_email, o.support_phone AS support_phone
            FROM fqdn_pairs p
            JOIN drimboxes d ON d.id = p.drimbox_id
            JOIN operators o ON o.id = d.operator_id
            WHERE d.state IN ('\(unsafeRaw: DRIMboxState.provisional.rawValue)', '\(unsafeRaw: DRIMboxState.integrated.rawValue)')
              AND p.certificate_dn IS NOT NULL
            ORDER BY d.identifier, p.pacs_index
            """).all()
        var supportContacts: [UUID: String] = [:]
        return try rows.map { row in
            let operatorID = try row.decode(column: "operator_id", as: UUID.self)
            let supportContact: String
            if let known = supportContacts[operatorID] {
                supportContact = known
            } else {
                let phone = try row.decode(column: "support_phone", as: String.self)
                supportContact = "\(try row.decode(column: "support_email", as: String.self)), \((try? FrenchPhoneNumber(phone))?.national ?? phone)"
                supportContacts[operatorID] = supportContact
            }
            return TrustedEntry(
                identifier: try row.decode(column: "identifier", as: Int.self),
                pacsIndex: try row.decode(column: "pacs_index", as: Int.self),
                db: try row.decode(column: "db_fqdn", as: String.self),
                viewer: try row.decode(column: "viewer_fqdn", as: String.self),
                operatorName: try row.decode(column: "legal_name", as: String.self),
                certificateDN: try row.decode(column: "certificate_dn", as: String.self),
                responsibleContact: try row.decode(column: "responsible_contact", as: String?.self),
                supportContact: supportContact,
                updatedAt: try row.decode(column: "updated_at", as: Date.self))
        }
    }
}

/// One line of the white list as the registry knows it.
public struct TrustedEntry: Sendable, Hashable {
    public var identifier: Int
    public var pacsIndex: Int
    public var db: String
    public var viewer: String
    public var operatorName: String
    public var certificateDN: String
    public var responsibleContact: String?
    public var supportContact: String
    public var updatedAt: Date
}
