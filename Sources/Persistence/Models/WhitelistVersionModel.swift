import FluentKit
import Foundation

/// One published, signed white list. Written in a single transaction with the complete signed
/// bytes, so a reader never sees a partial or unsigned version. Never updated or deleted.
public final class WhitelistVersionModel: Model, @unchecked Sendable {
    public static let schema = "whitelist_versions"

    @ID(key: .id) public var id: UUID?
    /// 1, 2, 3… in publication order.
    @Field(key: "seq") public var seq: Int
    /// `DateDeGeneration`, strictly increasing from one version to the next.
    @Field(key: "generated_at") public var generatedAt: Date
    @Field(key: "signing_time") public var signingTime: Date
    /// Hex SHA-256 of `content`.
    @Field(key: "sha256") public var sha256: String
    @Field(key: "size") public var size: Int
    @Field(key: "entry_count") public var entryCount: Int
    /// The signed XML file, byte for byte as served.
    @Field(key: "content") public var content: Data
    /// The entries as JSON, for diffs without re-parsing XML.
    @Field(key: "entries") public var entries: String
    @Field(key: "signer_subject") public var signerSubject: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}
