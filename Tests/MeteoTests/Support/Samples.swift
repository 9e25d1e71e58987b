import EDCDomain
import Foundation
import Meteo

/// Synthetic probe results for the status-model tests (no network).
enum Samples {
    enum Look { case up, degraded, down }

    static func target(_ drimbox: Int, pacs: Int = 1) -> ProbeTarget {
        ProbeTarget(
            drimbox: drimbox,
            pair: FQDNPair(pacsIndex: pacs, db: try! FQDN("db\(pacs).\(drimbox).meteo.test"), viewer: try! FQDN("vi\(pacs).\(drimbox).meteo.test")),
            listedDN: nil
        )
    }

    static func result(_ target: ProbeTarget, _ look: Look, at date: Date, certificateNotAfter: Date? = nil) -> PairProbeResult {
        let outcome: ProbeResult.Outcome = switch look {
        case .up: .health(HealthAnswer(state: .up), httpStatus: 200)
        case .degraded: .health(HealthAnswer(state: .down, checks: [.init(name: "PACS 1", state: .up), .init(name: "PACS 2", state: .down)]), httpStatus: 503)
        case .down: .failed(.connectionRefused)
        }
        let certificate = certificateNotAfter.map {
            ServerCertificate(subject: "CN=\(target.pair.db)", issuer: "CN=TEST", notBefore: $0.addingTimeInterval(-365 * 86_400), notAfter: $0, dnsNames: [target.pair.db.value], matchesListedDN: nil)
        }
        let started = date.addingTimeInterval(-0.2)
        return PairProbeResult(
            target: target,
            db: ProbeResult(kind: .db, host: target.pair.db.value, address: "127.0.0.1:443", startedAt: started, duration: 0.1, outcome: outcome, certificate: certificate),
            vi: ProbeResult(kind: .vi, host: target.pair.viewer.value, address: "127.0.0.1:443", startedAt: started, duration: 0.1, outcome: .answered(httpStatus: 200), certificate: nil)
        )
    }

    static func verdict(_ look: Look) -> PairVerdict {
        result(target(1), look, at: Date(timeIntervalSince1970: 0)).verdict
    }

    /// 2025-06-02 08:00:00 UTC, a Monday far from any DST change.
    static let june = Date(timeIntervalSince1970: 1_748_851_200)

    static func utc(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }
}
