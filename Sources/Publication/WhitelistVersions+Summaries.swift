import FluentKit
import Foundation
import Persistence

extension WhitelistVersions {
    /// Published versions, newest first, after the `before` cursor, without their signed file or
    /// entries (only `seq`, dates, digest, size, entry count and signer are read): a page of
    /// versions of a 10,000-entry list stays a few kilobytes.
    public func summaries(before cursor: Int?, limit: Int) async throws -> Persistence.Page<WhitelistVersionModel> {
        var builder = WhitelistVersionModel.query(on: database)
            .field(\.$id).field(\.$seq).field(\.$generatedAt).field(\.$signingTime).field(\.$sha256).field(\.$size)
            .field(\.$entryCount).field(\.$signerSubject).field(\.$createdAt)
        if let cursor { builder = builder.filter(\.$seq < cursor) }
        return Persistence.Page(keyset: try await builder.sort(\.$seq, .descending).limit(limit + 1).all(), limit: limit, key: \.seq)
    }
}
