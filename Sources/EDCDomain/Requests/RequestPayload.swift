import Foundation

/// The content of a request, one shape per kind. Value types validate themselves when decoded;
/// `problems(…)` adds the rules that span several fields.
public enum RequestPayload: Sendable, Hashable {
    case declaration(DeclarationPayload)
    case integration(IntegrationPayload)
    case vaDocument(VADocumentPayload)
    case reintegration(ReintegrationPayload)
    case modification(ModificationPayload)
    case withdrawal(WithdrawalPayload)
    case operatorChange(OperatorChangePayload)

    public var kind: RequestKind {
        switch self {
        case .declaration: .declaration
        case .integration: .integration
        case .vaDocument: .vaDocument
        case .reintegration: .reintegration
        case .modification: .modification
        case .withdrawal: .withdrawal
        case .operatorChange: .operatorChange
        }
    }

    /// Decodes the payload of a request of `kind` from JSON.
    public static func decode(kind: RequestKind, from data: Data, using decoder: JSONDecoder = JSONDecoder()) throws -> RequestPayload {
        switch kind {
        case .declaration: .declaration(try decoder.decode(DeclarationPayload.self, from: data))
        case .integration: .integration(try decoder.decode(IntegrationPayload.self, from: data))
        case .vaDocument: .vaDocument(try decoder.decode(VADocumentPayload.self, from: data))
        case .reintegration: .reintegration(try decoder.decode(ReintegrationPayload.self, from: data))
        case .modification: .modification(try decoder.decode(ModificationPayload.self, from: data))
        case .withdrawal: .withdrawal(try decoder.decode(WithdrawalPayload.self, from: data))
        case .operatorChange: .operatorChange(try decoder.decode(OperatorChangePayload.self, from: data))
        }
    }

    public func encoded(using encoder: JSONEncoder) throws -> Data {
        switch self {
        case .declaration(let payload): try encoder.encode(payload)
        case .integration(let payload): try encoder.encode(payload)
        case .vaDocument(let payload): try encoder.encode(payload)
        case .reintegration(let payload): try encoder.encode(payload)
        case .modification(let payload): try encoder.encode(payload)
        case .withdrawal(let payload): try encoder.encode(payload)
        case .operatorChange(let payload): try encoder.encode(payload)
        }
    }

    /// Rules across fields that decoding alone cannot check. Empty when the payload is acceptable.
    public func problems() -> [ValidationError] {
        switch self {
        case .declaration(let payload): payload.problems()
        case .integration(let payload): payload.problems()
        case .vaDocument: []
        case .reintegration(let payload): payload.problems()
        case .modification(let payload): payload.problems()
        case .withdrawal(let payload): payload.problems()
        case .operatorChange: []
        }
    }

    /// Documents this payload refers to, with the kind each must be.
    public var documentReferences: [(id: UUID, kind: DocumentKind, field: String)] {
        switch self {
        case .declaration(let payload): payload.cgiDocumentID.map { [($0, .cgi, "cgiDocumentID")] } ?? []
        case .vaDocument(let payload): [(payload.vaDocumentID, .vaReport, "vaDocumentID")]
        case .reintegration(let payload): payload.cgiDocumentID.map { [($0, .cgi, "cgiDocumentID")] } ?? []
        default: []
        }
    }
}

/// What a stored document is for.
public enum DocumentKind: String, CaseIterable, Codable, Sendable {
    /// Signed general integration conditions.
    case cgi
    /// Filled and signed acceptance test (VA) document.
    case vaReport
    /// Anything else attached to a request.
    case other
}

/// Hostnames, on the operator's side, of the servers behind one PACS.
public struct PACSHostnames: Sendable, Hashable, Codable {
    public var sourceHostname: Hostname
    public var viewerHostname: Hostname

    public init(sourceHostname: Hostname, viewerHostname: Hostname) {
        self.sourceHostname = sourceHostname
        self.viewerHostname = viewerHostname
    }
}

/// The DN of the IGC-Santé certificate for one assigned `db` FQDN.
public struct CertificateDNAssignment: Sendable, Hashable, Codable {
    public var dbFQDN: FQDN
    public var dn: DistinguishedName

    public init(dbFQDN: FQDN, dn: DistinguishedName) {
        self.dbFQDN = dbFQDN
        self.dn = dn
    }
}

/// Step 1 of a new DRIMbox.
public struct DeclarationPayload: Sendable, Hashable, Codable {
    public static let maximumPACS = 50
    public static let maximumClients = 200

    public var clients: [SIREN]
    public var pacs: [PACSHostnames]
    public var cgiDocumentID: UUID?
    public var comment: FreeText?

    public init(clients: [SIREN], pacs: [PACSHostnames], cgiDocumentID: UUID? = nil, comment: FreeText? = nil) {
        self.clients = clients
        self.pacs = pacs
        self.cgiDocumentID = cgiDocumentID
        self.comment = comment
    }

    func problems() -> [ValidationError] {
        var problems: [ValidationError] = []
        if clients.isEmpty {
            problems.append(ValidationError(
                code: "declaration.clients_empty", field: "clients",
                userMessage: "Indiquez au moins un SIREN client.", technicalDetail: "no client SIREN"))
        }
        if clients.count > Self.maximumClients {
            problems.append(ValidationError(
                code: "declaration.clients_too_many", field: "clients",
                userMessage: "Une déclaration compte au plus \(Self.maximumClients) clients.",
                technicalDetail: "\(clients.count) clients > \(Self.maximumClients)"))
        }
        if Set(clients).count != clients.count {
            problems.append(ValidationError(
                code: "declaration.clients_duplicate", field: "clients",
                userMessage: "Un même SIREN client est indiqué plusieurs fois.", technicalDetail: "duplicate client SIREN"))
        }
        if pacs.isEmpty || pacs.count > Self.maximumPACS {
            problems.append(ValidationError(
                code: "declaration.pacs_count", field: "pacs",
                userMessage: "Le nombre de PACS doit être compris entre 1 et \(Self.maximumPACS).",
                technicalDetail: "pacs count \(pacs.count) outside 1...\(Self.maximumPACS)"))
        }
        return problems
    }
}

/// Step 3: the operator's identity for the white list and one certificate DN per FQDN pair.
public struct IntegrationPayload: Sendable, Hashable, Codable {
    public var operatorName: Name
    public var supportPhone: FrenchPhoneNumber
    public var supportEmail: EmailAddress
    public var certificates: [CertificateDNAssignment]

    public init(operatorName: Name, supportPhone: FrenchPhoneNumber, supportEmail: EmailAddress, certificates: [CertificateDNAssignment]) {
        self.operatorName = operatorName
        self.supportPhone = supportPhone
        self.supportEmail = supportEmail
        self.certificates = certificates
    }

    func problems() -> [ValidationError] {
        var problems: [ValidationError] = []
        if certificates.isEmpty {
            problems.append(ValidationError(
                code: "integration.certificates_empty", field: "certificates",
                userMessage: "Indiquez le DN du certificat de chaque couple de FQDN.", technicalDetail: "no certificate DN"))
        }
        if Set(certificates.map(\.dbFQDN)).count != certificates.count {
            problems.append(ValidationError(
                code: "integration.certificates_duplicate", field: "certificates",
                userMessage: "Un même FQDN est indiqué plusieurs fois.", technicalDetail: "duplicate db FQDN in certificates"))
        }
        return problems
    }
}

/// Step 4: the signed acceptance test document.
public struct VADocumentPayload: Sendable, Hashable, Codable {
    public var vaDocumentID: UUID
    public var comment: FreeText?

    public init(vaDocumentID: UUID, comment: FreeText? = nil) {
        self.vaDocumentID = vaDocumentID
        self.comment = comment
    }
}

/// Situation 2: back on the list after an exclusion.
public struct ReintegrationPayload: Sendable, Hashable, Codable {
    /// The operator's account of the exclusion and of what was done about it.
    public var statement: FreeText
    /// A newly signed CGI document: required when the exclusion was for a cyber-security incident.
    public var cgiDocumentID: UUID?
    /// New certificate DNs, when keys were compromised.
    public var certificates: [CertificateDNAssignment]?

    public init(statement: FreeText, cgiDocumentID: UUID? = nil, certificates: [CertificateDNAssignment]? = nil) {
        self.statement = statement
        self.cgiDocumentID = cgiDocumentID
        self.certificates = certificates
    }

    func problems() -> [ValidationError] {
        var problems: [ValidationError] = []
        if statement.isEmpty {
            problems.append(ValidationError(
                code: "reintegration.statement_empty", field: "statement",
                userMessage: "Décrivez le motif de l'exclusion et les mesures prises.", technicalDetail: "empty statement"))
        }
        return problems
    }
}

/// Situation 3: contacts, hostnames, a new PACS, a renewed certificate.
public struct ModificationPayload: Sendable, Hashable, Codable {
    public struct HostnameChange: Sendable, Hashable, Codable {
        public var dbFQDN: FQDN
        public var sourceHostname: Hostname?
        public var viewerHostname: Hostname?

        public init(dbFQDN: FQDN, sourceHostname: Hostname? = nil, viewerHostname: Hostname? = nil) {
            self.dbFQDN = dbFQDN
            self.sourceHostname = sourceHostname
            self.viewerHostname = viewerHostname
        }
    }

    public var supportPhone: FrenchPhoneNumber?
    public var supportEmail: EmailAddress?
    public var responsibleContact: ContactLine?
    public var hostnameChanges: [HostnameChange]?
    /// New PACS: each gets a new FQDN pair on approval.
    public var addPACS: [PACSHostnames]?
    /// Replaced certificate DNs (renewal).
    public var certificates: [CertificateDNAssignment]?

    public init(
        supportPhone: FrenchPhoneNumber? = nil, supportEmail: EmailAddress? = nil, responsibleContact: ContactLine? = nil,
        hostnameChanges: [HostnameChange]? = nil, addPACS: [PACSHostnames]? = nil, certificates: [CertificateDNAssignment]? = nil
    ) {
        self.supportPhone = supportPhone
        self.supportEmail = supportEmail
        self.responsibleContact = responsibleContact
        self.hostnameChanges = hostnameChanges
        self.addPACS = addPACS
        self.certificates = certificates
    }

    func problems() -> [ValidationError] {
        let changesSomething = supportPhone != nil || supportEmail != nil || responsibleContact != nil
            || !(hostnameChanges ?? []).isEmpty || !(addPACS ?? []).isEmpty || !(certificates ?? []).isEmpty
        var problems: [ValidationError] = []
        if !changesSomething {
            problems.append(ValidationError(
                code: "modification.empty", userMessage: "La demande de modification ne modifie rien.",
                technicalDetail: "modification payload changes nothing"))
        }
        return problems
    }
}

/// Situation 4: the operator decommissions the DRIMbox.
public struct WithdrawalPayload: Sendable, Hashable, Codable {
    public var reason: FreeText

    public init(reason: FreeText) { self.reason = reason }

    func problems() -> [ValidationError] {
        var problems: [ValidationError] = []
        if reason.isEmpty {
            problems.append(ValidationError(
                code: "withdrawal.reason_empty", field: "reason",
                userMessage: "Indiquez le motif du retrait.", technicalDetail: "empty withdrawal reason"))
        }
        return problems
    }
}

/// Situation 5: the DRIMbox moves to another operator, with both operators' consent.
public struct OperatorChangePayload: Sendable, Hashable, Codable {
    /// SIREN of the operator that takes the DRIMbox over.
    public var targetOperatorSIREN: SIREN

    public init(targetOperatorSIREN: SIREN) { self.targetOperatorSIREN = targetOperatorSIREN }
}
