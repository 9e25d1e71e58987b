import EDCDomain
import FluentKit
import Foundation

extension ApprovalEffects {
    /// A new DRIMbox: registry identifier, one FQDN pair per PACS, and the attestation of delegation.
    func declare(request: RequestModel, declaration: DeclarationPayload) async throws {
        let identifier = (try await DRIMboxModel.query(on: database).max(\.$identifier) ?? 0) + 1
        let drimbox = DRIMboxModel(
            id: UUID(), identifier: identifier, operatorID: request.operatorID, state: .declared,
            clients: try JSONText.encode(declaration.clients.map(\.value)), updatedAt: context.now)
        try await drimbox.create(on: database)
        var assigned: [FQDNPair] = []
        for (offset, hostnames) in declaration.pacs.enumerated() {
            let pair = try configuration.namingPattern.pair(drimbox: identifier, pacs: offset + 1)
            try await reserve(pair, hostnames: hostnames, drimbox: drimbox)
            assigned.append(pair)
        }
        request.drimboxID = drimbox.id
        try await registry.record(drimbox, event: .declaration, from: nil, to: .declared, requestID: request.id, reason: nil)
        try await context.audit(principal.auditActor, action: .drimboxDeclare, entity: .drimbox, entityID: String(identifier), data: [
            "fqdns": assigned.map { "\($0.db.value)|\($0.viewer.value)" }.joined(separator: ","),
        ])

        try await issueAttestation(for: drimbox, request: request, clients: declaration.clients.map(\.value))
    }

    /// An attestation of delegation for the DRIMbox as it now stands (all its FQDN pairs):
    /// at the declaration's approval, and again whenever its pairs change (`ATT-<identifier>`,
    /// then `ATT-<identifier>-2`, …; the most recent one holds). Its PDF is rendered by the
    /// `attestation.issued` consumer.
    func issueAttestation(for drimbox: DRIMboxModel, request: RequestModel, clients: [String]) async throws {
        let owner = try await OperatorModel.find(drimbox.operatorID, on: database)
        let pairs = try await RegistryQueries(database: database).pairs(of: drimbox)
        let earlier = try await AttestationModel.query(on: database).filter(\.$drimboxID == drimbox.requireID()).count()
        let attestation = AttestationModel()
        attestation.id = UUID()
        attestation.number = String(format: "ATT-%06d", drimbox.identifier) + (earlier == 0 ? "" : "-\(earlier + 1)")
        attestation.drimboxID = try drimbox.requireID()
        attestation.requestID = try request.requireID()
        attestation.operatorID = drimbox.operatorID
        attestation.issuedAt = context.now
        attestation.verificationCode = AttestationCode.generate()
        attestation.content = try JSONText.encode(AttestationContent(
            operatorName: owner?.legalName ?? "", operatorSIREN: owner?.siren ?? "", requestNumber: request.number,
            drimboxIdentifier: drimbox.identifier, clients: clients,
            fqdnPairs: pairs.sorted { $0.pacsIndex < $1.pacsIndex }.map { .init(pacsIndex: $0.pacsIndex, db: $0.dbFQDN, viewer: $0.viewerFQDN) }))
        try await attestation.create(on: database)
        try await context.audit(principal.auditActor, action: .attestationIssue, entity: .attestation, entityID: attestation.number)
        try await context.enqueue(.attestationIssued(.init(attestationID: try attestation.requireID())))
    }
}

/// What a delegation attestation states; the PDF is rendered from it.
public struct AttestationContent: Codable, Sendable, Hashable {
    public struct Pair: Codable, Sendable, Hashable {
        public var pacsIndex: Int
        public var db: String
        public var viewer: String
    }

    public var operatorName: String
    public var operatorSIREN: String
    public var requestNumber: Int
    public var drimboxIdentifier: Int
    public var clients: [String]
    public var fqdnPairs: [Pair]
}

/// Verification codes of attestations: 100 random bits in Crockford's base 32 (no I, L, O, U),
/// grouped by four: unguessable and not enumerable.
public enum AttestationCode {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }
        return stride(from: 0, to: 20, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The canonical form of a code as typed (case, O for 0, I and L for 1, spaces), or nil.
    public static func normalized(_ text: String) -> String? {
        var characters: [Character] = []
        for character in text.uppercased() where character != "-" && character != " " {
            let mapped: Character = character == "O" ? "0" : (character == "I" || character == "L") ? "1" : character
            guard alphabet.contains(mapped) else { return nil }
            characters.append(mapped)
        }
        guard characters.count == 20 else { return nil }
        return stride(from: 0, to: 20, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
