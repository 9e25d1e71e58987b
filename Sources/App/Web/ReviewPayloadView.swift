import EDCDomain
import Foundation
import Persistence

/// Everything an operator sent in a request, field by field in French, for the reviewer: one set
/// of sections per kind, the FQDN pairs and certificate DNs side by side with the registry's.
enum ReviewPayloadView {
    typealias Item = WebText.DetailItem

    struct Table: Encodable {
        var id: String
        var caption: String
        var headers: [String]
        var rows: [[String]]
        /// Columns (0-based) shown in a fixed-width font (FQDNs, DNs, SIRENs).
        var monoColumns: [Int]

        struct Cell: Encodable {
            var text: String
            var mono: Bool
        }

        var cells: [[Cell]] { rows.map { row in row.enumerated().map { Cell(text: $0.element, mono: monoColumns.contains($0.offset)) } } }

        enum CodingKeys: String, CodingKey { case id, caption, headers, cells }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(caption, forKey: .caption)
            try container.encode(headers, forKey: .headers)
            try container.encode(cells, forKey: .cells)
        }
    }

    struct Section: Encodable {
        var id: String
        var title: String
        var items: [Item]
        var hasItems: Bool
        var tables: [Table]
        var hasTables: Bool

        init(_ id: String, _ title: String, items: [Item] = [], tables: [Table] = []) {
            self.id = id
            self.title = title
            self.items = items
            self.hasItems = !items.isEmpty
            self.tables = tables
            self.hasTables = !tables.isEmpty
        }
    }

    /// The sections of `payload`. `pairs`: the registry's FQDN pairs of the DRIMbox the request is
    /// about (empty for a declaration); `documents`: the documents it names, visible to ANS.
    static func sections(_ payload: RequestPayload, requestID: UUID, documents: [DocumentModel], pairs: [FQDNPairModel]) -> [Section] {
        let byID = Dictionary(documents.compactMap { document in document.id.map { ($0, document) } }, uniquingKeysWith: { first, _ in first })
        let pairsByDB = Dictionary(pairs.map { ($0.dbFQDN, $0) }, uniquingKeysWith: { first, _ in first })
        func document(_ label: String, _ id: UUID?) -> Item {
            guard let id else { return Item(label, "Aucun document joint") }
            guard let document = byID[id] else { return Item(label, "Document introuvable") }
            return Item(label, "Télécharger « \(document.filename) » (\(ReviewText.size(document.size)), déposé le \(WebDates.dateTime(document.createdAt)))",
                        href: "/ans/demandes/\(requestID)/documents/\(id)")
        }
        func comment(_ text: FreeText?, label: String = "Commentaire de l’opérateur") -> [Item] {
            guard let text, !text.isEmpty else { return [] }
            return [Item(label, lines: text.value.components(separatedBy: .newlines))]
        }
        func pacsTable(_ id: String, _ list: [PACSHostnames], caption: String, first: Int = 1) -> Table {
            Table(id: id, caption: caption, headers: ["PACS", "Nom d’hôte du serveur source (DRIMbox)", "Nom d’hôte du serveur de la visionneuse"],
                  rows: list.enumerated().map { ["PACS \($0.offset + first)", $0.element.sourceHostname.value, $0.element.viewerHostname.value] }, monoColumns: [1, 2])
        }
        /// One row per FQDN pair named: its `vi` from the registry, the DN proposed and the DN in force.
        func dnTable(_ id: String, _ assignments: [CertificateDNAssignment], caption: String) -> Table {
            Table(id: id, caption: caption, headers: ["PACS", "FQDN db", "FQDN vi", "DN du certificat demandé", "DN enregistré aujourd’hui"],
                  rows: assignments.map { assignment in
                      let pair = pairsByDB[assignment.dbFQDN.value]
                      return [pair.map { "PACS \($0.pacsIndex)" } ?? "FQDN inconnu", assignment.dbFQDN.value, pair?.viewerFQDN ?? "—",
                              assignment.dn.value, pair?.certificateDN ?? "aucun"]
                  }, monoColumns: [1, 2, 3, 4])
        }

        switch payload {
        case .declaration(let declaration):
            return [
                Section("clients-pacs", "Clients et PACS déclarés", items: [
                    Item("SIREN des clients (\(declaration.clients.count))", lines: declaration.clients.map(\.value), mono: true),
                    Item("Nombre de PACS", String(declaration.pacs.count)),
                ] + comment(declaration.comment), tables: [pacsTable("pacs-declares", declaration.pacs, caption: "Noms d’hôtes de l’opérateur pour chaque PACS (un couple de FQDN sera attribué à chacun)")]),
                Section("documents", "Documents", items: [document("Conditions générales d’intégration signées", declaration.cgiDocumentID)]),
            ]
        case .integration(let integration):
            return [
                Section("operateur-support", "Opérateur et support (liste blanche)", items: [
                    Item("Dénomination de l’opérateur", integration.operatorName.value),
                    Item("Téléphone du support", integration.supportPhone.national),
                    Item("Adresse électronique du support", integration.supportEmail.value),
                ]),
                Section("certificats", "Certificats IGC-Santé", tables: [dnTable("dn-par-fqdn", integration.certificates, caption: "DN du certificat pour chaque couple de FQDN")]),
            ]
        case .vaDocument(let va):
            return [Section("document-va", "Document de vérification d’aptitude", items: [document("Document de VA signé", va.vaDocumentID)] + comment(va.comment))]
        case .reintegration(let reintegration):
            var sections = [Section("reintegration", "Réintégration", items: [
                Item("Motif de l’exclusion et mesures prises (déclaration de l’opérateur)", lines: reintegration.statement.value.components(separatedBy: .newlines)),
                document("Nouvelles conditions générales d’intégration signées", reintegration.cgiDocumentID),
            ])]
            if let certificates = reintegration.certificates, !certificates.isEmpty {
                sections.append(Section("certificats", "Nouveaux certificats", tables: [dnTable("dn-par-fqdn", certificates, caption: "Nouveaux DN de certificat pour chaque couple de FQDN")]))
            }
            return sections
        case .modification(let modification):
            var items: [Item] = []
            if let phone = modification.supportPhone { items.append(Item("Nouveau téléphone du support", phone.national)) }
            if let email = modification.supportEmail { items.append(Item("Nouvelle adresse électronique du support", email.value)) }
            if let contact = modification.responsibleContact { items.append(Item("Nouveau responsable", contact.value)) }
            var tables: [Table] = []
            if let changes = modification.hostnameChanges, !changes.isEmpty {
                tables.append(Table(id: "noms-hotes", caption: "Noms d’hôtes modifiés", headers: ["FQDN db", "Serveur source (DRIMbox)", "Serveur de la visionneuse"],
                                    rows: changes.map { [$0.dbFQDN.value, $0.sourceHostname?.value ?? "inchangé", $0.viewerHostname?.value ?? "inchangé"] }, monoColumns: [0, 1, 2]))
            }
            if let added = modification.addPACS, !added.isEmpty {
                tables.append(pacsTable("pacs-ajoutes", added, caption: "PACS ajoutés (un nouveau couple de FQDN chacun)", first: pairs.count + 1))
            }
            if let certificates = modification.certificates, !certificates.isEmpty {
                tables.append(dnTable("dn-par-fqdn", certificates, caption: "DN de certificat remplacés"))
            }
            return [Section("modifications", "Modifications demandées", items: items, tables: tables)]
        case .withdrawal(let withdrawal):
            return [Section("retrait", "Retrait", items: [Item("Motif du retrait", lines: withdrawal.reason.value.components(separatedBy: .newlines))])]
        case .operatorChange(let change):
            return [Section("changement-operateur", "Changement d’opérateur", items: [Item("SIREN de l’opérateur repreneur", change.targetOperatorSIREN.value, mono: true)])]
        }
    }
}
