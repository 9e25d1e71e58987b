import EDCDomain
import FluentKit
import FluentSQL
import Foundation

/// Reads of ANS's back office (`/ans`): requests by any state with the review queue's filters,
/// the registry searched, VA deadlines. ANS only: anyone else gets
/// `NotFoundError`, as for everything they may not see. Every read is one indexed query, paged
/// by key, whatever the number of stored rows.
extension RequestQueries {
    /// What the back office's request list shows.
    public struct BackOfficeFilter: Sendable, Hashable {
        public var kind: RequestKind?
        /// nil: awaiting review (submitted or in review), the review queue.
        public var state: RequestState?
        public var operatorID: UUID?
        public var assignedTo: Assignee?
        /// Submitted before this date.
        public var submittedBefore: Date?

        public init(kind: RequestKind? = nil, state: RequestState? = nil, operatorID: UUID? = nil, assignedTo: Assignee? = nil, submittedBefore: Date? = nil) {
            self.kind = kind
            self.state = state
            self.operatorID = operatorID
            self.assignedTo = assignedTo
            self.submittedBefore = submittedBefore
        }

        /// Requests awaiting review are listed oldest first (the queue); closed or waiting ones newest first.
        public var oldestFirst: Bool { state == nil || state?.awaitsReview == true }
    }

    /// The requests matching `filter`, for ANS: awaiting review (the default) oldest number first
    /// through the queue's partial index; any other state newest first. `cursor` is the
    /// `nextCursor` of the previous page.
    public func backOffice(_ principal: Principal, filter: BackOfficeFilter, cursor: Int?, limit: Int) async throws -> Page<RequestModel> {
        guard principal.role.isANS else { throw NotFoundError(entity: "request", id: "back office") }
        var query = RequestModel.query(on: database)
        if filter.oldestFirst {
            // Written as literals (see `reviewQueue`) so that SQLite uses requests_queue_idx.
            query = query.filter(.sql(unsafeRaw: Self.awaitingReviewCondition))
            if let state = filter.state { query = query.filter(\.$state == state) }
            if let cursor { query = query.filter(\.$number > cursor) }
        } else {
            if let state = filter.state { query = query.filter(\.$state == state) }
            if let cursor { query = query.filter(\.$number < cursor) }
        }
        if let kind = filter.kind { query = query.filter(\.$kind == kind) }
        if let operatorID = filter.operatorID { query = query.filter(\.$operatorID == operatorID) }
        switch filter.assignedTo {
        case .user(let userID): query = query.filter(\.$assignedReviewerID == userID)
        case .unassigned: query = query.filter(\.$assignedReviewerID == nil)
        case nil: break
        }
        if let before = filter.submittedBefore { query = query.filter(\.$submittedAt < before) }
        let rows = try await query.sort(\.$number, filter.oldestFirst ? .ascending : .descending).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.number)
    }

    /// VA document requests awaiting review, by DRIMbox, for the given DRIMboxes (ANS only).
    public func pendingVADocuments(of drimboxIDs: [UUID], for principal: Principal) async throws -> [UUID: RequestModel] {
        guard principal.role.isANS else { throw NotFoundError(entity: "request", id: "va documents") }
        guard !drimboxIDs.isEmpty else { return [:] }
        let rows = try await RequestModel.query(on: database).filter(.sql(unsafeRaw: Self.awaitingReviewCondition))
            .filter(\.$kind == .vaDocument).filter(\.$drimboxID ~~ drimboxIDs).sort(\.$number).all()
        var result: [UUID: RequestModel] = [:]
        for row in rows { if let id = row.drimboxID, result[id] == nil { result[id] = row } }
        return result
    }
}

extension RegistryQueries {
    /// What the registry browser searches.
    public struct Search: Sendable, Hashable {
        public var identifier: Int?
        public var operatorID: UUID?
        /// Part of a `db` or `vi` FQDN (case-insensitive).
        public var fqdn: String?
        public var state: DRIMboxState?

        public init(identifier: Int? = nil, operatorID: UUID? = nil, fqdn: String? = nil, state: DRIMboxState? = nil) {
            self.identifier = identifier
            self.operatorID = operatorID
            self.fqdn = fqdn
            self.state = state
        }
    }

    /// DRIMboxes matching `search`, by identifier, for ANS (operators get `NotFoundError`).
    public func search(_ search: Search, for principal: Principal, after cursor: Int?, limit: Int) async throws -> Page<DRIMboxModel> {
        guard principal.role.isANS else { throw NotFoundError(entity: "drimbox", id: "search") }
        var query = DRIMboxModel.query(on: database)
        if let identifier = search.identifier { query = query.filter(\.$identifier == identifier) }
        if let operatorID = search.operatorID { query = query.filter(\.$operatorID == operatorID) }
        if let state = search.state { query = query.filter(\.$state == state) }
        if let fqdn = search.fqdn?.lowercased(), !fqdn.isEmpty {
            // FQDNs are stored in lower case; the pattern's own wildcards are escaped.
            let pattern = "%" + fqdn.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            let ids = try await FQDNPairModel.query(on: database)
                .filter(.sql(SQLQueryString("(db_fqdn LIKE \(bind: pattern) ESCAPE '\\' OR viewer_fqdn LIKE \(bind: pattern) ESCAPE '\\')")))
                .field(\.$drimboxID).limit(1000).all().map(\.drimboxID)
            if ids.isEmpty { return Page(items: [], nextCursor: nil) }
            query = query.filter(\.$id ~~ Array(Set(ids)))
        }
        if let cursor { query = query.filter(\.$identifier > cursor) }
        let rows = try await query.sort(\.$identifier).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.identifier)
    }

    /// Every operator's id and legal name, by name, for lists and filters: one SQL query of two
    /// columns (building 200 Fluent models took a fifth of a back-office page's time).
    public func operatorNames() async throws -> [(id: UUID, name: String)] {
        guard let sql = database as? any SQLDatabase else { throw PersistenceError.corrupted("operator names need an SQL database") }
        return try await sql.raw("SELECT id, legal_name FROM \(ident: OperatorModel.schema) ORDER BY legal_name, id").all().map {
            (try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "legal_name", as: String.self))
        }
    }

    /// Provisional DRIMboxes whose VA document is due before `horizon` (overdue ones included),
    /// soonest first, for ANS; `limit` per page from `offset` (the next page's offset is the
    /// page's `nextCursor`).
    public func vaDeadlines(before horizon: Date, for principal: Principal, offset: Int = 0, limit: Int) async throws -> Page<DRIMboxModel> {
        guard principal.role.isANS else { throw NotFoundError(entity: "drimbox", id: "va deadlines") }
        let rows = try await DRIMboxModel.query(on: database).filter(\.$state == .provisional).filter(\.$vaDueAt != nil)
            .filter(\.$vaDueAt < horizon).sort(\.$vaDueAt).sort(\.$identifier).range(offset..<(offset + limit + 1)).all()
        return Page(items: Array(rows.prefix(limit)), nextCursor: rows.count > limit ? String(offset + limit) : nil)
    }
}
