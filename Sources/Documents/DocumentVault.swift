import Crypto
import FluentKit
import FluentSQL
import EDCDomain
import Foundation
import Persistence

/// Seals and opens documents with envelope encryption, so the database never holds them in clear,
/// and stores them within the operator's quota. No Vapor: the API, and next the web pages, call it.
///
/// Each document gets its own random data key (AES-256-GCM); the data key is wrapped by the
/// keyring's current master key, whose id is stored with it. The wrap authenticates
/// `document id | operator id | master key id`, the content's seal `document id | operator id`
/// (not the key id, so that a rotation leaves the ciphertext as it is): a blob or a wrapped key
/// moved to another row or operator, or a key id changed, does not open. Rotation (`rotate`)
/// re-wraps the data keys under a new master key without touching the documents' ciphertext. Documents sealed before envelopes (no wrapped key)
/// open with the master key bound to the document id alone, and `rotate` converts them.
public struct DocumentVault: Sendable {
    private let keys: KeyBox
    /// Reads the keyring again (keys under the data directory): a document wrapped with a key this
    /// process does not know yet (`edc rotate-document-key --generate` ran meanwhile) makes it
    /// reload once, so a rotation needs no restart.
    private let reload: (@Sendable () throws -> DocumentKeyring)?

    public init(keyring: DocumentKeyring, reload: (@Sendable () throws -> DocumentKeyring)? = nil) {
        keys = KeyBox(keyring)
        self.reload = reload
    }

    public var keyring: DocumentKeyring { keys.value }

    private final class KeyBox: @unchecked Sendable {
        // Safe: `keyring` is only read and written under `lock`.
        private let lock = NSLock()
        private var keyring: DocumentKeyring
        init(_ keyring: DocumentKeyring) { self.keyring = keyring }
        var value: DocumentKeyring {
            get { lock.withLock { keyring } }
            set { lock.withLock { keyring = newValue } }
        }
    }

    public struct Sealed: Sendable {
        public var content: Data
        public var wrappedKey: Data
        public var keyID: String
    }

    static func binding(documentID: UUID, operatorID: UUID, keyID: String) -> Data {
        Data("edc-document|\(documentID.uuidString.lowercased())|\(operatorID.uuidString.lowercased())|\(keyID)".utf8)
    }

    public func seal(_ content: some DataProtocol, documentID: UUID, operatorID: UUID) throws -> Sealed {
        let dataKey = SymmetricKey(size: .bits256)
        let sealedContent = try AES.GCM.seal(content, using: dataKey, authenticating: Self.binding(documentID: documentID, operatorID: operatorID, keyID: "content"))
        return Sealed(
            content: try Self.combined(sealedContent),
            wrappedKey: try wrap(dataKey, documentID: documentID, operatorID: operatorID, with: keyring.current),
            keyID: keyring.current.id)
    }

    private func wrap(_ dataKey: SymmetricKey, documentID: UUID, operatorID: UUID, with master: DocumentKeyring.MasterKey) throws -> Data {
        let raw = dataKey.withUnsafeBytes { Data($0) }
        return try Self.combined(try AES.GCM.seal(raw, using: master.key, authenticating: Self.binding(documentID: documentID, operatorID: operatorID, keyID: master.id)))
    }

    private func unwrap(_ wrapped: Data?, keyID: String?, id: UUID, operatorID: UUID) throws -> SymmetricKey {
        guard let keyID, let wrapped else { throw VaultError.tampered }
        var master = keyring.key(id: keyID)
        if master == nil, let reload, let reloaded = try? reload() {
            keys.value = reloaded
            master = reloaded.key(id: keyID)
        }
        guard let master else { throw VaultError.unknownKey(keyID) }
        do {
            let raw = try AES.GCM.open(try AES.GCM.SealedBox(combined: wrapped), using: master.key,
                                       authenticating: Self.binding(documentID: id, operatorID: operatorID, keyID: keyID))
            return SymmetricKey(data: raw)
        } catch {
            throw VaultError.tampered
        }
    }

    /// The document's content; `VaultError.tampered` when anything bound to it was changed.
    public func open(_ document: DocumentModel) throws -> Data {
        guard let documentID = document.id else { throw VaultError.tampered }
        guard document.wrappedKey != nil || document.keyID != nil else { return try openLegacy(document.sealedContent, documentID: documentID) }
        return try open(document.sealedContent, wrappedKey: document.wrappedKey, keyID: document.keyID, id: documentID, operatorID: document.operatorID)
    }

    /// Anything sealed by `seal` (documents, issued attestation PDFs), given what it is bound to.
    public func open(_ sealed: Data, wrappedKey: Data?, keyID: String?, id: UUID, operatorID: UUID) throws -> Data {
        let dataKey = try unwrap(wrappedKey, keyID: keyID, id: id, operatorID: operatorID)
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: dataKey,
                                    authenticating: Self.binding(documentID: id, operatorID: operatorID, keyID: "content"))
        } catch {
            throw VaultError.tampered
        }
    }

    /// A data key re-wrapped under the current master key (rotation).
    func rewrap(_ wrapped: Data?, keyID: String?, id: UUID, operatorID: UUID) throws -> Data {
        try wrap(try unwrap(wrapped, keyID: keyID, id: id, operatorID: operatorID), documentID: id, operatorID: operatorID, with: keyring.current)
    }

    /// Before envelopes: the content sealed with a master key, bound to the document id only.
    func openLegacy(_ sealed: Data, documentID: UUID) throws -> Data {
        for master in [keyring.current] + keyring.previous {
            if let box = try? AES.GCM.SealedBox(combined: sealed),
               let content = try? AES.GCM.open(box, using: master.key, authenticating: Data(documentID.uuidString.utf8)) {
                return content
            }
        }
        throw VaultError.tampered
    }

    private static func combined(_ box: AES.GCM.SealedBox) throws -> Data {
        guard let combined = box.combined else { throw VaultError.sealFailed }
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
        let sealed = try seal(content, documentID: id, operatorID: operatorID)
        document.sealedContent = sealed.content
        document.wrappedKey = sealed.wrappedKey
        document.keyID = sealed.keyID
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
    /// or belongs to another operator (one answer for both, so nothing is revealed). Audited.
    public func download(_ id: UUID, for principal: Principal, in store: Store) async throws -> (document: DocumentModel, content: Data) {
        guard let document = try await DocumentModel.find(id, on: store.database), principal.canSee(ownedBy: document.operatorID) else {
            throw NotFoundError(entity: "document", id: id.uuidString)
        }
        let content = try open(document)
        try await store.write { context in
            try await context.audit(AuditActor(userID: principal.userID, role: principal.role), action: .documentDownload, entity: .document, entityID: id.uuidString, data: ["kind": document.kind.rawValue, "sha256": document.sha256])
        }
        return (document, content)
    }

    public struct RotationReport: Sendable, Equatable {
        /// Data keys re-wrapped under the current master key (content untouched).
        public var rewrapped = 0
        /// Documents from before envelopes, re-sealed under a data key (content re-encrypted once).
        public var converted = 0
        /// Documents that did not open (tampered, or a key missing from the keyring): left as they were.
        public var failed: [UUID] = []
        /// Master key ids still used by some document after the run.
        public var keysInUse: Set<String> = []
    }

    /// Re-wraps every data key not under the current master key, one document per transaction (no
    /// long lock: the service keeps running), then records one audit entry with the counts.
    public func rotate(in store: Store) async throws -> RotationReport {
        var report = RotationReport()
        let currentID = keyring.current.id
        let stale = try await DocumentModel.query(on: store.database).group(.or) {
            $0.filter(\.$keyID == nil).filter(\.$keyID != currentID)
        }.all()
        for document in stale {
            guard let id = document.id else { continue }
            do {
                if document.wrappedKey == nil {
                    let content = try openLegacy(document.sealedContent, documentID: id)
                    let sealed = try seal(content, documentID: id, operatorID: document.operatorID)
                    (document.sealedContent, document.wrappedKey, document.keyID) = (sealed.content, sealed.wrappedKey, sealed.keyID)
                    report.converted += 1
                } else {
                    document.wrappedKey = try rewrap(document.wrappedKey, keyID: document.keyID, id: id, operatorID: document.operatorID)
                    document.keyID = currentID
                    report.rewrapped += 1
                }
                try await store.write { context in try await document.save(on: context.database) }
            } catch {
                report.failed.append(id)
            }
        }
        // Issued attestation PDFs are sealed the same way.
        let attestations = try await AttestationModel.query(on: store.database).filter(\.$pdfKeyID != nil).filter(\.$pdfKeyID != currentID).all()
        for attestation in attestations {
            guard let id = attestation.id else { continue }
            do {
                attestation.pdfWrappedKey = try rewrap(attestation.pdfWrappedKey, keyID: attestation.pdfKeyID, id: id, operatorID: attestation.operatorID)
                attestation.pdfKeyID = currentID
                try await store.write { context in try await attestation.save(on: context.database) }
                report.rewrapped += 1
            } catch {
                report.failed.append(id)
            }
        }
        let used = try await DocumentModel.query(on: store.database).all(\.$keyID)
        let usedByAttestations = try await AttestationModel.query(on: store.database).filter(\.$pdfKeyID != nil).all(\.$pdfKeyID)
        report.keysInUse = Set(used.map { $0 ?? "(before envelopes)" } + usedByAttestations.compactMap { $0 })
        let summary = report
        try await store.write { context in
            try await context.audit(AuditActor(userID: nil, role: .system), action: .documentKeyRotation, entity: .document, entityID: currentID, data: [
                "rewrapped": String(summary.rewrapped), "converted": String(summary.converted), "failed": String(summary.failed.count),
                "keysInUse": summary.keysInUse.sorted().joined(separator: ","),
            ])
        }
        return report
    }

    public enum VaultError: Error, CustomStringConvertible {
        case sealFailed, noOperator, tampered
        case unknownKey(String)

        public var description: String {
            switch self {
            case .sealFailed: "the document could not be sealed"
            case .noOperator: "only an operator's user stores documents"
            case .tampered: "the sealed document, its wrapped key or what they are bound to (document, operator, key id) was changed"
            case .unknownKey(let id): "the master key \(id) is not in the keyring (retired too early?)"
            }
        }
    }
}
