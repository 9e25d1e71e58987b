import Crypto
import Documents
import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Turns an issued attestation into its PDF, once: the consumer of `attestation.issued` events,
/// and what serves the PDF. The PDF is rendered from the facts recorded at approval, sealed in
/// the vault (bound to the attestation and its operator) and never rendered again — a template
/// change later cannot alter an issued attestation.
public struct AttestationIssuer: Sendable {
    let store: Store
    let vault: DocumentVault
    /// `https://edc.example.fr` (no trailing slash): the verification URL is `<base>/attestations/<code>`.
    let publicBaseURL: String

    public init(store: Store, vault: DocumentVault, publicBaseURL: String) {
        self.store = store
        self.vault = vault
        self.publicBaseURL = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
    }

    public func verificationURL(_ code: String) -> String { "\(publicBaseURL)/attestations/\(code)" }

    /// For `OutboxWorker`.
    public func deliver(_ event: OutboxEventModel) async throws {
        guard case .attestationIssued(let issued) = try? OutboxEvent(event) else {
            throw OutboxDeliveryFailure("unreadable attestation.issued payload", permanent: true)
        }
        guard let attestation = try await AttestationModel.find(issued.attestationID, on: store.database) else {
            throw OutboxDeliveryFailure("attestation \(issued.attestationID) not found", permanent: true)
        }
        _ = try await pdf(of: attestation)
    }

    /// The issued PDF (rendered and stored on first use).
    public func pdf(of attestation: AttestationModel) async throws -> [UInt8] {
        let id = try attestation.requireID()
        if let sealed = attestation.pdfSealed {
            return Array(try vault.open(sealed, wrappedKey: attestation.pdfWrappedKey, keyID: attestation.pdfKeyID, id: id, operatorID: attestation.operatorID))
        }
        let bytes = try AttestationPDF.render(try facts(of: attestation))
        let sealed = try vault.seal(bytes, documentID: id, operatorID: attestation.operatorID)
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let stored = try await store.write { context -> Bool in
            // Issued once: a concurrent render that stored first wins, this one is dropped.
            guard let row = try await AttestationModel.find(id, on: context.database), row.pdfSealed == nil else { return false }
            (row.pdfSealed, row.pdfWrappedKey, row.pdfKeyID, row.pdfSHA256) = (sealed.content, sealed.wrappedKey, sealed.keyID, sha)
            try await row.save(on: context.database)
            try await context.audit(AuditActor(userID: nil, role: .system), action: .attestationRender, entity: .attestation, entityID: row.number, data: ["sha256": sha, "size": String(bytes.count)])
            return true
        }
        if stored { return bytes }
        guard let row = try await AttestationModel.find(id, on: store.database), let winner = row.pdfSealed else { throw OutboxDeliveryFailure("attestation PDF vanished", permanent: false) }
        return Array(try vault.open(winner, wrappedKey: row.pdfWrappedKey, keyID: row.pdfKeyID, id: id, operatorID: row.operatorID))
    }

    public func facts(of attestation: AttestationModel) throws -> AttestationFacts {
        let content = try JSONText.decode(AttestationContent.self, from: attestation.content)
        guard let code = attestation.verificationCode else { throw OutboxDeliveryFailure("attestation \(attestation.number) has no verification code", permanent: true) }
        return AttestationFacts(
            operatorName: content.operatorName, operatorSIREN: content.operatorSIREN, clientSIRENs: content.clients,
            requestNumber: content.requestNumber, drimboxIdentifier: content.drimboxIdentifier,
            pairs: content.fqdnPairs.sorted { $0.pacsIndex < $1.pacsIndex }.map { .init(db: $0.db, vi: $0.viewer) },
            issuedAt: Date(timeIntervalSince1970: attestation.issuedAt.timeIntervalSince1970.rounded(.down)),
            verificationCode: code, verificationURL: verificationURL(code))
    }

    /// The latest attestation of a request, for `principal` (`RequestQueries.find` decides who may see it).
    public func attestation(ofRequest requestID: UUID, for principal: Principal) async throws -> AttestationModel {
        let request = try await RequestQueries(database: store.database).find(requestID, for: principal)
        guard let attestation = try await AttestationModel.query(on: store.database).filter(\.$requestID == request.requireID())
            .sort(\.$issuedAt, .descending).first() else {
            throw NotFoundError(entity: "attestation", id: requestID.uuidString)
        }
        return attestation
    }

    /// The attestation a public code names, or nil (unknown, malformed or altered code).
    public func attestation(code: String) async throws -> AttestationModel? {
        guard let normalized = AttestationCode.normalized(code) else { return nil }
        return try await AttestationModel.query(on: store.database).filter(\.$verificationCode == normalized).first()
    }
}
