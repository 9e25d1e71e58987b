import EDCDomain
import Foundation
import Persistence
import Publication
import Vapor
import Whitelist

/// The white list's history `/ans/liste-blanche` and one version with what changed since the
/// previous one `/ans/liste-blanche/{version}`.
enum ReviewWhitelistPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("liste-blanche", use: versions)
        routes.get("liste-blanche", ":version", use: version)
    }

    struct VersionsContent: Encodable {
        struct Row: Encodable {
            var version: Int
            var href: String
            var generatedAt: String
            var signingTime: String
            var entries: Int
            var signer: String
            var size: String
            var xmlHref: String
        }

        var rows: [Row]
        var hasRows: Bool
        var caption: String
        var pagination: Pagination?
    }

    /// `GET /ans/liste-blanche`: the published versions, newest first, 50 per page.
    static func versions(_ req: Request) async throws -> Response {
        let cursor = req.cursorValue("avant")
        let page = try await WhitelistVersions(database: req.db).summaries(before: cursor, limit: ReviewPages.pageSize)
        let rows = page.items.map { model in
            VersionsContent.Row(
                version: model.seq, href: "/ans/liste-blanche/\(model.seq)", generatedAt: WebDates.dateTime(model.generatedAt),
                signingTime: WebDates.dateTime(model.signingTime), entries: model.entryCount, signer: model.signerSubject,
                size: ReviewText.size(model.size), xmlHref: "/api/v1/liste-blanche/versions/\(model.seq)/xml")
        }
        return try await req.page("ans/liste-blanche", title: "Liste blanche — versions publiées", heading: "Liste blanche", content: VersionsContent(
            rows: rows, hasRows: !rows.isEmpty, caption: "Versions publiées de la liste blanche signée, les plus récentes d’abord" + (cursor == nil ? "" : " (suite)"),
            pagination: Pagination.make(label: "Pages des versions", path: "/ans/liste-blanche", query: [], cursorName: "avant", current: cursor.map(String.init), next: page.nextCursor)),
            breadcrumbs: req.ansCrumbs(("Liste blanche", nil)))
    }

    struct VersionContent: Encodable {
        struct EntryRow: Encodable {
            var identifier: String
            var drimboxHref: String
            var db: String
            var viewer: String
            var denomination: String
            var dn: String
        }

        struct ChangeRow: Encodable {
            var identifier: String
            var drimboxHref: String
            var db: String
            var field: String
            var old: String
            var new: String
        }

        var version: Int
        var summary: [ReviewRequestPage.Content.Summary]
        var comparedTo: String
        var previousHref: String?
        var nextHref: String?
        var addedCount: Int
        var removedCount: Int
        var changedCount: Int
        var added: [EntryRow]
        var removed: [EntryRow]
        var changed: [ChangeRow]
        var hasAdded: Bool
        var hasRemoved: Bool
        var hasChanged: Bool
        var unchanged: Bool
        var pageNote: String?
        var pagination: Pagination?
    }

    /// `GET /ans/liste-blanche/{version}[?page=N]`: the version and its entries added, removed
    /// and changed since the previous version, 50 rows per page (a first version adds all).
    static func version(_ req: Request) async throws -> Response {
        guard let seq = req.parameters.get("version").flatMap({ Int($0) }), seq > 0 else { throw NotFoundError(entity: "whitelist version", id: req.parameters.get("version") ?? "") }
        let versions = WhitelistVersions(database: req.db)
        let model = try await versions.version(seq)
        let (from, _, diff) = try await versions.diff(to: seq, from: nil)
        let newer = try await versions.summaries(before: nil, limit: 1).items.first.map { $0.seq > seq } ?? false

        // One list of rows (added, then removed, then changed field by field), paged by 50.
        enum Row { case added(WhitelistEntry), removed(WhitelistEntry), changed(WhitelistEntry, String, String, String) }
        var all: [Row] = diff.added.map(Row.added) + diff.removed.map(Row.removed)
        for change in diff.changed {
            for (field, old, new) in fieldChanges(change.old, change.new) { all.append(.changed(change.new, field, old, new)) }
        }
        let pageSize = ReviewPages.pageSize
        let pageCount = max(1, (all.count + pageSize - 1) / pageSize)
        let pageNumber = min(max(1, req.filterValue("page").flatMap { Int($0) } ?? 1), pageCount)
        let shown = all.dropFirst((pageNumber - 1) * pageSize).prefix(pageSize)
        func entryRow(_ entry: WhitelistEntry) -> VersionContent.EntryRow {
            VersionContent.EntryRow(identifier: entry.identifiant, drimboxHref: ReviewLinks.url("/ans/drimbox", [("identifiant", entry.identifiant)]),
                                    db: entry.db, viewer: entry.vi ?? "—", denomination: entry.denomination, dn: entry.certificateDN)
        }
        var added: [VersionContent.EntryRow] = [], removed: [VersionContent.EntryRow] = [], changed: [VersionContent.ChangeRow] = []
        for row in shown {
            switch row {
            case .added(let entry): added.append(entryRow(entry))
            case .removed(let entry): removed.append(entryRow(entry))
            case .changed(let entry, let field, let old, let new):
                changed.append(VersionContent.ChangeRow(identifier: entry.identifiant, drimboxHref: ReviewLinks.url("/ans/drimbox", [("identifiant", entry.identifiant)]),
                                                        db: entry.db, field: field, old: old, new: new))
            }
        }
        let path = "/ans/liste-blanche/\(seq)"
        let title = "Liste blanche — version n° \(seq)"
        return try await req.page("ans/liste-blanche-version", title: title, content: VersionContent(
            version: seq,
            summary: [
                .init(label: "Générée le", text: WebDates.dateTime(model.generatedAt)),
                .init(label: "Signée le", text: WebDates.dateTime(model.signingTime)),
                .init(label: "Entrées", text: String(model.entryCount)),
                .init(label: "Signataire", text: model.signerSubject),
                .init(label: "Empreinte SHA-256", text: model.sha256),
                .init(label: "Fichier signé", text: "Télécharger la version n° \(seq) (XML, \(ReviewText.size(model.size)))", href: "/api/v1/liste-blanche/versions/\(seq)/xml"),
            ],
            comparedTo: from == 0 ? "Première version publiée : toutes ses entrées sont nouvelles." : "Changements par rapport à la version n° \(from).",
            previousHref: from == 0 ? nil : "/ans/liste-blanche/\(from)", nextHref: newer ? "/ans/liste-blanche/\(seq + 1)" : nil,
            addedCount: diff.added.count, removedCount: diff.removed.count, changedCount: diff.changed.count,
            added: added, removed: removed, changed: changed, hasAdded: !added.isEmpty, hasRemoved: !removed.isEmpty, hasChanged: !changed.isEmpty,
            unchanged: diff.isEmpty,
            pageNote: pageCount > 1 ? "Changements, page \(pageNumber) sur \(pageCount) (\(all.count) lignes)." : nil,
            pagination: pageCount > 1 ? Pagination(label: "Pages des changements",
                                                   firstHref: pageNumber > 1 ? path : nil,
                                                   nextHref: pageNumber < pageCount ? path + "?page=\(pageNumber + 1)" : nil) : nil),
            breadcrumbs: [Layout.Crumb(label: "File d’instruction", href: "/ans"), Layout.Crumb(label: "Liste blanche", href: "/ans/liste-blanche"),
                          Layout.Crumb(label: "Version n° \(seq)", href: nil)])
    }

    /// The fields of an entry that differ between two versions, named as the list names them.
    static func fieldChanges(_ old: WhitelistEntry, _ new: WhitelistEntry) -> [(String, String, String)] {
        var changes: [(String, String, String)] = []
        func compare(_ label: String, _ a: String?, _ b: String?) { if a != b { changes.append((label, a ?? "—", b ?? "—")) } }
        compare("Identifiant", old.identifiant, new.identifiant)
        compare("vi", old.vi, new.vi)
        compare("Dénomination", old.denomination, new.denomination)
        compare("DN du certificat", old.certificateDN, new.certificateDN)
        compare("Responsable", old.responsableContact, new.responsableContact)
        compare("Support", old.supportContact, new.supportContact)
        compare("Date de mise à jour", old.updatedAt.map { DateText.paris($0, "d MMMM yyyy HH:mm:ss") }, new.updatedAt.map { DateText.paris($0, "d MMMM yyyy HH:mm:ss") })
        return changes
    }
}
