import Crypto
import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// `edc-agent sync`, `status` and `check-url` as a DRIMbox runs them: the real binary, lists signed
/// by a test PKI, sources on disk and on a local HTTP server.
@Suite("edc-agent sync, status and check-url")
struct EDCAgentSyncTests {
    static let now = Date()
    static let pki: TestPKI = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))
    static let foreign: TestPKI = try! TestPKI.generate(keyKind: .p256, notValidBefore: now.addingTimeInterval(-86_400))

    /// A PKI, a source file and a state directory in a fresh directory.
    final class Workspace {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-agent-sync-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try EDCAgentSyncTests.pki.write(to: directory)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> URL { directory.appendingPathComponent(name) }
        var source: URL { path("published.xml") }
        var state: URL { path("state") }
        var installed: Data? { try? Data(contentsOf: state.appendingPathComponent("liste-blanche.xml")) }
        var peers: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(contentsOf: state.appendingPathComponent("peers.json")))) as? [String: Any] ?? [:] }

        /// Publishes a list of `count` entries generated `generated` seconds from now, signed `signed` seconds from now.
        @discardableResult
        func publish(count: Int, generated: TimeInterval, signed: TimeInterval, pki: TestPKI = EDCAgentSyncTests.pki, denomination: String = "Opérateur") throws -> Data {
            let bytes = Data(try EDCAgentSyncTests.list(count: count, generated: generated, signed: signed, pki: pki, denomination: denomination))
            try bytes.write(to: source, options: .atomic)  // a running `sync --interval` never reads half a file
            return bytes
        }

        func sync(_ extra: [String] = [], url: String? = nil) throws -> ProcessRunner.Result {
            try ProcessRunner.run(try BuiltProduct.url("edc-agent"), ["sync", "--url", url ?? source.absoluteString,
                "--signer-cert", path(TestPKI.FileName.signer).path, "--state-dir", state.path, "--once"] + extra)
        }

        func agent(_ arguments: [String]) throws -> ProcessRunner.Result {
            try ProcessRunner.run(try BuiltProduct.url("edc-agent"), arguments + ["--state-dir", state.path])
        }
    }

    static func list(count: Int, generated: TimeInterval, signed: TimeInterval, pki: TestPKI = pki, denomination: String = "Opérateur") throws -> [UInt8] {
        let entries = (1...count).map { number in
            WhitelistEntry(
                identifiant: String(number), db: "db1.\(number).mesimagesmedicales.fr", vi: "vi1.\(number).mesimagesmedicales.fr",
                denomination: "\(denomination) \(number), Côte-d'Or",
                certificateDN: "CN=db1.\(number).mesimagesmedicales.fr,OU=318751275100020,O=OPERATEUR \(number),ST=Paris (75),C=FR")
        }
        return try WhitelistSigner(identity: pki.signingIdentity)
            .sign(WhitelistDocument(generatedAt: now.addingTimeInterval(generated), entries: entries), signingTime: now.addingTimeInterval(signed))
    }

    @Test("a list is installed with peers.json and state.json; the same list again is current; a newer one replaces it")
    func installAndUpdate() throws {
        let workspace = try Workspace()
        let first = try workspace.publish(count: 2, generated: -7200, signed: -3600)
        let installed = try workspace.sync()
        #expect(installed.status == 0, "\(installed.output)")
        #expect(installed.standardOutput.contains("INSTALLED: 2 entries"))
        #expect(workspace.installed == first)
        #expect(workspace.peers["listSHA256"] as? String == StateSHA.of(first))
        #expect((workspace.peers["entries"] as? [[String: Any]])?.map { $0["db"] as? String } == ["db1.1.mesimagesmedicales.fr", "db1.2.mesimagesmedicales.fr"])

        let again = try workspace.sync()
        #expect(again.status == 0 && again.standardOutput.contains("CURRENT"), "\(again.output)")

        // Same generation date, signed later: a newer version (as ANS publishes them).
        let second = try workspace.publish(count: 3, generated: -7200, signed: -60)
        let updated = try workspace.sync()
        #expect(updated.status == 0 && updated.standardOutput.contains("INSTALLED: 3 entries"), "\(updated.output)")
        #expect(workspace.installed == second)

        let status = try workspace.agent(["status", "--json"])
        #expect(status.status == 0, "\(status.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        #expect(json["installed"] as? Bool == true)
        #expect(json["entryCount"] as? Int == 3)
        #expect(json["stale"] as? Bool == false)

        // A list signed longer ago than --max-signing-age is stale even when the source answers.
        let old = try workspace.sync(["--max-signing-age", "0"])
        #expect(old.status == 4 && old.standardError.contains("STALE: the installed list was signed"), "\(old.output)")
        #expect(workspace.installed == second)
    }

    @Test("a rollback, a conflicting list, a tampered list, a foreign signer, an oversized or missing source change nothing")
    func badListsChangeNothing() throws {
        let workspace = try Workspace()
        let good = try workspace.publish(count: 2, generated: -3600, signed: -600)
        #expect(try workspace.sync().status == 0)
        let peersBefore = try Data(contentsOf: workspace.state.appendingPathComponent("peers.json"))

        func expectUnchanged(_ result: ProcessRunner.Result, status: Int32, _ text: String, _ comment: Comment) throws {
            #expect(result.status == status, "\(comment): \(result.output)")
            #expect(result.standardError.contains(text), "\(comment): \(result.output)")
            #expect(workspace.installed == good, comment)
            #expect(try Data(contentsOf: workspace.state.appendingPathComponent("peers.json")) == peersBefore, comment)
        }

        try workspace.publish(count: 2, generated: -7200, signed: -300)
        try expectUnchanged(try workspace.sync(), status: 1, "sync.rollback", "older generation date")
        try workspace.publish(count: 2, generated: -3600, signed: -900)
        try expectUnchanged(try workspace.sync(), status: 1, "sync.rollback", "same generation date, signed earlier")
        try workspace.publish(count: 2, generated: -3600, signed: -600, denomination: "Autre")
        try expectUnchanged(try workspace.sync(), status: 1, "sync.conflicting_content", "same dates, other content")

        var tampered = try #require(String(data: try workspace.publish(count: 3, generated: 0, signed: 0), encoding: .utf8))
        tampered = tampered.replacingOccurrences(of: "db1.3.mesimagesmedicales.fr</db>", with: "db1.3.attaquant.example</db>")
        try Data(tampered.utf8).write(to: workspace.source)
        try expectUnchanged(try workspace.sync(), status: 1, "REFUSED", "tampered")

        try workspace.publish(count: 3, generated: 0, signed: 0, pki: EDCAgentSyncTests.foreign)
        try expectUnchanged(try workspace.sync(), status: 1, "REFUSED", "signed by another key")

        try workspace.publish(count: 3, generated: 0, signed: 0)
        try expectUnchanged(try workspace.sync(["--max-size", "2000"]), status: 1, "document.too_large", "oversized")

        try expectUnchanged(try workspace.sync(url: workspace.path("missing.xml").absoluteString), status: 3, "UNREACHABLE", "missing source")
        // No successful check within --max-age: the installed list is reported stale.
        try expectUnchanged(try workspace.sync(["--max-age", "0"], url: workspace.path("missing.xml").absoluteString), status: 4, "STALE", "stale")
        #expect(try workspace.agent(["status", "--max-age", "0"]).status == 4)
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: workspace.state.appendingPathComponent("state.json"))) as? [String: Any])
        #expect((state["lastError"] as? String)?.contains("UNREACHABLE") == true)
    }

    @Test("a run stopped after the list was renamed but before the state was written is completed by the next run")
    func interruptedInstall() throws {
        let workspace = try Workspace()
        try workspace.publish(count: 1, generated: -3600, signed: -600)
        #expect(try workspace.sync().status == 0)
        // What a kill between the renames leaves: the new list in place, peers.json and state.json of the old one.
        let newer = try workspace.publish(count: 2, generated: -3600, signed: -60)
        try newer.write(to: workspace.state.appendingPathComponent("liste-blanche.xml"))
        #expect(try workspace.agent(["status"]).status == 2)  // the state does not describe the installed file
        #expect(try workspace.agent(["check-url", "https://db1.2.mesimagesmedicales.fr/"]).status == 2)

        let repaired = try workspace.sync()
        #expect(repaired.status == 0 && repaired.standardOutput.contains("CURRENT"), "\(repaired.output)")
        #expect(workspace.peers["listSHA256"] as? String == StateSHA.of(newer))
        #expect(try workspace.agent(["check-url", "https://db1.2.mesimagesmedicales.fr/"]).status == 0)
        // And the older list it replaced is now a rollback.
        try Data(EDCAgentSyncTests.list(count: 1, generated: -3600, signed: -600)).write(to: workspace.source)
        #expect(try workspace.sync().status == 1)
    }

    @Test("--interval keeps checking: a list published while it runs is installed by a later round, without restarting it")
    func interval() throws {
        let workspace = try Workspace()
        try workspace.publish(count: 1, generated: -3600, signed: -600)
        let agent = try LineProcess(try BuiltProduct.url("edc-agent"), ["sync", "--url", workspace.source.absoluteString,
            "--signer-cert", workspace.path(TestPKI.FileName.signer).path, "--state-dir", workspace.state.path, "--interval", "1"])
        defer { agent.stop() }
        let first = try agent.readLine()
        #expect(first?.contains("INSTALLED: 1 entries") == true, "\(first ?? "no output")")

        let newer = try workspace.publish(count: 2, generated: -3600, signed: -60)
        // Rounds that find the same list say CURRENT; the one after the publication installs it.
        let second = try agent.readLine { !$0.contains("CURRENT") }
        #expect(second?.contains("INSTALLED: 2 entries") == true, "\(second ?? "no output")")
        #expect(workspace.installed == newer)
        #expect(agent.process.isRunning)
    }

    @Test("a sync killed at any point leaves a complete, verified list and consistent peers; the next run completes the work", arguments: [
        "before-download", "after-download", "before-rename", "between-renames", "after-rename",
    ])
    func killedSync(point: String) throws {
        let workspace = try Workspace()
        let old = try workspace.publish(count: 1, generated: -3600, signed: -600)
        #expect(try workspace.sync().status == 0)
        let new = try workspace.publish(count: 2, generated: -3600, signed: -60)

        let killed = try ProcessRunner.run(try BuiltProduct.url("edc-agent"), ["sync", "--url", workspace.source.absoluteString,
            "--signer-cert", workspace.path(TestPKI.FileName.signer).path, "--state-dir", workspace.state.path, "--once"],
            environment: ProcessInfo.processInfo.environment.merging(["EDC_AGENT_FAULT_KILL_AT": point]) { $1 })
        #expect(killed.signal == SIGKILL, "\(point): \(killed.output)")

        // Whatever the point: the installed list is the old one or the new one, whole and valid.
        let installed = try #require(workspace.installed)
        #expect(installed == old || installed == new, "\(point)")
        let verify = try ProcessRunner.run(try BuiltProduct.url("edc-agent"), ["verify", workspace.state.appendingPathComponent("liste-blanche.xml").path,
            "--signer-cert", workspace.path(TestPKI.FileName.signer).path])
        #expect(verify.status == 0, "\(point): \(verify.output)")
        // peers.json is used only when it names the installed list: check-url answers from it or refuses (2).
        let check = try workspace.agent(["check-url", "https://db1.1.mesimagesmedicales.fr/"])
        #expect(check.status == 0 || (check.status == 2 && workspace.peers["listSHA256"] as? String != StateSHA.of(installed)), "\(point): \(check.output)")

        let next = try workspace.sync()
        #expect(next.status == 0, "\(point): \(next.output)")
        #expect(workspace.installed == new, "\(point)")
        #expect(workspace.peers["listSHA256"] as? String == StateSHA.of(new), "\(point)")
        #expect(try workspace.agent(["status"]).status == 0, "\(point)")
        #expect(try workspace.agent(["check-url", "https://db1.2.mesimagesmedicales.fr/"]).status == 0, "\(point)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.state.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(point): \(leftovers)")
    }

    @Test("check-url accepts only the listed db FQDNs, whatever the URL's port, path, case or trailing dot", arguments: [
        ("https://db1.1.mesimagesmedicales.fr/wado?studyUID=1.2.3", Int32(0)),
        ("https://DB1.2.MesImagesMedicales.fr.:8443/x", 0),
        ("http://db1.1.mesimagesmedicales.fr/", 1),
        ("https://vi1.1.mesimagesmedicales.fr/", 1),
        ("https://db1.9.mesimagesmedicales.fr/", 1),
        ("https://db1.1.mesimagesmedicales.fr@attaquant.example/", 1),
        ("https://db1.1.mesimagesmedicales.fr.attaquant.example/", 1),
        ("ftp://db1.1.mesimagesmedicales.fr/", 1),
        ("not a url", 1),
    ])
    func checkURL(url: String, expected: Int32) throws {
        let workspace = try Workspace()
        try workspace.publish(count: 2, generated: -3600, signed: -600)
        #expect(try workspace.sync().status == 0)
        let result = try workspace.agent(["check-url", url])
        #expect(result.status == expected, "\(url): \(result.output)")
    }

    @Test("over HTTP: a conditional download answered 304 keeps the list current; a cut download or an error status changes nothing")
    func http() throws {
        let workspace = try Workspace()
        let good = try workspace.publish(count: 2, generated: -3600, signed: -600)
        let server = try ListServer(file: workspace.source)
        defer { server.stop() }

        let first = try workspace.sync(url: server.url("/liste-blanche.xml"))
        #expect(first.status == 0 && first.standardOutput.contains("INSTALLED"), "\(first.output)")
        let second = try workspace.sync(url: server.url("/liste-blanche.xml"))
        #expect(second.status == 0 && second.standardOutput.contains("not modified"), "\(second.output)")
        #expect(server.requests().last?.contains("if-none-match") == true)

        for path in ["/truncated", "/error"] {
            try workspace.publish(count: 3, generated: 0, signed: 0)
            let result = try workspace.sync(url: server.url(path))
            #expect(result.status == 3, "\(path): \(result.output)")
            #expect(workspace.installed == good, "\(path)")
        }
        let newer = try workspace.publish(count: 3, generated: 0, signed: 0)
        #expect(try workspace.sync(url: server.url("/liste-blanche.xml")).status == 0)
        #expect(workspace.installed == newer)
    }
}

/// The SHA-256 (hex) that `sync` records for a list.
enum StateSHA {
    static func of(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

/// A local HTTP server (python3) serving one file with an ETag and 304 answers, plus `/truncated`
/// (announces more bytes than it sends, then closes) and `/error` (503). Prints its port and pid when ready.
final class ListServer {
    let process = Process()
    let port: Int
    /// The python process itself (`python3` may be a wrapper script that starts it).
    let serverPID: Int32
    let log: URL

    init(file: URL) throws {
        log = file.deletingLastPathComponent().appendingPathComponent("server-requests.log")
        let script = #"""
        import hashlib, http.server, sys
        path, log = sys.argv[1], sys.argv[2]
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass
            def do_GET(self):
                with open(log, "a") as f: f.write(self.path + " " + " ".join(k.lower() for k in self.headers.keys()) + "\n")
                body = open(path, "rb").read()
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                if self.path == "/error":
                    self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers(); return
                if self.path == "/truncated":
                    self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                    self.wfile.write(body[: len(body) // 2]); self.wfile.flush(); self.close_connection = True; return
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304); self.send_header("ETag", etag); self.end_headers(); return
                self.send_response(200); self.send_header("ETag", etag); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        import os
        print(server.server_address[1], os.getpid(), flush=True)
        server.serve_forever()
        """#
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path, log.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The first line is the port, printed once the socket listens.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        let fields = String(decoding: line, as: UTF8.self).split(separator: " ").compactMap { Int32($0) }
        guard fields.count == 2 else { process.terminate(); throw SyncTestError("the HTTP server did not start") }
        port = Int(fields[0])
        serverPID = fields[1]
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
    func requests() -> [String] { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    func stop() {
        kill(serverPID, SIGKILL)
        process.waitUntilExit()
    }
}

struct SyncTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
