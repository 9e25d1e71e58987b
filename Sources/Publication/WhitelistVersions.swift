import FluentKit
import Foundation
import Persistence
import Whitelist

/// Reading the published versions of the white list: the history ANS and DRIMbox vendors browse,
/// one version's signed file, and what changed between two versions.
public struct WhitelistVersions: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    /// Published versions, newest first, after the `before` cursor (a sequence number).
    public func page(before cursor: Int?, limit: Int) async throws -> Persistence.Page<WhitelistVersionModel> {
        var builder = WhitelistVersionModel.query(on: database)
        if let cursor { builder = builder.filter(\.$seq < cursor) }
        return Persistence.Page(keyset: try await builder.sort(\.$seq, .descending).limit(limit + 1).all(), limit: limit, key: \.seq)
    }

    /// Version `seq`, or `NotFoundError`.
    public func version(_ seq: Int) async throws -> WhitelistVersionModel {
        guard let version = try await WhitelistVersionModel.query(on: database).filter(\.$seq == seq).first() else {
            throw NotFoundError(entity: "whitelist version", id: String(seq))
        }
        return version
    }

    /// Entries added, removed and changed from version `from` (0: the empty list; default: the
    /// previous version) to version `to`.
    public func diff(to seq: Int, from base: Int?) async throws -> (from: Int, to: Int, diff: WhitelistDiff) {
        let target = try await version(seq)
        let fromSeq = base ?? (target.seq - 1)
        let old = fromSeq == 0 ? [] : try JSONText.decode([WhitelistEntry].self, from: try await version(fromSeq).entries)
        let new = try JSONText.decode([WhitelistEntry].self, from: target.entries)
        let diff = WhitelistDiff.between(WhitelistDocument(generatedAt: Date(), entries: old), WhitelistDocument(generatedAt: Date(), entries: new))
        return (fromSeq, target.seq, diff)
    }
}
