import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// `edc-agent sync --nginx-map` in front of a real nginx (Debian's) doing mutual TLS on 127.0.0.1,
/// with an openssl CA standing in for IGC-Santé and peers whose organisation names carry accents,
/// an apostrophe and commas.
@Suite("edc-agent sync enforced by a real nginx")
struct EDCAgentNginxTests {
    /// A peer: its certificate subject as openssl's `-subj` takes it, and as the list writes it (RFC 4514).
    struct Peer {
        var name: String
        var subject: String
        var listDN: String
        var identifiant: String
    }

    static let peerA = Peer(
        name: "a", subject: "/C=FR/ST=Paris (75)/O=Opérateur Côte-d'Or, Nord/OU=318751275100020/CN=db1.1.mesimagesmedicales.fr",
        listDN: #"CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Opérateur Côte-d'Or\, Nord,ST=Paris (75),C=FR"#, identifiant: "1")
    static let peerB = Peer(
        name: "b", subject: "/C=FR/ST=Rhône (69)/O=Société d'Imagerie, Lyon/OU=318751275100020/CN=db1.2.mesimagesmedicales.fr",
        listDN: #"CN=db1.2.mesimagesmedicales.fr,OU=318751275100020,O=Société d'Imagerie\, Lyon,ST=Rhône (69),C=FR"#, identifiant: "2")

    final class Site {
        let workspace: EDCAgentSyncTests.Workspace
        let port: Int
        var directory: URL { workspace.directory }
        var map: URL { directory.appendingPathComponent("peers.map") }
        var conf: URL { directory.appendingPathComponent("nginx.conf") }
        var nginx: String { process.command }

        /// `serverCertificate`: the certificate nginx presents ("server": a self-signed localhost
        /// one; a peer's name: that peer's certificate, as a DRIMbox whose server and client
        /// certificates are one).
        init(serverCertificate: String = "server") throws {
            workspace = try EDCAgentSyncTests.Workspace()
            port = try freePort()
            let path = { (name: String) in self.directory.appendingPathComponent(name).path }
            try OpenSSL.certificate("ca", subject: "/C=FR/O=IGC-Santé TEST/CN=AC TEST (not IGC-Santé)", in: directory)
            try OpenSSL.certificate("server", subject: "/CN=localhost", in: directory)
            for peer in [EDCAgentNginxTests.peerA, EDCAgentNginxTests.peerB, Peer(name: "c", subject: "/C=FR/O=Inconnu, SA/CN=db1.3.mesimagesmedicales.fr", listDN: "", identifiant: "3")] {
                try OpenSSL.certificate(peer.name, subject: peer.subject, in: directory, issuer: "ca")
            }
            try """
                worker_processes 1;
                daemon off;
                pid \(path("nginx.pid"));
                error_log \(path("error.log")) notice;
                events {}
                http {
                    access_log off;
                    # Long DNs as keys: the default bucket size (64) cannot hold them.
                    map_hash_bucket_size 256;
                    map_hash_max_size 65536;
                    map $ssl_client_s_dn $edc_peer { default ""; include \(map.path); }
                    server {
                        listen 127.0.0.1:\(port) ssl;
                        ssl_certificate \(path("\(serverCertificate).pem"));
                        ssl_certificate_key \(path("\(serverCertificate).key"));
                        ssl_client_certificate \(path("ca.pem"));
                        ssl_verify_client on;
                        location / {
                            if ($edc_peer = "") { return 403; }
                            default_type text/plain;
                            return 200 "peer $edc_peer\\n";
                        }
                        # A large file, for a download in flight across a reload.
                        location = /big.bin {
                            if ($edc_peer = "") { return 403; }
                            root \(directory.path);
                        }
                    }
                }
                """.write(to: conf, atomically: true, encoding: .utf8)
        }

        func publish(_ peers: [Peer], generated: TimeInterval, signed: TimeInterval, pki: TestPKI = EDCAgentSyncTests.pki) throws {
            let entries = peers.map {
                WhitelistEntry(identifiant: $0.identifiant, db: "db1.\($0.identifiant).mesimagesmedicales.fr", vi: "vi1.\($0.identifiant).mesimagesmedicales.fr",
                               denomination: "Opérateur \($0.identifiant)", certificateDN: $0.listDN)
            }
            let bytes = try WhitelistSigner(identity: pki.signingIdentity)
                .sign(WhitelistDocument(generatedAt: EDCAgentSyncTests.now.addingTimeInterval(generated), entries: entries), signingTime: EDCAgentSyncTests.now.addingTimeInterval(signed))
            try Data(bytes).write(to: workspace.source, options: .atomic)
        }

        var hosts: URL { directory.appendingPathComponent("hosts.map") }

        func sync() throws -> ProcessRunner.Result {
            try workspace.sync(["--nginx-map", map.path, "--nginx-hosts", hosts.path, "--nginx-test-command", "\(nginx) -t", "--reload-command", "\(nginx) -s reload"])
        }

        private(set) lazy var process = NginxProcess(prefix: directory, conf: conf)

        /// Starts nginx and waits (bounded) until it answers.
        func start() throws {
            try process.start { let code = try status("c"); return code != -1 && code != 0 }
        }

        func stop() { process.stop() }

        /// The HTTP status nginx gives the peer's client certificate.
        func status(_ peer: String) throws -> Int {
            let path = { (name: String) in self.directory.appendingPathComponent(name).path }
            let result = try ProcessRunner.runTool("curl", ["-s", "-k", "--cert", path("\(peer).pem"), "--key", path("\(peer).key"),
                                                            "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/"])
            return Int(result.standardOutput) ?? -1
        }

        /// Waits (bounded, 10 s) until nginx's workers have taken the reloaded configuration: the
        /// reload signal returns before the new workers serve.
        func expectStatus(_ peer: String, _ expected: Int, _ comment: Comment) throws {
            let deadline = Date().addingTimeInterval(10)
            var last = try status(peer)
            while last != expected, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
                last = try status(peer)
            }
            #expect(last == expected, comment)
        }

        func subjectAsNginxPrintsIt(_ peer: String) throws -> String {
            let result = try ProcessRunner.runTool("openssl", ["x509", "-in", directory.appendingPathComponent("\(peer).pem").path, "-noout", "-subject", "-nameopt", "RFC2253"])
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "")
        }
    }

    @Test("listed peer 200, unlisted 403; a list adding a peer lets it in after sync, one removing it shuts it out; bad lists change neither the map nor nginx")
    func enforcement() throws {
        let site = try Site()
        // nginx runs with an empty map (nobody is let in) before the first list arrives.
        try Data().write(to: site.map)
        try site.start()
        defer { site.stop() }
        try site.expectStatus("a", 403, "A before any list")
        try site.publish([Self.peerA], generated: -3600, signed: -600)
        let first = try site.sync()
        #expect(first.status == 0 && first.standardOutput.contains("RELOADED"), "\(first.output)")

        // The map's keys are what OpenSSL (hence nginx) prints for these subjects: accents as \XX, commas escaped.
        let map = try String(contentsOf: site.map, encoding: .utf8)
        let printedA = try site.subjectAsNginxPrintsIt("a")
        #expect(printedA == #"CN=db1.1.mesimagesmedicales.fr,OU=318751275100020,O=Op\C3\A9rateur C\C3\B4te-d'Or\, Nord,ST=Paris (75),C=FR"#)
        #expect(map.contains(NginxQuoted.of(printedA) + " \"1\";"), "\(map)")

        try site.expectStatus("a", 200, "listed peer A")
        try site.expectStatus("b", 403, "B not listed yet")
        try site.expectStatus("c", 403, "C never listed")

        // A newer list adds B.
        try site.publish([Self.peerA, Self.peerB], generated: -3600, signed: -300)
        let added = try site.sync()
        #expect(added.status == 0 && added.standardOutput.contains("RELOADED"), "\(added.output)")
        #expect(try String(contentsOf: site.map, encoding: .utf8).contains(NginxQuoted.of(try site.subjectAsNginxPrintsIt("b"))))
        try site.expectStatus("b", 200, "B listed by the new list")
        // The hosts map lists the db FQDNs of the same list, for outgoing calls.
        let hosts = try String(contentsOf: site.hosts, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(hosts == [#""db1.1.mesimagesmedicales.fr" "1";"#, #""db1.2.mesimagesmedicales.fr" "2";"#])
        try site.expectStatus("a", 200, "A still listed")

        // Bad lists: nothing changes — not the installed list, not the maps, not nginx.
        let mapBefore = try Data(contentsOf: site.map)
        let hostsBefore = try Data(contentsOf: site.hosts)
        let installedBefore = try #require(site.workspace.installed)
        try site.publish([Self.peerA], generated: -7200, signed: -60)  // rollback (older generation)
        #expect(try site.sync().status == 1)
        var tampered = try String(contentsOf: site.workspace.source, encoding: .utf8)
        try site.publish([Self.peerA, Self.peerB], generated: 0, signed: 0)
        tampered = try String(contentsOf: site.workspace.source, encoding: .utf8).replacingOccurrences(of: "db1.2.mesimagesmedicales.fr</db>", with: "db1.2.attaquant.example</db>")
        try Data(tampered.utf8).write(to: site.workspace.source)
        #expect(try site.sync().status == 1)
        // (AsyncHTTPClient retries a refused connection until the deadline: a short one here.)
        #expect(try site.sync(url: "http://127.0.0.1:1/liste-blanche.xml", ["--timeout", "2"]).status == 3)
        try site.publish([Self.peerA, Self.peerB, Peer(name: "c", subject: "", listDN: "CN=db1.3.mesimagesmedicales.fr,OU=318751275100020,O=Inconnu\\, SA,C=FR", identifiant: "3")],
                         generated: 0, signed: 0, pki: EDCAgentSyncTests.foreign)  // signed by another key
        #expect(try site.sync().status == 1)
        try site.publish([Self.peerA, Self.peerB], generated: 0, signed: 0)  // a good list, served cut short or too large
        let server = try ListServer(file: site.workspace.source)
        defer { server.stop() }
        #expect(try site.sync(url: server.url("/truncated")).status == 3)
        #expect(try site.sync(url: server.url("/liste-blanche.xml"), ["--max-size", "1000"]).status == 1)
        #expect(site.workspace.installed == installedBefore)
        #expect(try Data(contentsOf: site.map) == mapBefore)
        #expect(try Data(contentsOf: site.hosts) == hostsBefore)
        try site.expectStatus("a", 200, "A after bad lists")
        try site.expectStatus("b", 200, "B after bad lists")
        try site.expectStatus("c", 403, "C, listed only by the list of another key")
        // A source that keeps failing for longer than --max-age: reported stale, and still nothing changes.
        let stale = try site.sync(url: "http://127.0.0.1:1/liste-blanche.xml", ["--timeout", "1", "--max-age", "0"])
        #expect(stale.status == 4 && stale.standardError.contains("STALE:"), "\(stale.output)")
        #expect(try Data(contentsOf: site.map) == mapBefore)
        try site.expectStatus("a", 200, "A while stale")

        // A newer list removes A.
        try site.publish([Self.peerB], generated: 0, signed: 60)
        #expect(try site.sync().status == 0)
        try site.expectStatus("a", 403, "A removed")
        try site.expectStatus("b", 200, "B still listed")
    }

    @Test("a sync killed before the reload leaves nginx as it was and the next sync reloads; a download in flight across the reload completes")
    func killedBeforeReloadAndConnectionKept() throws {
        let site = try Site()
        try Data().write(to: site.map)
        try site.start()
        defer { site.stop() }
        try site.publish([Self.peerA], generated: -3600, signed: -600)
        #expect(try site.sync().status == 0)
        try site.expectStatus("a", 200, "A listed")

        // A downloads 64 MiB and stops reading after the first bytes: the response is in flight.
        let size = 64 << 20
        try Data(count: size).write(to: site.directory.appendingPathComponent("big.bin"))
        let client = try LineProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.slowClient, "127.0.0.1", String(site.port),
            site.directory.appendingPathComponent("a.pem").path, site.directory.appendingPathComponent("a.key").path])
        defer { client.stop() }
        let started = try client.readLine()
        #expect(started == "STARTED 200 \(size)", "\(started ?? "no output")")

        // A list adding B; the run is killed after the maps are written and checked, before the reload.
        try site.publish([Self.peerA, Self.peerB], generated: -3600, signed: -60)
        let killed = try ProcessRunner.run(try BuiltProduct.url("edc-agent"), ["sync", "--url", site.workspace.source.absoluteString,
            "--signer-cert", site.workspace.path(TestPKI.FileName.signer).path, "--state-dir", site.workspace.state.path, "--once",
            "--nginx-map", site.map.path, "--nginx-test-command", "\(site.nginx) -t", "--reload-command", "\(site.nginx) -s reload"],
            environment: ProcessInfo.processInfo.environment.merging(["EDC_AGENT_FAULT_KILL_AT": "before-reload"]) { $1 })
        #expect(killed.signal == SIGKILL, "\(killed.output)")
        #expect(try String(contentsOf: site.map, encoding: .utf8).contains(Self.peerB.identifiant), "the new map is in place")
        #expect(try site.status("b") == 403, "not reloaded: nginx still serves the map it loaded")

        // The next run sees the map was never reloaded for the installed list, and reloads.
        let next = try site.sync()
        #expect(next.status == 0, "\(next.output)")
        #expect(next.standardOutput.contains("RELOADED"), "\(next.output)")
        try site.expectStatus("b", 200, "B after the reload")
        try site.expectStatus("a", 200, "A still listed")

        // The old worker finished the download it had started: every byte arrived on the same connection.
        client.send("go")
        let done = try client.readLine()
        #expect(done == "DONE \(size)", "\(done ?? "no output")")
    }

    /// Downloads /big.bin over mutual TLS, prints "STARTED <status> <length>" after the first
    /// bytes, waits for a line on its input, then reads the rest and prints "DONE <bytes read>".
    static let slowClient = #"""
        import socket, ssl, sys
        host, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.load_cert_chain(cert, key)
        connection = context.wrap_socket(socket.create_connection((host, port), timeout=60))
        connection.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk: break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")), -1)
        print("STARTED", lines[0].split(" ")[1], length, flush=True)
        sys.stdin.readline()
        received = len(body)
        while received < length:
            chunk = connection.recv(1 << 20)
            if not chunk: break
            received += len(chunk)
        print("DONE", received, flush=True)
        """#

    @Test("check-peer: the listed DN with a verifying chain exits 0; another DN, an unknown CA, an unlisted FQDN or a closed port do not")
    func checkPeer() throws {
        let site = try Site(serverCertificate: "a")
        try Data().write(to: site.map)
        try site.start()
        defer { site.stop() }
        try site.publish([Self.peerA, Self.peerB], generated: 0, signed: 0)
        let synced = try site.sync()
        #expect(synced.status == 0, "\(synced.output)")
        let ca = site.directory.appendingPathComponent("ca.pem").path
        func checkPeer(_ fqdn: String, port: Int? = nil, _ extra: [String] = ["--ca-file", ca]) throws -> ProcessRunner.Result {
            try AgentProcess.run(["check-peer", fqdn, "--state-dir", site.workspace.state.path, "--connect-to", "127.0.0.1", "--port", String(port ?? site.port), "--timeout", "5"] + extra)
        }

        let listed = try checkPeer("db1.1.mesimagesmedicales.fr")
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.standardOutput.contains("certificate subject: \(Self.peerA.listDN)"))
        #expect(listed.standardOutput.contains("subject: MATCHES the listed DN"))
        #expect(listed.standardOutput.contains("chain: VERIFIES for db1.1.mesimagesmedicales.fr"))

        // Peer B's name, answered by a server presenting peer A's certificate.
        let other = try checkPeer("db1.2.mesimagesmedicales.fr")
        #expect(other.status == 1, "\(other.output)")
        #expect(other.standardOutput.contains("subject: DIFFERS from the listed DN"))
        #expect(other.standardOutput.contains("chain: FAILS"))
        #expect(other.standardError.contains("MISMATCH: db1.2.mesimagesmedicales.fr presents another subject than the listed DN and has a chain that does not verify"))

        // The test CA is not among the system's roots.
        let systemRoots = try checkPeer("db1.1.mesimagesmedicales.fr", [])
        #expect(systemRoots.status == 1, "\(systemRoots.output)")
        #expect(systemRoots.standardOutput.contains("subject: MATCHES the listed DN"))
        #expect(systemRoots.standardOutput.contains("chain: FAILS"))

        let unlisted = try checkPeer("db1.3.mesimagesmedicales.fr")
        #expect(unlisted.status == 1, "\(unlisted.output)")
        #expect(unlisted.standardError.contains("NOT LISTED: db1.3.mesimagesmedicales.fr"))

        let closed = try checkPeer("db1.1.mesimagesmedicales.fr", port: try freePort())
        #expect(closed.status == 3, "\(closed.output)")
        #expect(closed.standardError.hasPrefix("UNREACHABLE: db1.1.mesimagesmedicales.fr:"))
    }
}

extension EDCAgentNginxTests.Site {
    func sync(url: String, _ extra: [String] = []) throws -> ProcessRunner.Result {
        try workspace.sync(["--nginx-map", map.path, "--nginx-test-command", "\(nginx) -t", "--reload-command", "\(nginx) -s reload"] + extra, url: url)
    }
}

/// How the agent writes a key in the map: an nginx quoted string.
enum NginxQuoted {
    static func of(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// An unused TCP port on 127.0.0.1.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw SyncTestError("socket failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw SyncTestError("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
