import EDCDomain
import FluentKit
import FluentSQL
import Foundation

extension AuditLog {
    /// What ANS looks for in the audit log; every criterion is optional.
    public struct Search: Sendable, Hashable {
        /// An action (`request.approve`), or a family of actions ending with a dot (`request.`).
        public var action: String?
        public var entityType: AuditEntity?
        public var entityID: String?
        public var actorID: UUID?
        public var actorRole: Role?
        /// From this instant (inclusive) to `to` (exclusive).
        public var from: Date?
        public var to: Date?

        public init(action: String? = nil, entityType: AuditEntity? = nil, entityID: String? = nil, actorID: UUID? = nil, actorRole: Role? = nil, from: Date? = nil, to: Date? = nil) {
            self.action = action
            self.entityType = entityType
            self.entityID = entityID
            self.actorID = actorID
            self.actorRole = actorRole
            self.from = from
            self.to = to
        }
    }

    /// Entries matching `search`, newest first, `limit` per page (`cursor`: the `nextCursor` of
    /// the previous page, a sequence number). For ANS only (`NotFoundError` otherwise). Read by
    /// the unique index on `seq`, backwards: a page stops as soon as it has its rows.
    public static func search(_ search: Search, for principal: Principal, before cursor: Int?, limit: Int, on database: any Database) async throws -> Page<AuditEntryModel> {
        guard principal.role.isANS else { throw NotFoundError(entity: "audit", id: "search") }
        var query = AuditEntryModel.query(on: database)
        if let action = search.action, !action.isEmpty {
            if action.hasSuffix(".") {
                let pattern = action.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
                query = query.filter(.sql(SQLQueryString("action LIKE \(bind: pattern) ESCAPE '\\'")))
            } else {
                query = query.filter(\.$action == AuditAction(rawValue: action))
            }
        }
        if let type = search.entityType { query = query.filter(\.$entityType == type.rawValue) }
        if let id = search.entityID, !id.isEmpty { query = query.filter(\.$entityID == id) }
        if let actor = search.actorID { query = query.filter(\.$actorID == actor) }
        if let role = search.actorRole { query = query.filter(\.$actorRole == role.rawValue) }
        if let from = search.from { query = query.filter(\.$at >= from) }
        if let to = search.to { query = query.filter(\.$at < to) }
        if let cursor { query = query.filter(\.$seq < cursor) }
        let rows = try await query.sort(\.$seq, .descending).limit(limit + 1).all()
        return Page(keyset: rows, limit: limit, key: \.seq)
    }
}
