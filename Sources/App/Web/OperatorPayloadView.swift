import EDCDomain
import Foundation
import Persistence

/// Everything a request sent, as sections of the request page (one shape per kind).
enum OperatorPayloadView {
    typealias Section = OperatorPages.DetailSection
    typealias Item = OperatorPages.DetailItem
    typealias Table = OperatorPages.DetailTable

    static func sections(_ payload: RequestPayload, documents: [DocumentModel], pairs: [FQDNPairModel]) -> [Section] {
        let byID = Dictionary(uniqueKeysWithValues: documents.compactMap { document in document.id.map { ($0, document) } })
        func document(_ label: String, _ id: UUID?) -> Item {
            guard let id else { return Item(label, "Aucun document joint") }
            guard let document = byID[id] else { return Item(label, "Document indisponible") }
            return Item(label, "\(document.filename) (\(OperatorText.format(document.mediaType)), \(OperatorText.size(document.size)), déposé le \(WebDates.dateTime(document.createdAt)))",
                        href: "/espace/documents/\(id)")
        }
        func comment(_ text: FreeText?) -> [Item] {
            guard let text, !text.isEmpty else { return [] }
            return [Item("Commentaire", lines: text.value.components(separatedBy: .newlines))]
        }
        func dnTable(_ assignments: [CertificateDNAssignment], caption: String) -> Table {
            Table(caption: caption, headers: ["FQDN db", "DN du certificat"], rows: assignments.map { [$0.dbFQDN.value, $0.dn.value] }, mono: true)
        }
        func pacs(_ list: [PACSHostnames], caption: String, first: Int = 1) -> Table {
            Table(caption: caption, headers: ["PACS", "Serveur source de la DRIMbox", "Serveur de la visionneuse"],
                  rows: list.enumerated().map { ["PACS \($0.offset + first)", $0.element.sourceHostname.value, $0.element.viewerHostname.value] }, mono: false)
        }

        switch payload {
        case .declaration(let declaration):
            return [
                Section("Clients et PACS", items: [
                    Item("SIREN des clients", lines: declaration.clients.map(\.value), mono: true),
                    Item("Nombre de PACS", String(declaration.pacs.count)),
                ] + comment(declaration.comment), tables: [pacs(declaration.pacs, caption: "Noms d’hôtes des serveurs de chaque PACS")]),
                Section("Documents", items: [document("Conditions générales d’intégration signées", declaration.cgiDocumentID)]),
            ]
        case .integration(let integration):
            return [
                Section("Opérateur et support", items: [
                    Item("Nom de l’opérateur (liste blanche)", integration.operatorName.value),
                    Item("Téléphone du support", integration.supportPhone.national),
                    Item("Adresse électronique du support", integration.supportEmail.value),
                ]),
                Section("Certificats IGC-Santé", tables: [dnTable(integration.certificates, caption: "DN du certificat de chaque couple de FQDN")]),
            ]
        case .vaDocument(let va):
            return [Section("Document de vérification d’aptitude", items: [document("Document de VA signé", va.vaDocumentID)] + comment(va.comment))]
        case .reintegration(let reintegration):
            var sections = [Section("Réintégration", items: [
                Item("Motif de l’exclusion et mesures prises", lines: reintegration.statement.value.components(separatedBy: .newlines)),
                document("Nouvelles conditions générales d’intégration signées", reintegration.cgiDocumentID),
            ])]
            if let certificates = reintegration.certificates, !certificates.isEmpty {
                sections.append(Section("Nouveaux certificats", tables: [dnTable(certificates, caption: "Nouveaux DN de certificats")]))
            }
            return sections
        case .modification(let modification):
            var items: [Item] = []
            if let phone = modification.supportPhone { items.append(Item("Nouveau téléphone du support", phone.national)) }
            if let email = modification.supportEmail { items.append(Item("Nouvelle adresse électronique du support", email.value)) }
            if let contact = modification.responsibleContact { items.append(Item("Nouveau responsable", contact.value)) }
            var tables: [Table] = []
            if let changes = modification.hostnameChanges, !changes.isEmpty {
                tables.append(Table(caption: "Noms d’hôtes modifiés", headers: ["FQDN db", "Serveur source de la DRIMbox", "Serveur de la visionneuse"],
                                    rows: changes.map { [$0.dbFQDN.value, $0.sourceHostname?.value ?? "inchangé", $0.viewerHostname?.value ?? "inchangé"] }, mono: false))
            }
            if let added = modification.addPACS, !added.isEmpty {
                tables.append(pacs(added, caption: "PACS ajoutés (un nouveau couple de FQDN chacun)", first: pairs.count + 1))
            }
            if let certificates = modification.certificates, !certificates.isEmpty {
                tables.append(dnTable(certificates, caption: "DN des certificats remplacés"))
            }
            return [Section("Modifications demandées", items: items, tables: tables)]
        case .withdrawal(let withdrawal):
            return [Section("Retrait", items: [Item("Motif du retrait", lines: withdrawal.reason.value.components(separatedBy: .newlines))])]
        case .operatorChange(let change):
            return [Section("Changement d’opérateur", items: [Item("SIREN de l’opérateur repreneur", change.targetOperatorSIREN.value)])]
        }
    }
}
