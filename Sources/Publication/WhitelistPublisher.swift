import Crypto
import EDCDomain
import FluentKit
import Foundation
import Logging
import Persistence
import Whitelist

/// Turns `registry.changed` outbox events into a new signed white list.
///
/// Signing 10,000 entries takes hundreds of milliseconds: it happens outside the writers' lock.
/// 1. A snapshot is read without the lock: pending events first, then the latest version and the
///    registry's trusted entries (every change that a read event reports is already committed, so
///    the entries include it).
/// 2. The list is built and signed, no transaction open.
/// 3. One short write transaction stores the complete signed file as the next version and
///    acknowledges the snapshot's events — unless the snapshot went stale meanwhile (another
///    version stored, or a registry change committed that the snapshot may have missed): then the
///    work is dropped and done again from a new snapshot.
/// A crash at any point leaves either the previous version or the new complete one, never a
/// partial or unsigned file.
public struct WhitelistPublisher: Sendable {
    /// Where the publisher reports what monitoring must see (the app wires them to its metrics).
    public struct Observer: Sendable {
        public var omittedEntries: @Sendable (Int) -> Void = { _ in }
        public var publicationFailed: @Sendable () -> Void = {}
        public init() {}
    }

    let store: Store
    let signer: WhitelistSigner
    let signerSubject: String
    let current: CurrentWhitelist
    public let logger: Logger
    public var observer = Observer()
    /// Snapshots tried before giving up until the next wake-up (each stale one is dropped).
    var attempts = 3
    /// Runs between signing and storing, with no lock held (tests change the registry here).
    var afterSigning: @Sendable () async throws -> Void = {}
    /// The DRIMboxes' judgement of the signer (anchors, expected subject, CRLs): a version is
    /// signed only when a list from this signer passes it at the generation time.
    public var signerCheck: WhitelistVerifier?

    public init(store: Store, signer: WhitelistSigner, signerSubject: String, current: CurrentWhitelist, logger: Logger) {
        self.store = store
        self.signer = signer
        self.signerSubject = signerSubject
        self.current = current
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var publishedSeq: Int?
        public var acknowledged: Int
        /// Entries of trusted DRIMboxes left out of the published version because they cannot be written.
        public var omitted: [WhitelistEntryValidator.Refusal] = []
    }

    /// What one publication read, and what it would publish.
    private struct Snapshot {
        var eventIDs: [UUID]
        var latestSeq: Int?
        var latestGeneratedAt: Date?
        var latestEntries: String?
        var entries: [WhitelistEntry]
        var refused: [WhitelistEntryValidator.Refusal]
    }

    private enum Stored {
        case version(WhitelistVersionModel)
        case acknowledged
        case stale
    }

    /// Publishes a new version if events are pending and the content changed; `force` publishes
    /// even with no pending event (first start, or an administrator's request).
    @discardableResult
    public func publishPending(force: Bool = false) async throws -> Outcome {
        for _ in 0..<max(1, attempts) {
            guard let snapshot = try await readSnapshot(force: force) else { return Outcome(publishedSeq: nil, acknowledged: 0) }
            FaultInjection.point("whitelist.collect")
            let entriesJSON = try JSONText.encode(snapshot.entries)
            var signed: (bytes: [UInt8], generatedAt: Date)?
            if snapshot.latestEntries != entriesJSON || force {
                // DateDeGeneration has one-second resolution and must strictly increase.
                var generatedAt = Date(timeIntervalSince1970: store.clock().timeIntervalSince1970.rounded(.down))
                if let previous = snapshot.latestGeneratedAt, generatedAt <= previous {
                    generatedAt = Date(timeIntervalSince1970: previous.timeIntervalSince1970.rounded(.down) + 1)
                }
                if let signerCheck {
                    do {
                        try await signer.selfCheck(with: signerCheck, at: generatedAt)
                    } catch {
                        throw SignerRefused(reason: error)
                    }
                }
                signed = (try signer.sign(WhitelistDocument(generatedAt: generatedAt, entries: snapshot.entries), signingTime: generatedAt), generatedAt)
                FaultInjection.point("whitelist.signed")
                try await afterSigning()
            }
            switch try await commit(snapshot, entriesJSON: entriesJSON, signed: signed) {
            case .stale:
                logger.debug("white list snapshot went stale while signing; publishing again")
                continue
            case .acknowledged:
                return Outcome(publishedSeq: nil, acknowledged: snapshot.eventIDs.count)
            case .version(let version):
                FaultInjection.point("whitelist.committed")
                current.install(version)
                logger.notice("white list published", metadata: ["version": .stringConvertible(version.seq), "entries": .stringConvertible(version.entryCount)])
                observer.omittedEntries(snapshot.refused.count)
                for refusal in snapshot.refused {
                    logger.error("white list entry left out: it cannot be written", metadata: [
                        "version": .stringConvertible(version.seq), "identifiant": .string(refusal.entry.identifiant),
                        "db": .string(refusal.entry.db), "code": .string(refusal.error.code), "problem": .string(refusal.error.message),
                    ])
                }
                return Outcome(publishedSeq: version.seq, acknowledged: snapshot.eventIDs.count, omitted: snapshot.refused)
            }
        }
        throw PublicationBusy(attempts: attempts)
    }

    /// Pending events, then the latest version, then the registry — in that order (see the type's comment).
    private func readSnapshot(force: Bool) async throws -> Snapshot? {
        let db = store.database
        let events = try await OutboxQueue.pending(.registryChanged, on: db)
        // Not the 6 MB signed file: only what the comparison and the numbering need.
        let latest = try await WhitelistVersionModel.query(on: db)
            .field(\.$id).field(\.$seq).field(\.$generatedAt).field(\.$entries)
            .sort(\.$seq, .descending).first()
        guard force || !events.isEmpty || latest == nil else { return nil }
        // Fail closed per entry: an entry the writer refuses is left out (a DRIMbox that cannot
        // be described is not trusted); the others, and every removal, are published.
        let (entries, refused) = WhitelistEntryValidator.partition(try await RegistryQueries(database: db).trustedEntries().map(Self.entry))
        return Snapshot(
            eventIDs: events.compactMap(\.id), latestSeq: latest?.seq, latestGeneratedAt: latest?.generatedAt,
            latestEntries: latest?.entries, entries: entries, refused: refused)
    }

    /// The short write: stores the version (or only acknowledges the events when the content did
    /// not change), unless the snapshot is stale.
    private func commit(_ snapshot: Snapshot, entriesJSON: String, signed: (bytes: [UInt8], generatedAt: Date)?) async throws -> Stored {
        let signerSubject = self.signerSubject
        return try await store.write { context in
            let db = context.database
            let latestSeq = try await WhitelistVersionModel.query(on: db).max(\.$seq)
            let pending = Set(try await OutboxQueue.pending(.registryChanged, on: db).compactMap(\.id))
            guard latestSeq == snapshot.latestSeq, pending.isSubset(of: Set(snapshot.eventIDs)) else { return .stale }
            guard let signed else {
                try await OutboxQueue.markProcessed(snapshot.eventIDs, at: context.now, on: db)
                return .acknowledged
            }
            let version = WhitelistVersionModel()
            version.id = UUID()
            version.seq = (snapshot.latestSeq ?? 0) + 1
            version.generatedAt = signed.generatedAt
            version.signingTime = signed.generatedAt
            version.content = Data(signed.bytes)
            version.sha256 = SHA256.hash(data: signed.bytes).hexString
            version.size = signed.bytes.count
            version.entryCount = snapshot.entries.count
            version.entries = entriesJSON
            version.signerSubject = signerSubject
            version.createdAt = context.now
            try await version.create(on: db)
            FaultInjection.point("whitelist.stored")
            try await OutboxQueue.markProcessed(snapshot.eventIDs, at: context.now, on: db)
            try await context.audit(AuditActor(userID: nil, role: .system), action: .whitelistPublish, entity: .whitelist, entityID: String(version.seq), data: [
                "sha256": version.sha256, "entries": String(snapshot.entries.count), "events": String(snapshot.eventIDs.count), "omitted": String(snapshot.refused.count),
            ])
            for refusal in snapshot.refused {
                try await context.audit(AuditActor(userID: nil, role: .system), action: .whitelistEntryOmitted, entity: .drimbox, entityID: refusal.entry.identifiant, data: [
                    "version": String(version.seq), "db": refusal.entry.db, "code": refusal.error.code, "problem": refusal.error.message,
                ])
            }
            return .version(version)
        }
    }

    /// The entries of trusted DRIMboxes that cannot be written, as the next publication would find them.
    public func unwritableEntries(on database: any Database) async throws -> [WhitelistEntryValidator.Refusal] {
        WhitelistEntryValidator.partition(try await RegistryQueries(database: database).trustedEntries().map(Self.entry)).refused
    }

    static func entry(_ trusted: TrustedEntry) -> WhitelistEntry {
        WhitelistEntry(
            identifiant: String(trusted.identifier), db: trusted.db, vi: trusted.viewer, denomination: trusted.operatorName,
            certificateDN: trusted.certificateDN, responsableContact: trusted.responsibleContact,
            supportContact: trusted.supportContact, updatedAt: Date(timeIntervalSince1970: trusted.updatedAt.timeIntervalSince1970.rounded(.down)))
    }
}

/// Runs the publisher in the background: woken right after a commit that changed the registry,
/// and every few seconds to pick up events written by other instances or left by a crash.
public struct PublicationLoop: Sendable {
    private let loop: BackgroundLoop

    public init(publisher: WhitelistPublisher, interval: Duration = .seconds(5)) {
        loop = BackgroundLoop(interval: interval) {
            do {
                try await publisher.publishPending(force: false)
            } catch {
                publisher.observer.publicationFailed()
                publisher.logger.error("white list publication failed; the previous version stays served", metadata: ["error": .string(String(reflecting: error))])
            }
        }
    }

    public func start() async { await loop.start() }
    public func nudge() async { await loop.nudge() }
    public func stop() async { await loop.stop() }
}

/// The signer would be refused by the DRIMboxes (expired, revoked, not chaining to the anchors,
/// wrong subject): nothing is published, the previous version stays served.
public struct SignerRefused: Error, CustomStringConvertible {
    public let reason: WhitelistVerificationError
    public var description: String { "the white list signer would be refused by DRIMboxes: \(reason)" }
}

/// Every snapshot went stale before it could be stored (the registry kept changing): the events
/// stay pending and the next wake-up tries again; readiness reports the lag if it lasts.
public struct PublicationBusy: Error, CustomStringConvertible {
    var attempts: Int
    public var description: String { "the registry changed during each of \(attempts) publication attempts" }
}
