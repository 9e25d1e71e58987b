@testable import App
@testable import Publication
import EDCDomain
import EDCTestSupport
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import Whitelist

@Suite("A crash during publication never leaves a partial or unsigned list")
struct PublicationCrashTests {
    static let steps = ["whitelist.collect", "whitelist.signed", "whitelist.stored", "whitelist.committed"]

    @Test("the real edc process killed at each publication step, 50 times: the served list is always a complete, valid version")
    func killDuringPublication() async throws {
        try await withTestApp({ settings in
            settings.whitelist.publishInBackground = false
            if case .sqliteMemory = settings.database { settings.database = .sqliteFile(settings.dataDirectory + "/edc.sqlite") }
        }) { app in
            let world = try await World.make(app)
            let api = JourneyAPI(app: app, world: world)
            let (drimboxID, _) = try await api.integratedProvisionally(as: world.operatorA, pacs: 2)
            try await app.edc.publisher.publishPending()
            let verifier = try WhitelistVerifier(trust: .anchors([try #require(app.edc.signing.testRoot)], intermediates: []), expectedSubject: TestPKI.defaultSignerSubject)
            let edc = try EDCProcess(app: app)

            for round in 0..<50 {
                let step = Self.steps[round % Self.steps.count]
                // A registry change that alters the list: the support phone shown in SupportContact.
                let phone = try FrenchPhoneNumber(String(format: "01 23 45 %02d %02d", round / 100, round % 100))
                let request = try await app.edc.workflow.createRequest(
                    world.operatorA.principal, kind: .modification, drimboxID: UUID(uuidString: drimboxID),
                    payload: .modification(ModificationPayload(supportPhone: phone)), submit: true)
                _ = try await app.edc.workflow.perform(world.reviewer.principal, requestID: request.requireID(), action: .approve, reason: nil, expectedVersion: nil)
                let before = try await WhitelistVersionModel.query(on: app.db).max(\.$seq) ?? 0

                let killed = try await edc.run(["publish-whitelist"], killAt: step)
                #expect(killed.signal == SIGKILL, "round \(round) at \(step): \(killed.output)")

                let after = try await WhitelistVersionModel.query(on: app.db).max(\.$seq) ?? 0
                #expect(after == (step == "whitelist.committed" ? before + 1 : before), "round \(round) at \(step)")
                try await Self.expectLatestIsComplete(app, verifier: verifier)
                let served = try await app.send(.GET, "/liste-blanche.xml")
                #expect(served.status == .ok)
                _ = try await verifier.verify(Array(served.body.readableBytesView))

                // The next normal run publishes whatever the crash left pending.
                let normal = try await edc.run(["publish-whitelist"], killAt: nil)
                #expect(normal.status == 0, "\(normal.output)")
                try await Self.expectLatestIsComplete(app, verifier: verifier)
                #expect(try await OutboxQueue.pending(.registryChanged, on: app.db).isEmpty)
                let latest = try await #require(WhitelistVersionModel.query(on: app.db).sort(\.$seq, .descending).first())
                #expect(latest.entries.contains(phone.national), "round \(round): the latest list shows the latest registry")
            }
            #expect(try await AuditLog.verify(on: app.db).isIntact)
        }
    }

    /// The newest stored version is a whole signed file whose hash and content match its row.
    static func expectLatestIsComplete(_ app: Application, verifier: WhitelistVerifier) async throws {
        let latest = try await #require(WhitelistVersionModel.query(on: app.db).sort(\.$seq, .descending).first())
        #expect(SHA256.hash(data: latest.content).hexString == latest.sha256)
        let verified = try await verifier.verify(Array(latest.content))
        #expect(verified.document.entries.count == latest.entryCount)
    }
}

/// Runs the built `edc` executable against the test's database.
struct EDCProcess {
    let binary: URL
    let environment: [String: String]

    init(app: Application) throws {
        binary = try BuiltProduct.url("edc")
        var environment = ProcessInfo.processInfo.environment
        environment["EDC_DATA_DIR"] = app.edc.settings.dataDirectory
        environment["EDC_LOG_LEVEL"] = "warning"
        if case .postgres(let url) = app.edc.settings.database { environment["DATABASE_URL"] = url } else { environment["DATABASE_URL"] = nil }
        self.environment = environment
    }

    func run(_ arguments: [String], killAt point: String?) async throws -> ProcessRunner.Result {
        var environment = self.environment
        environment["EDC_FAULT_KILL_AT"] = point
        return try await ProcessRunner.runInThread(binary, arguments, environment: environment)
    }
}
