import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// `edc-agent verify` as a DRIMbox runs it: exit codes, messages, JSON.
@Suite("edc-agent verify")
struct EDCAgentVerifyTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let at = UTCTimestamp.format(now)
    static let pki: TestPKI = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))
    static var samples: String { SharedSamples.whiteLists.path }
    static let ansSubject = "CN=Liste Blanche DRIM-M,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR"

    /// A PKI and a signed list in a fresh directory.
    final class Workspace {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-agent-tests-\(UUID().uuidString)")
            try EDCAgentVerifyTests.pki.write(to: directory)
            let entries = (1...3).map { number in
                WhitelistEntry(
                    identifiant: String(number), db: "db\(number).test.mesimagesmedicales.fr", vi: "vi\(number).test.mesimagesmedicales.fr",
                    denomination: "Opérateur \(number)",
                    certificateDN: "CN=db\(number).test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR"
                )
            }
            let bytes = try WhitelistSigner(identity: EDCAgentVerifyTests.pki.signingIdentity)
                .sign(WhitelistDocument(generatedAt: EDCAgentVerifyTests.now, entries: entries), signingTime: EDCAgentVerifyTests.now)
            try Data(bytes).write(to: path("list.xml"))
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> URL { directory.appendingPathComponent(name) }
        var list: String { path("list.xml").path }
        var signer: String { path(TestPKI.FileName.signer).path }
        var root: String { path(TestPKI.FileName.root).path }
        var intermediate: String { path(TestPKI.FileName.intermediate).path }
    }

    @Test("a valid list pinned to its signer exits 0 with one VALID line")
    func validPinned() throws {
        let workspace = try Workspace()
        let result = try AgentProcess.run(["verify", workspace.list, "--signer-cert", workspace.signer, "--at", Self.at])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("VALID: 3 entries"))
    }

    @Test("--json prints the verified content, anchored on the test root with the expected subject")
    func jsonAnchored() throws {
        let workspace = try Workspace()
        let result = try AgentProcess.run([
            "verify", workspace.list, "--trust-anchor", workspace.root, "--intermediate", workspace.intermediate,
            "--expected-subject", TestPKI.defaultSignerSubject, "--at", Self.at, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(json["generatedAt"] as? String == Self.at)
        #expect(json["signingTime"] as? String == Self.at)
        #expect(json["signer"] as? String == TestPKI.defaultSignerSubject)
        let entries = try #require(json["entries"] as? [[String: String]])
        #expect(entries.count == 3)
        #expect(entries[0] == [
            "identifiant": "1", "db": "db1.test.mesimagesmedicales.fr", "vi": "vi1.test.mesimagesmedicales.fr",
            "denomination": "Opérateur 1",
            "dn": "CN=db1.test.mesimagesmedicales.fr,OU=318751275100020,O=AGENCE DU NUMERIQUE EN SANTE,ST=Paris (75),C=FR",
        ])
    }

    @Test("a changed list exits 1 with one INVALID line naming the reference")
    func tamperedList() throws {
        let workspace = try Workspace()
        let text = try String(contentsOfFile: workspace.list, encoding: .utf8)
            .replacingOccurrences(of: "<db>db2.test", with: "<db>db2.evil")
        try Data(text.utf8).write(to: workspace.path("tampered.xml"))
        let result = try AgentProcess.run(["verify", workspace.path("tampered.xml").path, "--signer-cert", workspace.signer, "--at", Self.at])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("INVALID: reference digest mismatch for URI=\"\""))
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardOutput.isEmpty)
    }

    @Test("a wrong expected subject exits 1")
    func wrongSubject() throws {
        let workspace = try Workspace()
        let result = try AgentProcess.run([
            "verify", workspace.list, "--trust-anchor", workspace.root, "--expected-subject", Self.ansSubject, "--at", Self.at,
        ])
        #expect(result.status == 1)
        #expect(result.standardError.contains("[signer.subject_mismatch]"))
    }

    @Test("a file over --max-size exits 1 without being parsed")
    func sizeCap() throws {
        let workspace = try Workspace()
        let result = try AgentProcess.run(["verify", workspace.list, "--signer-cert", workspace.signer, "--max-size", "512"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("[document.too_large]"))
    }

    @Test("usage and I/O errors exit 2", arguments: [
        ["verify", "LIST"],
        ["verify", "LIST", "--signer-cert", "SIGNER", "--trust-anchor", "ROOT"],
        ["verify", "LIST", "--signer-cert", "SIGNER", "--at", "yesterday"],
        ["verify", "/nonexistent/list.xml", "--signer-cert", "SIGNER"],
        ["verify", "LIST", "--signer-cert", "/nonexistent/signer.pem"],
        ["frobnicate"],
    ])
    func usageErrors(arguments: [String]) throws {
        let workspace = try Workspace()
        let resolved = arguments.map { argument in
            switch argument {
            case "LIST": return workspace.list
            case "SIGNER": return workspace.signer
            case "ROOT": return workspace.root
            default: return argument
            }
        }
        let result = try AgentProcess.run(resolved)
        #expect(result.status == 2, "\(result.standardError)")
    }

    @Test("the 2026 ANS sample is valid pinned to its signer, with the ANS subject")
    func ansSample2026() throws {
        let result = try AgentProcess.run([
            "verify", "\(Self.samples)/LISTEBLANCHE_DRIM-M_SIGNEE_TEST_2026.09.14.xml",
            "--signer-cert", "\(Self.samples)/signer-liste-blanche-2026-2029.pem",
            "--expected-subject", Self.ansSubject, "--at", "2026-11-29T12:00:00Z",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("VALID: 17 entries"))
    }

    @Test("the 2024 ANS sample is valid at its signing time and refused today")
    func ansSample2024() throws {
        let arguments = [
            "verify", "\(Self.samples)/LISTEBLANCHE_DRIM-M_TEST_SIGNEE_2024.xml",
            "--signer-cert", "\(Self.samples)/signer-liste-blanche-2023-2026.pem",
        ]
        let atSigning = try AgentProcess.run(arguments + ["--at", "2024-07-12T12:00:00Z", "--json"])
        #expect(atSigning.status == 0, "\(atSigning.standardError)")
        #expect(atSigning.standardOutput.contains("\"signingTime\" : \"2024-07-12T05:37:19Z\""))
        let today = try AgentProcess.run(arguments + ["--at", "2026-11-29T12:00:00Z"])
        #expect(today.status == 1)
        #expect(today.standardError.contains("[signer.not_valid_at_time]"))
    }
}
