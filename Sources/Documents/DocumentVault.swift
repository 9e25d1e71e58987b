import Crypto
import FluentKit
import FluentSQL
import EDCDomain
import Foundation
import Persistence

/// Seals and opens documents with AES-256-GCM, so the database never holds them in clear, and
/// stores them within the operator's quota. No Vapor: the API, and next the web pages, call it.
/// The document's id is bound as associated data: a sealed blob moved to another row won't open.
public struct DocumentVault: Sendable {
    private let keyData: Data
    private var key: SymmetricKey { SymmetricKey(data: keyData) }

    public init(keyData: Data) {
        self.keyData = keyData
    }

    public func seal(_ content: some DataProtocol, documentID: UUID) throws -> Data {
        guard let combined = try AES.GCM.seal(content, using: key, authenticating: Data(documentID.uuidString.utf8)).combined else {
            throw VaultError.sealFailed
        }
        return combined
    }

    /// Seals `content` and records it for the principal's operator, audited, in one transaction,
    /// provided the operator's documents stay within `quota` bytes.
    public func store(_ content: some DataProtocol, kind: DocumentKind, filename: Filename, mediaType: String, by principal: Principal, quota: Int, in store: Store) async throws -> DocumentModel {
        guard let operatorID = principal.operatorID else { throw VaultError.noOperator }
        let id = UUID()
        let document = DocumentModel()
        document.id = id
        document.operatorID = operatorID
        document.kind = kind
        document.filename = filename.value
        document.mediaType = mediaType
        document.size = content.count
        document.sha256 = SHA256.hash(data: content).hexString
        document.sealedContent = try seal(content, documentID: id)
        document.uploadedBy = principal.userID
        return try await store.write { context in
            // Under the write lock: two uploads at once cannot both squeeze under the quota.
            let used = try await Self.storedBytes(of: operatorID, on: context.database)
            if used + document.size > quota {
                throw ValidationErrors([ValidationError(
                    code: "document.quota", field: "body",
                    userMessage: "L'espace de stockage des documents de votre organisation est plein (\(quota / 1_048_576) Mo). Les documents jamais joints à une demande sont supprimés après quelques jours.",
                    technicalDetail: "operator \(operatorID) would store \(used + document.size) bytes > quota \(quota)")])
            }
            document.createdAt = context.now
            try await document.create(on: context.database)
            try await context.audit(AuditActor(userID: principal.userID, role: principal.role), action: .documentUpload, entity: .document, entityID: id.uuidString, data: ["kind": document.kind.rawValue, "sha256": document.sha256, "size": String(document.size)])
            return document
        }
    }

    /// Bytes an operator's documents take. SQL with a cast: PostgreSQL sums a BIGINT column as NUMERIC.
    public static func storedBytes(of operatorID: UUID, on database: any Database) async throws -> Int {
        guard let sql = database as? any SQLDatabase else { throw VaultError.sealFailed }
        let row = try await sql.raw("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM \(ident: DocumentModel.schema) WHERE operator_id = \(bind: operatorID)").first()
        return try row?.decode(column: "total", as: Int.self) ?? 0
    }

    /// A stored document and its content, for `principal`: `NotFoundError` when it does not exist
    /// or belongs to another operator (one answer for both, so nothing is revealed).
    public func download(_ id: UUID, for principal: Principal, on database: any Database) async throws -> (document: DocumentModel, content: Data) {
        guard let document = try await DocumentModel.find(id, on: database), principal.canSee(ownedBy: document.operatorID) else {
            throw NotFoundError(entity: "document", id: id.uuidString)
        }
        return (document, try open(document.sealedContent, documentID: id))
    }

    public func open(_ sealed: Data, documentID: UUID) throws -> Data {
        try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(documentID.uuidString.utf8))
    }

    /// The configured key, or the one kept under the data directory (created on first start, 0600).
    public static func loadKey(configured: Data?, dataDirectory: String) throws -> Data {
        if let key = configured { return key }
        let url = URL(fileURLWithPath: dataDirectory).appendingPathComponent("document.key")
        if let existing = try? Data(contentsOf: url), let key = Data(base64Encoded: existing), key.count == 32 {
            return key
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try Data(key.base64EncodedString().utf8).write(to: url, options: [.atomic])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        return key
    }

    public enum VaultError: Error { case sealFailed, noOperator }
}
