import EDCDomain
import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// `edc-agent csr`, run as a process; its output is judged by openssl and by the service EDC
/// uses to check what operators paste.
@Suite("edc-agent csr")
struct EDCAgentCsrTests {
    static let fqdn = "db1.12.mesimagesmedicales.fr"
    static let structureID = "318751275100020"

    /// A fresh directory, removed at the end.
    final class Directory {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("edc-agent-csr-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
        func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    }

    static func csr(_ directory: Directory, _ extra: [String] = [], fqdn: String = fqdn, structureID: String = structureID) throws -> ProcessRunner.Result {
        try AgentProcess.run(["csr", "--fqdn", fqdn, "--structure-id", structureID,
                              "--key-out", directory.path("db.key"), "--csr-out", directory.path("db.csr")] + extra)
    }

    static func openssl(_ arguments: [String]) throws -> ProcessRunner.Result {
        let result = try ProcessRunner.runTool("openssl", arguments)
        if result.status == 127 { Issue.record("openssl is not installed") }
        return result
    }

    @Test("P-256 and RSA keys: openssl verifies the request, its subject is the one asked for, the key matches and is mode 0600",
          arguments: [["--key-type", "p256"], ["--key-type", "rsa2048"], []])
    func generates(keyType: [String]) throws {
        let directory = try Directory()
        let result = try Self.csr(directory, ["--organisation", "Clinique du Parc", "--department", "Paris (75)"] + keyType)
        let subject = "CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Clinique du Parc,ST=Paris (75),C=FR"
        #expect(result.status == 0, "\(result.output)")
        #expect(result.standardOutput.contains("Subject: \(subject)"), "\(result.standardOutput)")

        let verified = try Self.openssl(["req", "-verify", "-noout", "-in", directory.path("db.csr")])
        #expect(verified.status == 0 && verified.output.contains("verify OK"), "\(verified.output)")
        let printed = try Self.openssl(["req", "-noout", "-subject", "-nameopt", "RFC2253", "-in", directory.path("db.csr")])
        #expect(printed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "subject=\(subject)", "\(printed.output)")
        let text = try Self.openssl(["req", "-noout", "-text", "-in", directory.path("db.csr")])
        #expect(text.standardOutput.contains("DNS:db1.12.mesimagesmedicales.fr"))
        #expect(text.standardOutput.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.standardOutput.contains(keyType == ["--key-type", "p256"] ? "prime256v1" : "Public-Key: (2048 bit)"), "\(text.standardOutput)")

        // The key file is the request's key, readable only by its owner.
        let keyPublic = try Self.openssl(["pkey", "-in", directory.path("db.key"), "-pubout"])
        let requestPublic = try Self.openssl(["req", "-in", directory.path("db.csr"), "-noout", "-pubkey"])
        #expect(keyPublic.status == 0 && keyPublic.standardOutput == requestPublic.standardOutput, "\(keyPublic.output) \(requestPublic.output)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: directory.path("db.key"))[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try directory.text("db.key").hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test("the request is accepted by the service EDC checks pasted CSRs with, UTF-8 subject included")
    func acceptedByEDC() async throws {
        let directory = try Directory()
        let result = try Self.csr(directory, ["--organisation", "Opérateur Côte-d'Or, Nord", "--department", "Côte-d'Or (21)", "--key-type", "p256"])
        #expect(result.status == 0, "\(result.output)")
        let submission = try await CertificateSubmission.inspect(pem: try directory.text("db.csr"), dbFQDN: try FQDN(Self.fqdn))
        #expect(submission.kind == .csr)
        #expect(submission.dn.value == #"CN=db1.12.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur Côte-d'Or\, Nord,ST=Côte-d'Or (21),C=FR"#)
        #expect(result.standardOutput.contains("Subject: \(submission.dn.value)"))
    }

    @Test("an invalid FQDN, structure id or department is refused (exit 2) before anything is written")
    func refusesInvalidArguments() throws {
        let cases: [(fqdn: String, structureID: String, extra: [String], message: String)] = [
            ("192.168.1.10", Self.structureID, [], "fqdn.numeric_top_level"),
            ("db1..mesimagesmedicales.fr", Self.structureID, [], "--fqdn"),
            ("localhost", Self.structureID, [], "fqdn.single_label"),
            (Self.fqdn, "318751275100021", [], "--structure-id"),
            (Self.fqdn, "918751275100020", [], "--structure-id"),
            (Self.fqdn, Self.structureID, ["--department", "Paris"], "dn.st_format"),
            (Self.fqdn, Self.structureID, ["--organisation", String(repeating: "O", count: 65)], "dn.value_too_long"),
        ]
        for item in cases {
            let directory = try Directory()
            let result = try Self.csr(directory, item.extra, fqdn: item.fqdn, structureID: item.structureID)
            #expect(result.status == 2, "\(item): \(result.output)")
            #expect(result.standardError.contains(item.message), "\(item): \(result.standardError)")
            #expect(!directory.exists("db.key") && !directory.exists("db.csr"), "\(item)")
        }
    }

    @Test("an existing key or request file is never overwritten, nor a symbolic link followed")
    func refusesToOverwrite() throws {
        let directory = try Directory()
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: directory.path("db.key")))
        let result = try Self.csr(directory)
        #expect(result.status == 2 && result.standardError.contains("already exists"), "\(result.output)")
        #expect(try directory.text("db.key") == "keep me\n")
        #expect(!directory.exists("db.csr"))

        let second = try Directory()
        try Data("old request\n".utf8).write(to: URL(fileURLWithPath: second.path("db.csr")))
        let again = try Self.csr(second)
        #expect(again.status == 2 && again.standardError.contains("already exists"), "\(again.output)")
        #expect(!second.exists("db.key"), "no key is left without its request")
        #expect(try second.text("db.csr") == "old request\n")

        let third = try Directory()
        try FileManager.default.createSymbolicLink(atPath: third.path("db.key"), withDestinationPath: third.path("elsewhere.key"))
        let dangling = try Self.csr(third)
        #expect(dangling.status == 2 && dangling.standardError.contains("already exists"), "\(dangling.output)")
        #expect(!third.exists("elsewhere.key"))

        let same = try AgentProcess.run(["csr", "--fqdn", Self.fqdn, "--structure-id", Self.structureID,
                                         "--key-out", third.path("x.pem"), "--csr-out", third.path("x.pem")])
        #expect(same.status == 2 && !third.exists("x.pem"), "\(same.output)")
    }
}
