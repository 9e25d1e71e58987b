import EDCTestSupport
import Foundation
import Testing
import Whitelist

/// The example configuration of the vendor guide (`docs/nginx/edc-drimbox.conf`), run as it is
/// (only paths and ports moved into a temporary directory) by Debian's nginx, with a PKI shaped
/// like IGC-Santé (root, intermediate, CRLs of both) and a 10,000-entry list of long accented DNs.
@Suite("The vendor guide's nginx example configuration")
struct EDCAgentNginxExampleTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/nginx/edc-drimbox.conf")

    static let listedSubject = "/C=FR/ST=Côte-d'Or (21)/O=Groupement d'Imagerie Médicale, Dijon/OU=318751275100020/CN=db1.10001.mesimagesmedicales.fr"
    static let listedDN = #"CN=db1.10001.mesimagesmedicales.fr,OU=318751275100020,O=Groupement d'Imagerie Médicale\, Dijon,ST=Côte-d'Or (21),C=FR"#
    static let serverOnlySubject = "/C=FR/O=Clinique Sans Usage Client/OU=318751275100020/CN=db1.10002.mesimagesmedicales.fr"
    static let serverOnlyDN = "CN=db1.10002.mesimagesmedicales.fr,OU=318751275100020,O=Clinique Sans Usage Client,C=FR"

    /// 10,000 DRIMboxes with DNs of about 170 characters (over 200 as nginx writes them, accented
    /// letters as \XX bytes), then the two peers the test connects as.
    static func entries() -> [WhitelistEntry] {
        let generated = (1...10_000).map { number in
            WhitelistEntry(
                identifiant: String(number), db: "db1.\(number).mesimagesmedicales.fr", vi: "vi1.\(number).mesimagesmedicales.fr",
                denomination: "Groupement Hospitalier de Territoire n°\(number)",
                certificateDN: "CN=db1.\(number).mesimagesmedicales.fr,OU=318751275100020,O=Groupement Hospitalier de Territoire Côte-d'Or\\, Haute-Marne et Saône-et-Loire n°\(number),L=Dijon,ST=Côte-d'Or (21),C=FR")
        }
        return generated + [
            WhitelistEntry(identifiant: "10001", db: "db1.10001.mesimagesmedicales.fr", vi: "vi1.10001.mesimagesmedicales.fr", denomination: "Groupement d'Imagerie Médicale, Dijon", certificateDN: listedDN),
            WhitelistEntry(identifiant: "10002", db: "db1.10002.mesimagesmedicales.fr", vi: "vi1.10002.mesimagesmedicales.fr", denomination: "Clinique Sans Usage Client", certificateDN: serverOnlyDN),
        ]
    }

    @Test("nginx -t accepts the example with a 10,000-line map and no hash warning; a listed peer reaches the DRIMbox, others are refused, outbound calls go only to listed hosts")
    func exampleConfiguration() throws {
        let workspace = try EDCAgentSyncTests.Workspace()
        let directory = workspace.directory
        let edc = directory.appendingPathComponent("edc")
        let logs = directory.appendingPathComponent("logs")
        for folder in [edc, logs, workspace.state] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let path = { (name: String) in directory.appendingPathComponent(name).path }

        // IGC-Santé stand-in: root → intermediate → DRIMbox certificates, CRLs of both CAs.
        try OpenSSL.certificate("root", subject: "/C=FR/O=IGC-Santé TEST/CN=AC RACINE TEST (not IGC-Santé)", in: directory, extensions: OpenSSL.caExtensions)
        try OpenSSL.certificate("intermediate", subject: "/C=FR/O=IGC-Santé TEST/CN=AC ORGANISATIONS TEST", in: directory, issuer: "root", extensions: OpenSSL.caExtensions)
        let both = ["extendedKeyUsage=serverAuth,clientAuth"]
        try OpenSSL.certificate("db", subject: "/C=FR/O=Ma DRIMbox/CN=db1.example.mesimagesmedicales.fr", in: directory, issuer: "intermediate",
                                extensions: both + ["subjectAltName=DNS:db1.example.mesimagesmedicales.fr"])
        try OpenSSL.certificate("listed", subject: Self.listedSubject, in: directory, issuer: "intermediate", extensions: both)
        try OpenSSL.certificate("unlisted", subject: "/C=FR/O=Pas sur la liste, SA/CN=db1.99999.mesimagesmedicales.fr", in: directory, issuer: "intermediate", extensions: both)
        try OpenSSL.certificate("serveronly", subject: Self.serverOnlySubject, in: directory, issuer: "intermediate", extensions: ["extendedKeyUsage=serverAuth"])
        let now = Date()
        for ca in ["root", "intermediate"] {
            try OpenSSL.crl(caCertificate: path("\(ca).pem"), caKey: path("\(ca).key"), lastUpdate: OpenSSL.date(now.addingTimeInterval(-3600)),
                            nextUpdate: OpenSSL.date(now.addingTimeInterval(7 * 86_400)), output: path("\(ca).crl.pem"), work: directory.appendingPathComponent("ca-\(ca)"))
        }
        func concatenate(_ names: [String], into file: String) throws {
            try Data(try names.flatMap { Array(try Data(contentsOf: directory.appendingPathComponent($0))) }).write(to: edc.appendingPathComponent(file))
        }
        try concatenate(["db.pem", "intermediate.pem"], into: "db.chain.pem")
        try concatenate(["db.key"], into: "db.key")
        try concatenate(["root.pem", "intermediate.pem"], into: "igc-sante-ca.pem")
        try concatenate(["root.crl.pem", "intermediate.crl.pem"], into: "igc-sante-crl.pem")

        // The example, moved into the directory: every replaced text must be in it.
        let inbound = try freePort(), outbound = try freePort(), drimbox = try freePort()
        var text = try String(contentsOf: Self.example, encoding: .utf8)
        for (original, replacement) in [
            ("user www-data;\n", "daemon off;\n"),
            ("/etc/nginx/edc/", edc.path + "/"),
            ("/var/lib/edc-agent/", workspace.state.path + "/"),
            ("/var/log/nginx/", logs.path + "/"),
            ("pid /run/nginx.pid;", "pid \(path("nginx.pid"));"),
            ("listen 443 ssl;", "listen 127.0.0.1:\(inbound) ssl;"),
            ("listen 127.0.0.1:8480;", "listen 127.0.0.1:\(outbound);"),
            ("proxy_pass http://127.0.0.1:8082;", "proxy_pass http://127.0.0.1:\(drimbox);"),
        ] {
            #expect(text.contains(original), "the example no longer contains \(original.debugDescription)")
            text = text.replacingOccurrences(of: original, with: replacement)
        }
        let conf = directory.appendingPathComponent("nginx.conf")
        try text.write(to: conf, atomically: true, encoding: .utf8)
        let nginx = NginxProcess(prefix: directory, conf: conf)

        // The agent writes both maps and checks them with nginx -t before keeping them.
        let list = try WhitelistSigner(identity: EDCAgentSyncTests.pki.signingIdentity)
            .sign(WhitelistDocument(generatedAt: now.addingTimeInterval(-60), entries: Self.entries()), signingTime: now.addingTimeInterval(-60))
        try Data(list).write(to: workspace.source)
        let synced = try workspace.sync([
            "--nginx-map", workspace.state.appendingPathComponent("nginx-peers.map").path,
            "--nginx-hosts", workspace.state.appendingPathComponent("nginx-hosts.map").path,
            "--nginx-test-command", "\(nginx.command) -t",
        ])
        #expect(synced.status == 0, "\(synced.output)")
        let peersMap = try String(contentsOf: workspace.state.appendingPathComponent("nginx-peers.map"), encoding: .utf8)
        #expect(peersMap.split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 10_002)
        let checked = try nginx.test()
        #expect(checked.status == 0, "\(checked.output)")
        #expect(checked.output.contains("test is successful"))
        #expect(!checked.output.contains("could not build"), "map hash sizes too small: \(checked.output)")

        func inboundStatus(_ certificate: String?) throws -> Int {
            let identity = certificate.map { ["--cert", path("\($0).pem"), "--key", path("\($0).key")] } ?? []
            let result = try ProcessRunner.runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", path("root.pem"),
                "--resolve", "db1.example.mesimagesmedicales.fr:\(inbound):127.0.0.1", "https://db1.example.mesimagesmedicales.fr:\(inbound)/api/source/studies/1/series/2"] + identity)
            return Int(result.standardOutput) ?? -1
        }
        try nginx.start { try inboundStatus(nil) > 0 }
        defer { nginx.stop() }

        // Listed: through the white list to the DRIMbox (not running here: 502 is nginx's proxy answer).
        #expect(try inboundStatus("listed") == 502)
        #expect(try inboundStatus("unlisted") == 403)
        #expect(try inboundStatus(nil) == 400)
        // Listed, issued like "listed" but with serverAuth only: OpenSSL's "SSL client" purpose
        // check refuses it before the list is looked at.
        #expect(try inboundStatus("serveronly") == 400)

        func outboundStatus(_ host: String) throws -> Int {
            let result = try ProcessRunner.runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(outbound)/\(host)/api/source/studies/1/series/2"])
            return Int(result.standardOutput) ?? -1
        }
        #expect(try outboundStatus("db1.99999.mesimagesmedicales.fr") == 403)
        #expect(try outboundStatus("attaquant.example") == 403)
        // A listed host is called (its name does not resolve here: nginx's 502, not the list's 403).
        #expect(try outboundStatus("db1.10001.mesimagesmedicales.fr") == 502)
    }
}
