import EDCDomain
import FluentKit
import FluentSQL
import Foundation

/// Reads of requests, always filtered by what the principal may see.
public struct RequestQueries: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// ANS review queue: submitted and in-review requests, oldest number first.
    public func reviewQueue(after cursor: Int?, limit: Int, kind: RequestKind? = nil) async throws -> Page<RequestModel> {
        // The states are written as literals, not bound: SQLite uses the partial index
        // requests_queue_idx only when the query's WHERE visibly implies the index's own
        // (with `state IN (?1, ?2)` it scans every request in number order instead).
        var query = RequestModel.query(on: database)
            .filter(.sql(unsafeRaw: Self.awaitingReviewCondition))
        if let cursor { query = query.filter(\.$number > cursor) }
        if let kind { query = query.filter(\.$kind == kind.rawValue) }
        let rows = try await query.sort(\.$number, .ascending).limit(limit + 1).all()
        return page(rows, limit: limit)
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
        if let state { query = query.filter(\.$state == state.rawValue) }
        if let kind { query = query.filter(\.$kind == kind.rawValue) }
        let rows = try await query.sort(\.$number, .descending).limit(limit + 1).all()
        return page(rows, limit: limit)
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

    private func page(_ rows: [RequestModel], limit: Int) -> Page<RequestModel> {
        let items = Array(rows.prefix(limit))
        return Page(items: items, nextCursor: rows.count > limit ? items.last.map { String($0.number) } : nil)
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
        if let state { query = query.filter(\.$state == state.rawValue) }
        let rows = try await query.sort(\.$identifier).limit(limit + 1).all()
        let items = Array(rows.prefix(limit))
        return Page(items: items, nextCursor: rows.count > limit ? items.last.map { String($0.identifier) } : nil)
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

    public func history(of drimbox: DRIMboxModel) async throws -> [DRIMboxTransitionModel] {
        try await DRIMboxTransitionModel.query(on: database).filter(\.$drimboxID == drimbox.requireID()).sort(\.$at).all()
    }

    public func attestations(of drimbox: DRIMboxModel) async throws -> [AttestationModel] {
        try await AttestationModel.query(on: database).filter(\.$drimboxID == drimbox.requireID()).sort(\.$issuedAt).all()
    }

    /// Everything the white list shows: each FQDN pair of every provisional or integrated DRIMbox
    /// that has a certificate DN, with its operator — one query, whatever the size of the registry.
    public func trustedEntries() async throws -> [TrustedEntry] {
        let rows = try await FQDNPairModel.query(on: database)
            .join(DRIMboxModel.self, on: \FQDNPairModel.$drimboxID == \DRIMboxModel.$id)
            .join(OperatorModel.self, on: \DRIMboxModel.$operatorID == \OperatorModel.$id)
            .filter(DRIMboxModel.self, \.$state ~~ [DRIMboxState.provisional.rawValue, DRIMboxState.integrated.rawValue])
            .filter(\.$certificateDN != nil)
            .all()
        return try rows.compactMap { pair -> TrustedEntry? in
            let box = try pair.joined(DRIMboxModel.self)
            let op = try pair.joined(OperatorModel.self)
            guard let dn = pair.certificateDN else { return nil }
            let phone = (try? FrenchPhoneNumber(op.supportPhone))?.national ?? op.supportPhone
            return TrustedEntry(
                identifier: box.identifier, pacsIndex: pair.pacsIndex, db: pair.dbFQDN, viewer: pair.viewerFQDN,
                operatorName: op.legalName, certificateDN: dn, responsibleContact: op.responsibleContact,
                supportContact: "\(op.supportEmail), \(phone)", updatedAt: pair.updatedAt)
        }.sorted { ($0.identifier, $0.pacsIndex) < ($1.identifier, $1.pacsIndex) }
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
