import EDCDomain
import Foundation
import Meteo
import Testing

/// The prober against real HTTPS servers on 127.0.0.1, one per case. The probe sends SNI and
/// `Host` for the FQDN and verifies the certificate for it; `EDC_METEO_RESOLVE`-style mapping sends
/// the connection to the test server.
@Suite("Probe against real HTTPS servers")
struct ProbeTests {
    static let db = "db1.1.meteo.test"
    static let vi = "vi1.1.meteo.test"
    static let listedDN = "CN=db1.1.meteo.test,OU=318751275100020,O=\(TestCA.organization),C=FR"

    let ca: TestCA

    init() throws {
        ca = try TestCA()
    }

    var target: ProbeTarget {
        get throws {
            ProbeTarget(
                drimbox: 1,
                pair: FQDNPair(pacsIndex: 1, db: try FQDN(Self.db), viewer: try FQDN(Self.vi)),
                listedDN: try EDCDomain.DistinguishedName(Self.listedDN)
            )
        }
    }

    func serverCertificate(notBefore: Date = Date().addingTimeInterval(-3600), notAfter: Date = Date().addingTimeInterval(200 * 86_400)) throws -> IssuedCertificate {
        try ca.issue(commonName: Self.db, dnsNames: [Self.db, Self.vi], notBefore: notBefore, notAfter: notAfter)
    }

    func prober(
        resolve: String, deadline: TimeInterval = 5, trust: TestCA? = nil, clientIdentity: ClientIdentity? = nil
    ) throws -> Prober {
        try Prober(configuration: ProbeConfiguration(
            deadline: deadline,
            trust: TrustRoots(certificates: [(trust ?? ca).certificate]),
            clientIdentity: clientIdentity,
            resolve: try ResolveMap(resolve)
        ))
    }

    func both(_ port: Int) -> String { "\(Self.db)=127.0.0.1:\(port),\(Self.vi)=127.0.0.1:\(port)" }

    static func health(_ status: String, _ checks: [(String, String)]) -> String {
        let list = checks.map { #"{"name":"\#($0.0)","status":"\#($0.1)","data":{}}"# }.joined(separator: ",")
        return #"{"status":"\#(status)","checks":[\#(list)]}"#
    }

    /// Serves `healthReply` on /q/health and 200 elsewhere; probes the pair; stops the server.
    func probe(
        certificate: IssuedCertificate? = nil, deadline: TimeInterval = 5,
        healthReply: TestHTTPSServer.Reply
    ) async throws -> (PairProbeResult, TestHTTPSServer) {
        let server = try await TestHTTPSServer.start(serving: certificate ?? serverCertificate()) { path in
            path == "/q/health" ? healthReply : .respond(status: 200, body: "<html>viewer</html>", contentType: "text/html")
        }
        let result = await try prober(resolve: both(server.port), deadline: deadline).probe(target)
        try await server.stop()
        return (result, server)
    }

    @Test("UP: operational, certificate recorded, SNI and Host are the FQDNs (wildcard mapping)")
    func up() async throws {
        let certificate = try serverCertificate()
        let server = try await TestHTTPSServer.start(serving: certificate) { path in
            path == "/q/health" ? .respond(status: 200, body: Self.health("UP", [("PACS 1", "UP")])) : .respond(status: 404, body: "not here", contentType: "text/plain")
        }
        let result = await try prober(resolve: "*.meteo.test=127.0.0.1:\(server.port)").probe(target)
        try await server.stop()

        #expect(result.verdict == PairVerdict(status: .operational, cause: nil))
        #expect(result.db.outcome == .health(HealthAnswer(state: .up, checks: [.init(name: "PACS 1", state: .up)]), httpStatus: 200))
        #expect(result.vi.outcome == .answered(httpStatus: 404))
        #expect(result.db.address == "127.0.0.1:\(server.port)")
        let seen = try #require(result.db.certificate)
        #expect(seen.matchesListedDN == true)
        #expect(seen.subject == Self.listedDN)
        #expect(abs(seen.notAfter.timeIntervalSince(certificate.certificate.notValidAfter)) < 1)
        #expect(seen.dnsNames == [Self.db, Self.vi])
        #expect(result.vi.certificate?.matchesListedDN == nil)
        #expect(Set(server.seenSNI) == [Self.db, Self.vi])
        #expect(Set(server.seenHosts) == [Self.db, Self.vi])
    }

    @Test("DOWN on one PACS (checks[]): degraded, the failing check named")
    func downOnOnePACS() async throws {
        let body = Self.health("DOWN", [("PACS 1", "UP"), ("PACS 2", "DOWN")])
        let (result, _) = try await probe(healthReply: .respond(status: 503, body: body))
        #expect(result.verdict == PairVerdict(status: .degraded, cause: PairCause(kind: .db, cause: .healthPartiallyDown(failingChecks: ["PACS 2"]))))
    }

    @Test("503 with a health body (older outcome/state form): down, health DOWN")
    func serviceUnavailableWithHealthBody() async throws {
        let body = #"{"outcome":"DOWN","checks":[{"name":"PACS 1","state":"DOWN"}]}"#
        let (result, _) = try await probe(healthReply: .respond(status: 503, body: body))
        #expect(result.verdict == PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .healthDown(failingChecks: ["PACS 1"]))))
        if case .health(_, let status) = result.db.outcome { #expect(status == 503) } else { Issue.record("not a health answer: \(result.db.outcome)") }
    }

    @Test("503 without a health body: down, HTTP status")
    func serviceUnavailableWithoutHealthBody() async throws {
        let (result, _) = try await probe(healthReply: .respond(status: 503, body: "<html>Service Unavailable</html>", contentType: "text/html"))
        #expect(result.verdict == PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .failure(.httpStatus(503)))))
    }

    @Test("garbage body: down, unreadable body")
    func garbageBody() async throws {
        let (result, _) = try await probe(healthReply: .respond(status: 200, body: "<html>It works!</html>", contentType: "text/html"))
        #expect(result.verdict.status == .down)
        #expect(result.verdict.cause?.code == "db.unreadable_body")
    }

    @Test("a body beyond the size limit is not read: down, unreadable body")
    func oversizedBody() async throws {
        let body = #"{"status":"UP","pad":""# + String(repeating: "x", count: HealthAnswer.maximumBodySize) + #""}"#
        let (result, _) = try await probe(healthReply: .respond(status: 200, body: body))
        #expect(result.verdict.status == .down)
        #expect(result.db.failure == .unreadableBody(detail: "body larger than \(HealthAnswer.maximumBodySize) bytes"))
    }

    @Test("slow beyond the deadline: down, timeout (no answer ever came)")
    func slow() async throws {
        // The answer is held until the server stops, so the deadline is what ends the probe. On
        // a loaded machine the handshake itself may outlast the deadline: then the timeout says
        // so (stage tlsHandshake); either way the probe is down for a timeout, never a success.
        let deadline = 1.5
        let (result, _) = try await probe(deadline: deadline, healthReply: .hold)
        #expect(result.verdict.status == .down)
        guard case .failure(.timeout(let stage))? = result.verdict.cause?.cause, result.verdict.cause?.kind == .db else {
            Issue.record("expected a db timeout, got \(String(describing: result.verdict.cause))")
            return
        }
        #expect(stage == .waitingForAnswer || stage == .tlsHandshake, "stage \(stage)")
        // A held answer cannot end the probe before its deadline.
        #expect(result.db.duration >= deadline * 0.9)
        if stage == .waitingForAnswer {
            // The handshake was done: the certificate is known even though the answer never came.
            #expect(result.db.certificate?.matchesListedDN == true)
        }
    }

    @Test("wrong certificate name: down, TLS wrong name")
    func wrongName() async throws {
        let other = try ca.issue(commonName: "other.meteo.test", dnsNames: ["other.meteo.test"])
        let (result, _) = try await probe(certificate: other, healthReply: .respond(status: 200, body: Self.health("UP", [])))
        #expect(result.verdict == PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .failure(.tls(.wrongName(presented: ["other.meteo.test"]))))))
        #expect(result.vi.failure == .tls(.wrongName(presented: ["other.meteo.test"])))
    }

    @Test("expired certificate: down, TLS expired with its date")
    func expired() async throws {
        let notAfter = Date().addingTimeInterval(-86_400)
        let certificate = try serverCertificate(notBefore: Date().addingTimeInterval(-90 * 86_400), notAfter: notAfter)
        let (result, _) = try await probe(certificate: certificate, healthReply: .respond(status: 200, body: Self.health("UP", [])))
        #expect(result.verdict.status == .down)
        guard case .failure(.tls(.certificateExpired(let date)))? = result.verdict.cause?.cause else {
            Issue.record("expected an expired certificate, got \(String(describing: result.verdict.cause))")
            return
        }
        #expect(abs(date.timeIntervalSince(certificate.certificate.notValidAfter)) < 1)
        #expect(result.db.certificate?.notAfter == date)
    }

    @Test("unknown CA: down, TLS unknown CA")
    func unknownAuthority() async throws {
        let stranger = try TestCA(commonName: "TEST AUTRE AC")
        let certificate = try stranger.issue(commonName: Self.db, dnsNames: [Self.db, Self.vi])
        let (result, _) = try await probe(certificate: certificate, healthReply: .respond(status: 200, body: Self.health("UP", [])))
        #expect(result.verdict.status == .down)
        #expect(result.verdict.cause?.code == "db.tls_unknown_ca")
    }

    @Test("certificate DN not the listed one: degraded, subject mismatch")
    func subjectNotListed() async throws {
        let certificate = try ca.issue(commonName: Self.db, organization: "Autre opérateur", dnsNames: [Self.db, Self.vi])
        let (result, _) = try await probe(certificate: certificate, healthReply: .respond(status: 200, body: Self.health("UP", [])))
        let presented = "CN=db1.1.meteo.test,OU=318751275100020,O=Autre opérateur,C=FR"
        #expect(result.verdict == PairVerdict(status: .degraded, cause: PairCause(kind: .db, cause: .certificateSubjectMismatch(presented: presented, listed: Self.listedDN))))
        #expect(result.db.certificate?.matchesListedDN == false)
    }

    @Test("connection refused: down, connection refused")
    func connectionRefused() async throws {
        let port = try await TestHTTPSServer.closedPort()
        let result = await try prober(resolve: both(port)).probe(target)
        #expect(result.verdict == PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .failure(.connectionRefused))))
        #expect(result.db.certificate == nil)
    }

    @Test("unknown host (DNS, nothing mapped): down, DNS failure")
    func unknownHost() async throws {
        let nowhere = ProbeTarget(
            drimbox: 9,
            pair: FQDNPair(pacsIndex: 1, db: try FQDN("db1.9.nowhere.invalid"), viewer: try FQDN("vi1.9.nowhere.invalid")),
            listedDN: nil
        )
        let result = await try prober(resolve: "").probe(nowhere)
        #expect(result.verdict.status == .down)
        #expect(result.verdict.cause?.code == "db.dns")
        #expect(result.vi.failure?.code == "dns")
    }

    @Test("viewer unreachable while the DRIMbox answers: degraded, cause on vi")
    func viewerDown() async throws {
        let server = try await TestHTTPSServer.start(serving: try serverCertificate())
        let closed = try await TestHTTPSServer.closedPort()
        let result = await try prober(resolve: "\(Self.db)=127.0.0.1:\(server.port),\(Self.vi)=127.0.0.1:\(closed)").probe(target)
        try await server.stop()
        #expect(result.verdict == PairVerdict(status: .degraded, cause: PairCause(kind: .vi, cause: .failure(.connectionRefused))))
    }

    @Test("mutual TLS: refused without a client certificate, operational with one")
    func clientCertificate() async throws {
        let clientCA = try TestCA(commonName: "TEST EDC CLIENTS")
        let client = try clientCA.issue(commonName: "meteo.edc.test", dnsNames: ["meteo.edc.test"])
        let server = try await TestHTTPSServer.start(serving: try serverCertificate(), requireClientCertificateFrom: clientCA)
        let without = await try prober(resolve: both(server.port)).probe(target)
        let identity = try ClientIdentity(certificateChainPEM: client.pem, privateKeyPEM: client.keyPEM)
        let with = await try prober(resolve: both(server.port), clientIdentity: identity).probe(target)
        try await server.stop()

        #expect(without.verdict.status == .down)
        #expect(without.verdict.cause?.code == "db.tls_handshake")
        if case .tls(.handshake(let detail))? = without.db.failure { #expect(detail.contains("certificate required")) }
        #expect(with.verdict == PairVerdict(status: .operational, cause: nil))
    }
}
