@testable import App
@testable import Publication
import EDCTestSupport
import Foundation
import Testing
import Vapor
import VaporTesting
import Whitelist

/// EDC refuses to start, and to publish, with a signer that `edc-agent` configured with the same
/// anchors, subject and CRLs would refuse (issue 11, item 5).
@Suite("The white list signer is judged as DRIMboxes judge it")
struct SignerCheckTests {
    /// A signer PKI written as the PEM files an operator would configure.
    struct SignerFiles {
        let directory: URL
        let pki: TestPKI
        init(validFrom: Date, signerValidity: TimeInterval) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-signer-\(UUID().uuidString)")
            pki = try TestPKI.generate(keyKind: .p256, notValidBefore: validFrom, signerValidity: signerValidity)
            try pki.write(to: directory)
        }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func configure(_ settings: inout Settings, anchors: String? = nil) {
            settings.whitelist.certificateFile = path(TestPKI.FileName.signer)
            settings.whitelist.privateKeyFile = path(TestPKI.FileName.signerKey)
            settings.whitelist.intermediatesFile = path(TestPKI.FileName.intermediate)
            settings.whitelist.trustAnchorsFile = anchors ?? path(TestPKI.FileName.root)
        }
    }

    static func startRefusal(_ adjust: @escaping (inout Settings) -> Void) async throws -> String {
        do {
            try await withTestApp(adjust) { _ in }
        } catch let error as DetailedError {
            return error.detail
        }
        throw TestFailure("edc started")
    }

    @Test("a signer with the configured anchors and subject starts, and its lists verify as configured")
    func acceptedSigner() async throws {
        let clock = TestClock.app()
        let files = try SignerFiles(validFrom: clock.now.addingTimeInterval(-86_400), signerValidity: 365 * 86_400)
        try await withTestApp({
            $0.clock = { clock.now }
            files.configure(&$0)
            $0.whitelist.expectedSubject = TestPKI.defaultSignerSubject
        }) { app in
            #expect(app.edc.signing.isTestPKI == false)
            #expect(app.edc.signing.judge.expectedSubject?.value == TestPKI.defaultSignerSubject)
        }
    }

    @Test("start is refused with a signer of another subject, of another PKI, or out of its validity", arguments: ["subject", "anchors", "expired", "not yet valid"])
    func refusedSigner(_ problem: String) async throws {
        let clock = TestClock.app()
        let now = clock.now
        let files = try SignerFiles(
            validFrom: problem == "not yet valid" ? now.addingTimeInterval(3600) : now.addingTimeInterval(-30 * 86_400),
            signerValidity: problem == "expired" ? 86_400 : 365 * 86_400)
        let stranger = try SignerFiles(validFrom: now.addingTimeInterval(-86_400), signerValidity: 86_400)
        let message = try await Self.startRefusal {
            $0.clock = { clock.now }
            files.configure(&$0, anchors: problem == "anchors" ? stranger.path(TestPKI.FileName.root) : nil)
            if problem == "subject" { $0.whitelist.expectedSubject = "CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR" }
        }
        #expect(message.hasPrefix("refusing to start: DRIMboxes would refuse lists signed by"))
        let code = ["subject": "signer.subject_mismatch", "anchors": "signer.untrusted", "expired": "signer.not_valid_at_time", "not yet valid": "signer.not_valid_at_time"][problem]!
        #expect(message.contains("[\(code)]"), "\(message)")
    }

    @Test("once the signer expires, nothing is published and the last version stays served")
    func noPublicationAfterExpiry() async throws {
        let clock = TestClock.app()
        let files = try SignerFiles(validFrom: clock.now.addingTimeInterval(-86_400), signerValidity: 2 * 86_400)
        try await withJourney({
            $0.clock = { clock.now }
            $0.whitelist.publishInBackground = false
            files.configure(&$0)
        }) { app, world, api in
            _ = try await api.integratedProvisionally(as: world.operatorA, pacs: 1)
            #expect(try await app.edc.publisher.publishPending().publishedSeq == 1)
            let served = try await app.send(.GET, "/liste-blanche.xml")
            #expect(served.status == .ok)

            clock.advance(days: 2)
            _ = try await api.integratedProvisionally(as: world.operatorB, pacs: 1)
            await #expect(throws: SignerRefused.self) { try await app.edc.publisher.publishPending() }
            let after = try await app.send(.GET, "/liste-blanche.xml")
            #expect(after.body == served.body)
        }
    }
}
