import Foundation
import Logging
import Persistence
import Publication
import Vapor

/// Applies the workflow's deadlines in the background: a provisional DRIMbox whose VA document
/// is overdue is excluded ("VA non fourni dans les délais"), one whose VA document is due within
/// 30, 7 or 1 day(s) gets a reminder by e-mail; then housekeeping (orphan documents,
/// old idempotency records, stale sign-in failures). Runs at boot, then every `interval`.
actor DeadlineLoop {
    private let workflow: WorkflowService
    private let housekeeping: Housekeeping
    private let logger: Logger
    private let interval: Duration
    private var task: Task<Void, Never>?

    init(workflow: WorkflowService, housekeeping: Housekeeping, logger: Logger, interval: Duration = .seconds(600)) {
        self.workflow = workflow
        self.housekeeping = housekeeping
        self.logger = logger
        self.interval = interval
    }

    func start() {
        guard task == nil else { return }
        let workflow = self.workflow
        let housekeeping = self.housekeeping
        let logger = self.logger
        let interval = self.interval
        task = Task {
            while !Task.isCancelled {
                do {
                    let excluded = try await workflow.excludeOverdueVA()
                    if !excluded.isEmpty {
                        logger.notice("DRIMboxes excluded: VA document overdue", metadata: ["identifiers": .string(excluded.map(String.init).joined(separator: ","))])
                    }
                } catch {
                    logger.error("VA deadline check failed", metadata: ["error": .string(String(reflecting: error))])
                }
                do {
                    let reminded = try await workflow.remindVADeadlines()
                    if !reminded.isEmpty {
                        logger.notice("VA deadline reminders sent", metadata: ["reminders": .string(reminded.map { "\($0.identifier):J-\($0.days)" }.joined(separator: ","))])
                    }
                } catch {
                    logger.error("VA reminders failed", metadata: ["error": .string(String(reflecting: error))])
                }
                do {
                    let report = try await housekeeping.run()
                    if report != Housekeeping.Report() {
                        logger.notice("housekeeping", metadata: [
                            "orphanDocuments": .stringConvertible(report.orphanDocuments),
                            "idempotencyRecords": .stringConvertible(report.idempotencyRecords),
                            "signInFailures": .stringConvertible(report.signInFailures),
                        ])
                    }
                } catch {
                    logger.error("housekeeping failed", metadata: ["error": .string(String(reflecting: error))])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        task = nil
    }
}

/// Starts and stops the background loops with the server.
struct BackgroundWork: LifecycleHandler {
    let publication: PublicationLoop?
    let outbox: OutboxLoop?
    let deadlines: DeadlineLoop?
    let whitelistListener: WhitelistListener?
    let listen: (host: String, port: Int)?
    let passwordHasher: PasswordHasher

    func didBootAsync(_ application: Application) async throws {
        await publication?.start()
        await outbox?.start()
        await deadlines?.start()
        if let whitelistListener, let listen {
            try await whitelistListener.start(host: listen.host, port: listen.port, on: application.eventLoopGroup)
        }
    }

    func shutdownAsync(_ application: Application) async {
        await whitelistListener?.stop()
        await publication?.stop()
        await outbox?.stop()
        await deadlines?.stop()
        await passwordHasher.shutdown()
    }
}
