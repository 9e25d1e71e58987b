import FluentKit
import Foundation

/// One PACS of a DRIMbox: its assigned FQDN pair, the operator's hostnames behind it and the
/// certificate DN declared for it. Never deleted: an assigned FQDN is never assigned again.
public final class FQDNPairModel: Model, @unchecked Sendable {
    public static let schema = "fqdn_pairs"

    @ID(key: .id) public var id: UUID?
    @Field(key: "drimbox_id") public var drimboxID: UUID
    @Field(key: "pacs_index") public var pacsIndex: Int
    @Field(key: "db_fqdn") public var dbFQDN: String
    @Field(key: "viewer_fqdn") public var viewerFQDN: String
    @Field(key: "source_hostname") public var sourceHostname: String
    @Field(key: "viewer_hostname") public var viewerHostname: String
    @OptionalField(key: "certificate_dn") public var certificateDN: String?
    /// Last change of what the white list shows for this pair (`DateMAJ`).
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(id: UUID? = nil, drimboxID: UUID, pacsIndex: Int, dbFQDN: String, viewerFQDN: String, sourceHostname: String, viewerHostname: String, updatedAt: Date) {
        self.id = id
        self.drimboxID = drimboxID
        self.pacsIndex = pacsIndex
        self.dbFQDN = dbFQDN
        self.viewerFQDN = viewerFQDN
        self.sourceHostname = sourceHostname
        self.viewerHostname = viewerHostname
        self.updatedAt = updatedAt
    }
}

extension FQDNPairModel {
    /// Marks every entry of these DRIMboxes as changed now (`DateMAJ` of the white list).
    static func touch(drimboxIDs: [UUID], at date: Date, on database: any Database) async throws {
        guard !drimboxIDs.isEmpty else { return }
        try await query(on: database).filter(\.$drimboxID ~~ drimboxIDs).set(\.$updatedAt, to: date).update()
    }
}
