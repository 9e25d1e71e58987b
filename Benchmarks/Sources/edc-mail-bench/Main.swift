import FluentKit
import FluentSQLiteDriver
import Foundation
import Logging
import NIOPosix
import Notifications
import Persistence

/// `edc-mail-bench --sqlite FILE --smtp-port PORT --ca PEM --user U --password P [--messages 200] [--events 1000] [--concurrency 4]`
///
/// 1. Mail throughput: `--messages` notification-sized messages through `MSMTPTransport`
///    (STARTTLS + AUTH to the local server), one at a time, then `--concurrency` at a time.
/// 2. Outbox lag: `--events` notification events written in one transaction (a burst), then
///    delivered by `OutboxWorker.drainConcurrently()` with the same transport; the lag of each
///    event is `processed_at - created_at`, read back from the database.
@main
struct MailBench {
    static func main() async throws {
        var options: [String: String] = [:]
        var arguments = CommandLine.arguments.dropFirst()
        while let name = arguments.popFirst() {
            guard name.hasPrefix("--"), let value = arguments.popFirst() else { fatalError("usage: see Main.swift") }
            options[String(name.dropFirst(2))] = value
        }
        guard let path = options["sqlite"], let port = options["smtp-port"].flatMap(Int.init) else { fatalError("--sqlite and --smtp-port are required") }
        let messages = options["messages"].flatMap(Int.init) ?? 200
        let events = options["events"].flatMap(Int.init) ?? 1000
        let concurrency = options["concurrency"].flatMap(Int.init) ?? 4

        let transport = MSMTPTransport(
            settings: SMTPSettings(host: "127.0.0.1", port: port, security: .starttls, username: options["user"], password: options["password"], caFile: options["ca"]),
            envelopeFrom: "ne-pas-repondre@edc.example.fr")
        let from = try MailAddress("ne-pas-repondre@edc.example.fr", name: "Espace de Confiance DRIM-M")
        let to = try MailAddress("support@operateur.example.fr", name: "Opérateur Côte-d'Or")
        let team = try MailAddress("equipe-drimm@ans.example.fr", name: "Équipe DRIM-M")
        let content = NotificationTemplates.request(
            .init(action: .approve, requestID: UUID(), requestNumber: 1234, operatorID: UUID(), state: .approved),
            kind: .declaration, reason: nil, operatorName: "Opérateur Côte-d'Or")
        @Sendable func message(_ id: UUID) -> MailMessage {
            MailMessage(from: from, to: [to], cc: [team], subject: content.subject, text: content.text, html: content.html,
                        messageID: "\(id.uuidString.lowercased())@edc.example.fr", date: Date())
        }

        // 1. Throughput.
        var start = Date()
        for _ in 0..<messages { try await transport.send(message(UUID())) }
        let sequential = Double(messages) / Date().timeIntervalSince(start)
        start = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let perTask = messages / concurrency
            for _ in 0..<concurrency {
                group.addTask { for _ in 0..<perTask { try await transport.send(message(UUID())) } }
            }
            try await group.waitForAll()
        }
        let parallel = Double(messages / concurrency * concurrency) / Date().timeIntervalSince(start)
        print(String(format: "mail throughput: %.1f messages/s one at a time, %.1f messages/s %d at a time (%d messages, msmtp per message, STARTTLS + AUTH)", sequential, parallel, concurrency, messages))

        // 2. Outbox burst.
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(.sqlite(.file(path)), as: .sqlite)
        var logger = Logger(label: "edc-mail-bench")
        logger.logLevel = .warning
        let migrations = Migrations()
        migrations.add(EDCMigrations.all)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
        let database = databases.database(logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())!

        let burstAt = Date()
        try await database.transaction { db in
            for index in 0..<events {
                try await OutboxEventModel(id: UUID(), topic: .notification, payload: "{\"n\":\(index)}", at: burstAt).create(on: db)
            }
        }
        var settings = OutboxWorker.Settings()
        settings.concurrency = concurrency
        let worker = OutboxWorker(database: database, clock: { Date() }, consumers: [.notification: { event in try await transport.send(message(event.id!)) }],
                                  settings: settings, logger: logger)
        start = Date()
        let delivered = try await worker.drainConcurrently()
        let elapsed = Date().timeIntervalSince(start)
        let rows = try await OutboxEventModel.query(on: database).filter(\.$processedAt != nil).all()
        let lags = rows.compactMap { $0.processedAt?.timeIntervalSince($0.createdAt) }.sorted()
        func percentile(_ p: Double) -> Double { lags[min(lags.count - 1, Int(Double(lags.count) * p))] }
        print(String(format: "outbox burst: %d events delivered in %.2f s (%.1f/s, %d claimers); lag p50 %.2f s, p99 %.2f s, max %.2f s; %d failed",
                     delivered, elapsed, Double(delivered) / elapsed, concurrency, percentile(0.5), percentile(0.99), lags.last ?? 0, events - rows.count))
        await databases.shutdownAsync()
        try await threadPool.shutdownGracefully()
    }
}
