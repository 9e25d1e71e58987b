@testable import App
@testable import Publication
import EDCDomain
import Fluent
import NIOConcurrencyHelpers
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting
import Whitelist

@Suite("Publication of the signed white list")
struct WhitelistPublicationTests {
    func verifier(_ app: Application) throws -> WhitelistVerifier {
        try WhitelistVerifier(trust: .anchors([try #require(app.edc.signing.testRoot)], intermediates: []), expectedSubject: TestPKI.defaultSignerSubject)
    }

    @Test("an approved integration is on the served list, signed, with ETag, Last-Modified and conditional GET")
    func servedAfterIntegration() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let notYet = try await app.send(.GET, "/liste-blanche.xml")
            #expect(notYet.status == .serviceUnavailable)

            let (drimboxID, identifier) = try await api.integratedProvisionally(as: world.operatorA, pacs: 2)
            let outcome = try await app.edc.publisher.publishPending()
            #expect(outcome.publishedSeq == 1)

            let response = try await app.send(.GET, "/liste-blanche.xml")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType) == "application/xml; charset=utf-8")
            let etag = try #require(response.headers.first(name: .eTag))
            let lastModified = try #require(response.headers.first(name: .lastModified))
            #expect(response.headers.first(name: .cacheControl) == "public, max-age=60")

            let verified = try await verifier(app).verify(Array(response.body.readableBytesView))
            #expect(verified.document.entries.map(\.db) == ["db1.\(identifier).mesimagesmedicales.fr", "db2.\(identifier).mesimagesmedicales.fr"])
            #expect(verified.document.entries.map(\.vi) == ["vi1.\(identifier).mesimagesmedicales.fr", "vi2.\(identifier).mesimagesmedicales.fr"])
            #expect(verified.document.entries.allSatisfy { $0.identifiant == String(identifier) && $0.denomination == "Opérateur A" })
            #expect(verified.document.entries.first?.certificateDN == "CN=db1.\(identifier).mesimagesmedicales.fr,OU=318751275100020,O=Opérateur A,ST=Paris (75),C=FR")

            let byETag = try await app.send(.GET, "/liste-blanche.xml", headers: ["If-None-Match": etag])
            #expect(byETag.status == .notModified)
            #expect(byETag.body.readableBytes == 0)
            let byDate = try await app.send(.GET, "/liste-blanche.xml", headers: ["If-Modified-Since": lastModified])
            #expect(byDate.status == .notModified)
            let stale = try await app.send(.GET, "/liste-blanche.xml", headers: ["If-None-Match": "\"something-else\""])
            #expect(stale.status == .ok)
            _ = drimboxID
        }
    }

    @Test("each registry change gives a new version: history, byte-exact files, diffs, strictly increasing dates")
    func versionsAndDiffs() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (first, firstID) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            try await app.edc.publisher.publishPending()
            let (_, secondID) = try await api.integratedProvisionally(as: world.operatorB, pacs: 1)
            try await app.edc.publisher.publishPending()
            let exclusion = try await app.send(.POST, "/api/v1/drimboxes/\(first)/exclusion", as: world.reviewer, json: #"{"reason": "cgiBreach"}"#)
            #expect(exclusion.status == .ok)
            try await app.edc.publisher.publishPending()
            // Nothing pending, nothing new.
            #expect(try await app.edc.publisher.publishPending().publishedSeq == nil)

            let versions = try await app.send(.GET, "/api/v1/liste-blanche/versions")
            let items = try #require(versions.json["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["version"] as? Int } == [3, 2, 1])
            #expect(items.compactMap { $0["entryCount"] as? Int } == [1, 2, 1])
            let dates = items.compactMap { ($0["generatedAt"] as? String).flatMap(ISO8601DateFormatter().date(from:)) }
            #expect(dates.count == 3 && dates[0] > dates[1] && dates[1] > dates[2])

            let diff = try await app.send(.GET, "/api/v1/liste-blanche/versions/3/diff")
            #expect((diff.json["removed"] as? [[String: Any]])?.compactMap { $0["db"] as? String } == ["db1.\(firstID).mesimagesmedicales.fr"])
            #expect((diff.json["added"] as? [Any])?.isEmpty == true)
            let fromStart = try await app.send(.GET, "/api/v1/liste-blanche/versions/3/diff?from=1")
            #expect((fromStart.json["added"] as? [[String: Any]])?.compactMap { $0["db"] as? String } == ["db1.\(secondID).mesimagesmedicales.fr"])

            // Every stored version is a complete signed file whose hash matches.
            for seq in 1...3 {
                let file = try await app.send(.GET, "/api/v1/liste-blanche/versions/\(seq)/xml")
                let bytes = Array(file.body.readableBytesView)
                let metadata = try await app.send(.GET, "/api/v1/liste-blanche/versions/\(seq)")
                #expect(SHA256.hash(data: bytes).hexString == metadata.json["sha256"] as? String)
                _ = try await verifier(app).verify(bytes)
            }
            let current = try await app.send(.GET, "/liste-blanche.xml")
            let versionThree = try await app.send(.GET, "/api/v1/liste-blanche/versions/3/xml")
            #expect(current.body == versionThree.body)
            #expect(try await AuditEntryModel.query(on: app.db).filter(\.$action == .whitelistPublish).count() == 3)
        }
    }

    @Test("a change that does not affect the list (VA approval) acknowledges the event without a new version")
    func unchangedContent() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            try await app.edc.publisher.publishPending()
            let exclusion = try await app.send(.POST, "/api/v1/drimboxes/\(drimboxID)/exclusion", as: world.reviewer, json: #"{"reason": "operatorRequest"}"#)
            #expect(exclusion.status == .ok)
            // Nudged twice by the same change: the second run finds nothing left to do.
            #expect(try await app.edc.publisher.publishPending().publishedSeq == 2)
            let again = try await app.edc.publisher.publishPending()
            #expect(again == .init(publishedSeq: nil, acknowledged: 0))
            #expect(try await OutboxQueue.pending(.registryChanged, on: app.db).isEmpty)
        }
    }

    @Test("the dedicated listener serves the same list with the same caching rules, and nothing else")
    func dedicatedListener() async throws {
        try await withTestApp({
            $0.whitelist.publishInBackground = false
            $0.enforceDeadlines = false
            $0.whitelist.listen = ("127.0.0.1", 0)
        }) { app in
            // Booted the way `edc serve` boots (async lifecycle handlers start the listener).
            try await app.asyncBoot()
            let world = try await World.make(app)
            _ = try await JourneyAPI(app: app, world: world).integratedProvisionally(as: world.operatorA, pacs: 1)
            let port = try #require(app.edc.whitelistListener?.boundPort)
            let base = "http://127.0.0.1:\(port)"
            let early = try await app.client.get(URI(string: base + "/liste-blanche.xml"))
            #expect(early.status == .serviceUnavailable)

            try await app.edc.publisher.publishPending()
            let full = try await app.client.get(URI(string: base + "/liste-blanche.xml"))
            #expect(full.status == .ok)
            #expect(full.headers.first(name: .contentType) == "application/xml; charset=utf-8")
            let viaVapor = try await app.send(.GET, "/liste-blanche.xml")
            #expect(full.body.map { Array($0.readableBytesView) } == Array(viaVapor.body.readableBytesView))
            let etag = try #require(full.headers.first(name: .eTag))
            #expect(etag == viaVapor.headers.first(name: .eTag))
            _ = try await verifier(app).verify(Array(try #require(full.body).readableBytesView))

            let conditional = try await app.client.get(URI(string: base + "/liste-blanche.xml"), headers: ["If-None-Match": etag])
            #expect(conditional.status == .notModified)
            #expect(conditional.body == nil || conditional.body?.readableBytes == 0)
            let byDate = try await app.client.get(URI(string: base + "/liste-blanche.xml"), headers: ["If-Modified-Since": try #require(full.headers.first(name: .lastModified))])
            #expect(byDate.status == .notModified)
            let other = try await app.client.get(URI(string: base + "/api/v1/requests"))
            #expect(other.status == .notFound)
            let post = try await app.client.post(URI(string: base + "/liste-blanche.xml"))
            #expect(post.status == .methodNotAllowed)
        }
    }

    @Test("the signer certificate and the test root are published for DRIMboxes to pin or anchor")
    func certificatesPublished() async throws {
        try await withTestApp({ $0.whitelist.publishInBackground = false }) { app in
            let signer = try await app.send(.GET, "/liste-blanche/signataire.pem")
            #expect(signer.text.hasPrefix("-----BEGIN CERTIFICATE-----"))
            // Signer then intermediate, each block on its own lines, as OpenSSL and nginx expect.
            #expect(signer.text.contains("-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----"))
            #expect(try PEMFiles.certificates(in: signer.text).count == 2)
            let root = try await app.send(.GET, "/liste-blanche/racine-test.pem")
            #expect(root.text.contains("BEGIN CERTIFICATE"))
            #expect(app.edc.signing.identity.certificate.subject.description.contains("TEST"))
        }
    }
}

@Suite("Signing happens outside the writers' lock")
struct PublicationOutsideLockTests {
    @Test("a registry change committed while the list is being signed goes through at once, and the stale signed list is not stored")
    func staleSnapshotIsDropped() async throws {
        try await withJourney({ $0.whitelist.publishInBackground = false }) { app, world, api in
            let (first, firstID) = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            let (_, secondID) = try await api.integratedProvisionally(as: world.operatorB, pacs: 1)
            try await app.edc.publisher.publishPending()

            // Another change for the next publication; while it signs, ANS excludes the first DRIMbox.
            _ = try await app.edc.workflow.correctOperator(
                world.reviewer.principal, operatorID: world.operatorBID,
                change: OperatorDataChange(supportPhone: try FrenchPhoneNumber("04 72 11 22 33")), reason: try FreeText("Nouveau standard"))
            let signings = NIOLockedValueBox(0)
            var publisher = app.edc.publisher
            let workflow = app.edc.workflow
            let reviewer = world.reviewer.principal
            publisher.afterSigning = {
                let count = signings.withLockedValue { $0 += 1; return $0 }
                // A full write transaction while the publisher holds a signed list: with signing
                // inside the write lock this would wait for ever (and the test would hang).
                if count == 1 { _ = try await workflow.exclude(reviewer, drimboxID: UUID(uuidString: first)!, reason: .certificateExpiredOrRevoked, detail: nil) }
            }
            let outcome = try await publisher.publishPending()
            #expect(signings.withLockedValue { $0 } == 2, "the stale signed list is dropped and the list signed again")
            let seq = try #require(outcome.publishedSeq)
            let version = try #require(try await WhitelistVersionModel.query(on: app.db).filter(\.$seq == seq).first())
            let entries = try JSONText.decode([WhitelistEntry].self, from: version.entries)
            #expect(entries.map(\.identifiant) == [String(secondID)], "the stored version includes the exclusion made while signing")
            #expect(entries.first?.supportContact?.contains("04 72 11 22 33") == true)
            #expect(try await OutboxQueue.pending(.registryChanged, on: app.db).isEmpty)
            #expect(try await WhitelistVersionModel.query(on: app.db).count() == 2, "one version per publication, none for the stale snapshot")
            _ = firstID
        }
    }
}
