import EDCDomain
import FluentKit
import Foundation
import Persistence

/// The archive of one request (`GET /api/v1/requests/{id}/export.zip`): the form as filed
/// (`demande.json`), its transitions (`historique.json`), the audit entries about it and its
/// documents (`journal-audit.json`), the documents themselves, decrypted (`documents/…`), and the
/// attestation PDF it issued (`attestation-ATT-….pdf`).
/// The export is audited, naming the documents it opened.
public struct RequestExport: Sendable {
    let vault: DocumentVault

    public init(vault: DocumentVault) { self.vault = vault }

    public struct Archive: Sendable {
        public var filename: String
        public var bytes: [UInt8]
    }

    /// For `principal`, who can see the request (`RequestQueries.find` decides: 404 otherwise).
    public func archive(of requestID: UUID, for principal: Principal, in store: Store) async throws -> Archive {
        let queries = RequestQueries(database: store.database)
        let request = try await queries.find(requestID, for: principal)
        let history = try await queries.history(of: request)
        let payload = try RequestPayload.decode(kind: request.kind, from: Data(request.payload.utf8), using: JSONText.decoder)
        let documentIDs = payload.documentReferences.map(\.id)
        let documents = documentIDs.isEmpty ? [] : try await DocumentModel.query(on: store.database).filter(\.$id ~~ documentIDs)
            .filter(\.$operatorID == request.operatorID).all()
        let now = store.clock()
        var zip = ZipArchive(date: now)

        let form: [String: Any?] = [
            "numero": request.number, "type": request.kind.rawValue, "etat": request.state.rawValue,
            "operatorID": request.operatorID.uuidString, "drimboxID": request.drimboxID?.uuidString,
            "version": request.version, "creeLe": Self.date(request.createdAt), "deposeeLe": request.submittedAt.map(Self.date),
            "dernierMotif": request.lastReason,
            "formulaire": try JSONSerialization.jsonObject(with: Data(request.payload.utf8)),
            "exporteLe": Self.date(now),
        ]
        try zip.add("demande.json", try Self.json(form.compactMapValues { $0 }))
        try zip.add("historique.json", try Self.json(history.map { transition -> [String: Any] in
            var entry: [String: Any] = [
                "action": transition.action.rawValue, "de": transition.fromState.rawValue, "vers": transition.toState.rawValue,
                "role": transition.actorRole.rawValue, "le": Self.date(transition.at),
            ]
            if let actor = transition.actorID { entry["acteur"] = actor.uuidString }
            if let reason = transition.reason { entry["motif"] = reason }
            return entry
        }))

        var exported: [String] = []
        for document in documents {
            let name = "documents/\(document.kind.rawValue)-\(try document.requireID().uuidString.prefix(8))-\(Self.safe(document.filename))"
            try zip.add(name, try vault.open(document))
            exported.append(try document.requireID().uuidString)
        }
        // The attestation(s) this request issued, as issued (once rendered).
        for attestation in try await AttestationModel.query(on: store.database).filter(\.$requestID == request.requireID()).sort(\.$issuedAt).all() {
            guard let sealed = attestation.pdfSealed else { continue }
            try zip.add("attestation-\(Self.safe(attestation.number)).pdf", try vault.open(
                sealed, wrappedKey: attestation.pdfWrappedKey, keyID: attestation.pdfKeyID, id: try attestation.requireID(), operatorID: attestation.operatorID))
        }
        // The audit trail as it stands before this export's own entry.
        let entries = try await AuditEntryModel.query(on: store.database).group(.or) { group in
            group.group(.and) { $0.filter(\.$entityType == AuditEntity.request.rawValue).filter(\.$entityID == String(request.number)) }
            if !exported.isEmpty {
                group.group(.and) { $0.filter(\.$entityType == AuditEntity.document.rawValue).filter(\.$entityID ~~ exported) }
            }
        }.sort(\.$seq).all()
        try zip.add("journal-audit.json", try Self.json(entries.map { entry -> [String: Any] in
            var result: [String: Any] = [
                "seq": entry.seq, "le": Self.date(entry.at), "role": entry.actorRole, "action": entry.action.rawValue,
                "objet": entry.entityType, "identifiant": entry.entityID, "hash": entry.hash,
                "donnees": (try? JSONSerialization.jsonObject(with: Data(entry.data.utf8))) ?? entry.data,
            ]
            if let actor = entry.actorID { result["acteur"] = actor.uuidString }
            return result
        }))
        let exportedDocuments = exported
        try await store.write { context in
            try await context.audit(AuditActor(userID: principal.userID, role: principal.role), action: .requestExport, entity: .request, entityID: String(request.number), data: [
                "documents": exportedDocuments.joined(separator: ","),
            ])
        }
        return Archive(filename: "demande-\(request.number).zip", bytes: zip.bytes())
    }

    static func json(_ value: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
    }

    static func date(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// A file name safe in any unzip tool: no directory, no control character.
    static func safe(_ filename: String) -> String {
        let cleaned = filename.filter { !$0.isNewline && $0 != "/" && $0 != "\\" && !($0.unicodeScalars.first.map { $0.value < 0x20 } ?? false) }
        return cleaned.isEmpty ? "document" : String(cleaned.prefix(120))
    }
}
