import EDCDomain
import Fluent
import Foundation
import Logging
import Persistence
import Vapor
import Whitelist

/// Turns `registry.changed` outbox events into a new signed white list.
///
/// One transaction (holding the writers' lock) reads the registry, signs, stores the complete
/// signed file as a new version and acknowledges the events: a crash at any point leaves either
/// the previous version or the new complete one, never a partial or unsigned file.
struct WhitelistPublisher: Sendable {
    let store: Store
    let signer: WhitelistSigner
    let signerSubject: String
    let current: CurrentWhitelist
    let logger: Logger

    struct Outcome: Sendable, Equatable {
        var publishedSeq: Int?
        var acknowledged: Int
        /// Entries of trusted DRIMboxes left out of the published version because they cannot be written.
        var omitted: [WhitelistEntryValidator.Refusal] = []
    }

    private struct Result: Sendable {
        var outcome: Outcome
        /// The committed version, installed for serving without reading it back.
        var version: WhitelistVersionModel? = nil
    }

    /// Publishes a new version if events are pending and the content changed; `force` publishes
    /// even with no pending event (first start, or an administrator's request).
    @discardableResult
    func publishPending(force: Bool = false) async throws -> Outcome {
        let result = try await store.write { context in
            let db = context.database
            let events = try await OutboxQueue.pending(.registryChanged, on: db)
            // Not the 6 MB signed file: only what the comparison and the numbering need.
            let latest = try await WhitelistVersionModel.query(on: db)
                .field(\.$id).field(\.$seq).field(\.$generatedAt).field(\.$entries)
                .sort(\.$seq, .descending).first()
            guard force || !events.isEmpty || latest == nil else { return Result(outcome: Outcome(publishedSeq: nil, acknowledged: 0)) }
            FaultInjection.point("whitelist.collect")

            // Fail closed per entry: an entry the writer refuses is left out (a DRIMbox that cannot
            // be described is not trusted); the others, and every removal, are published.
            let (entries, refused) = WhitelistEntryValidator.partition(try await RegistryQueries(database: db).trustedEntries().map(Self.entry))
            let entriesJSON = try JSONText.encode(entries)
            if latest?.entries == entriesJSON && !force {
                try await OutboxQueue.markProcessed(events.compactMap(\.id), at: context.now, on: db)
                return Result(outcome: Outcome(publishedSeq: nil, acknowledged: events.count))
            }

            // DateDeGeneration has one-second resolution and must strictly increase.
            var generatedAt = Date(timeIntervalSince1970: context.now.timeIntervalSince1970.rounded(.down))
            if let previous = latest?.generatedAt, generatedAt <= previous {
                generatedAt = Date(timeIntervalSince1970: previous.timeIntervalSince1970.rounded(.down) + 1)
            }
            let bytes = try signer.sign(WhitelistDocument(generatedAt: generatedAt, entries: entries), signingTime: generatedAt)
            FaultInjection.point("whitelist.signed")

            let version = WhitelistVersionModel()
            version.id = UUID()
            version.seq = (latest?.seq ?? 0) + 1
            version.generatedAt = generatedAt
            version.signingTime = generatedAt
            version.content = Data(bytes)
            version.sha256 = SHA256.hash(data: bytes).hexString
            version.size = bytes.count
            version.entryCount = entries.count
            version.entries = entriesJSON
            version.signerSubject = signerSubject
            version.createdAt = context.now
            try await version.create(on: db)
            FaultInjection.point("whitelist.stored")
            try await OutboxQueue.markProcessed(events.compactMap(\.id), at: context.now, on: db)
            try await context.audit(AuditActor(userID: nil, role: Role.system.rawValue), action: "whitelist.publish", entityType: "whitelist", entityID: String(version.seq), data: [
                "sha256": version.sha256, "entries": String(entries.count), "events": String(events.count), "omitted": String(refused.count),
            ])
            for refusal in refused {
                try await context.audit(AuditActor(userID: nil, role: Role.system.rawValue), action: "whitelist.entry_omitted", entityType: "drimbox", entityID: refusal.entry.identifiant, data: [
                    "version": String(version.seq), "db": refusal.entry.db, "code": refusal.error.code, "problem": refusal.error.message,
                ])
            }
            return Result(outcome: Outcome(publishedSeq: version.seq, acknowledged: events.count, omitted: refused), version: version)
        }
        FaultInjection.point("whitelist.committed")
        if let version = result.version {
            current.install(version)
            logger.notice("white list published", metadata: ["version": .stringConvertible(version.seq), "entries": .stringConvertible(version.entryCount)])
            EDCMetrics.whitelistOmittedEntries.set(Double(result.outcome.omitted.count))
            for refusal in result.outcome.omitted {
                logger.error("white list entry left out: it cannot be written", metadata: [
                    "version": .stringConvertible(version.seq), "identifiant": .string(refusal.entry.identifiant),
                    "db": .string(refusal.entry.db), "code": .string(refusal.error.code), "problem": .string(refusal.error.message),
                ])
            }
        }
        return result.outcome
    }

    /// The entries of trusted DRIMboxes that cannot be written, as the next publication would find them.
    func unwritableEntries(on database: any Database) async throws -> [WhitelistEntryValidator.Refusal] {
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
actor PublicationLoop {
    private let publisher: WhitelistPublisher
    private var task: Task<Void, Never>?
    private var wake: AsyncStream<Void>.Continuation?
    private let interval: Duration

    init(publisher: WhitelistPublisher, interval: Duration = .seconds(5)) {
        self.publisher = publisher
        self.interval = interval
    }

    func start() {
        guard task == nil else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        let publisher = self.publisher
        let interval = self.interval
        task = Task {
            await Self.runOnce(publisher, force: false)
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield()
                }
            }
            for await _ in stream {
                if Task.isCancelled { break }
                await Self.runOnce(publisher, force: false)
            }
            ticker.cancel()
        }
    }

    func nudge() { wake?.yield() }

    func stop() async {
        wake?.finish()
        task?.cancel()
        await task?.value
        task = nil
    }

    private static func runOnce(_ publisher: WhitelistPublisher, force: Bool) async {
        do {
            try await publisher.publishPending(force: force)
        } catch {
            EDCMetrics.whitelistPublicationFailures.increment()
            publisher.logger.error("white list publication failed; the previous version stays served", metadata: ["error": .string(String(reflecting: error))])
        }
    }
}
