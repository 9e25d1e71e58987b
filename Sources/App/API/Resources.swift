import EDCDomain
import Foundation
import Persistence
import Vapor

/// JSON shapes the API returns. Dates are ISO-8601 UTC.

struct RequestResource: Content {
    var id: UUID
    var number: Int
    var kind: RequestKind
    var state: RequestState
    var operatorID: UUID
    var drimboxID: UUID?
    var counterpartOperatorID: UUID?
    var payload: JSONValue
    var version: Int
    var lastReason: String?
    var submittedAt: Date?
    var consentedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    init(_ model: RequestModel) throws {
        id = try model.requireID()
        number = model.number
        kind = model.kind
        state = model.state
        operatorID = model.operatorID
        drimboxID = model.drimboxID
        counterpartOperatorID = model.counterpartOperatorID
        payload = JSONValue.parse(model.payload)
        version = model.version
        lastReason = model.lastReason
        submittedAt = model.submittedAt
        consentedAt = model.consentedAt
        createdAt = model.createdAt
        updatedAt = model.updatedAt
    }
}

struct PageResource<Item: Content>: Content {
    var items: [Item]
    var nextCursor: String?
}

/// One step of a request's or a DRIMbox's history, as the API shows it.
struct TransitionResource: Content {
    var action: String
    var from: String?
    var to: String
    var actorID: UUID?
    var actorRole: Role
    var at: Date
    var reason: String?

    init(_ row: RequestTransitionModel) {
        self.init(action: row.action.rawValue, from: row.fromState.rawValue, to: row.toState.rawValue, actorID: row.actorID, actorRole: row.actorRole, at: row.at, reason: row.reason)
    }

    init(_ row: DRIMboxTransitionModel) {
        self.init(action: row.event.rawValue, from: row.fromState?.rawValue, to: row.toState.rawValue, actorID: row.actorID, actorRole: row.actorRole, at: row.at, reason: row.reason)
    }

    init(action: String, from: String?, to: String, actorID: UUID?, actorRole: Role, at: Date, reason: String?) {
        (self.action, self.from, self.to, self.actorID, self.actorRole, self.at, self.reason) = (action, from, to, actorID, actorRole, at, reason)
    }
}

struct FQDNPairResource: Content {
    var pacsIndex: Int
    var db: String
    var viewer: String
    var sourceHostname: String
    var viewerHostname: String
    var certificateDN: String?
    var updatedAt: Date

    init(_ model: FQDNPairModel) {
        pacsIndex = model.pacsIndex
        db = model.dbFQDN
        viewer = model.viewerFQDN
        sourceHostname = model.sourceHostname
        viewerHostname = model.viewerHostname
        certificateDN = model.certificateDN
        updatedAt = model.updatedAt
    }
}

struct AttestationResource: Content {
    var id: UUID
    var number: String
    var requestID: UUID
    var issuedAt: Date
    var content: JSONValue

    init(_ model: AttestationModel) throws {
        id = try model.requireID()
        number = model.number
        requestID = model.requestID
        issuedAt = model.issuedAt
        content = JSONValue.parse(model.content)
    }
}

struct DRIMboxResource: Content {
    var id: UUID
    var identifier: Int
    var operatorID: UUID
    var state: DRIMboxState
    var vaDueAt: Date?
    var exclusionReason: ExclusionReason?
    var exclusionDetail: String?
    var excludedAt: Date?
    var clients: [String]
    var version: Int
    var updatedAt: Date
    var fqdnPairs: [FQDNPairResource]?
    var history: [TransitionResource]?
    var attestations: [AttestationResource]?

    init(_ model: DRIMboxModel) throws {
        id = try model.requireID()
        identifier = model.identifier
        operatorID = model.operatorID
        state = model.state
        vaDueAt = model.vaDueAt
        exclusionReason = model.exclusionReason
        exclusionDetail = model.exclusionDetail
        excludedAt = model.excludedAt
        clients = (try? JSONText.decode([String].self, from: model.clients)) ?? []
        version = model.version
        updatedAt = model.updatedAt
    }
}

struct DocumentResource: Content {
    var id: UUID
    var kind: DocumentKind
    var filename: String
    var mediaType: String
    var size: Int
    var sha256: String
    var createdAt: Date

    init(_ model: DocumentModel) throws {
        id = try model.requireID()
        kind = model.kind
        filename = model.filename
        mediaType = model.mediaType
        size = model.size
        sha256 = model.sha256
        createdAt = model.createdAt
    }
}

struct UserResource: Content {
    var id: UUID
    var email: String
    var displayName: String
    var role: Role
    var operatorID: UUID?
    var disabledAt: Date?

    init(_ model: UserModel) throws {
        id = try model.requireID()
        email = model.email
        displayName = model.displayName
        role = model.role
        operatorID = model.operatorID
        disabledAt = model.disabledAt
    }
}

struct OperatorResource: Content {
    var id: UUID
    var legalName: String
    var siren: String
    var supportPhone: String
    var supportEmail: String
    var responsibleContact: String?

    init(_ model: OperatorModel) throws {
        id = try model.requireID()
        legalName = model.legalName
        siren = model.siren
        supportPhone = model.supportPhone
        supportEmail = model.supportEmail
        responsibleContact = model.responsibleContact
    }
}

extension Request {
    /// The query parameters as `T`; a malformed query string or a value of the wrong type is a
    /// 422 with the field, like a malformed body.
    func decodedQuery<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try query.decode(T.self)
        } catch let error as DecodingError {
            throw ValidationErrors([JSONInput.validationError(from: error)])
        } catch let error as any AbortError where error.status == .badRequest {
            throw ValidationErrors([ValidationError(code: "query.invalid", userMessage: "Les paramètres de l'adresse sont mal formés.", technicalDetail: error.reason)])
        }
    }
}

/// Query parameters shared by lists.
struct ListQuery: Content {
    var cursor: String?
    var limit: Int?
    var state: String?
    var kind: String?

    func validatedLimit() throws -> Int {
        let limit = self.limit ?? 50
        guard (1...Page<RequestModel>.maximumLimit).contains(limit) else {
            throw ValidationErrors([ValidationError(code: "query.limit", field: "limit", userMessage: "La taille de page doit être comprise entre 1 et \(Page<RequestModel>.maximumLimit).", technicalDetail: "limit \(limit) out of range")])
        }
        return limit
    }

    func intCursor() throws -> Int? {
        guard let cursor else { return nil }
        guard let value = Int(cursor), value >= 0 else {
            throw ValidationErrors([ValidationError(code: "query.cursor", field: "cursor", userMessage: "Curseur de pagination invalide.", technicalDetail: "bad cursor \(cursor.debugDescription.prefix(100))")])
        }
        return value
    }

    func parsed<T: RawRepresentable>(_ type: T.Type, _ value: String?, field: String) throws -> T? where T.RawValue == String {
        guard let value else { return nil }
        guard let parsed = T(rawValue: value) else {
            throw ValidationErrors([ValidationError(code: "query.\(field)", field: field, userMessage: "Valeur de filtre inconnue.", technicalDetail: "unknown \(field) '\(value)'")])
        }
        return parsed
    }
}
