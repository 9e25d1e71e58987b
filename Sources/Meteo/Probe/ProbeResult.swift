import EDCDomain
import Foundation

/// One FQDN pair of a DRIMbox to probe: its `db` FQDN (health and certificate) and its `vi` FQDN
/// (the viewer, a lighter check), with the certificate DN the white list gives for the DRIMbox.
public struct ProbeTarget: Sendable, Hashable {
    /// The registry identifier of the DRIMbox (the white list's `Identifiant`).
    public var drimbox: Int
    public var pair: FQDNPair
    /// The DN the white list gives; nil when none is listed (then the subject is not compared).
    public var listedDN: DistinguishedName?

    public init(drimbox: Int, pair: FQDNPair, listedDN: DistinguishedName?) {
        self.drimbox = drimbox
        self.pair = pair
        self.listedDN = listedDN
    }

    public var key: PairKey { PairKey(drimbox: drimbox, pacsIndex: pair.pacsIndex) }
}

/// One FQDN pair: the DRIMbox and the 1-based PACS index.
public struct PairKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var drimbox: Int
    public var pacsIndex: Int

    public init(drimbox: Int, pacsIndex: Int) {
        self.drimbox = drimbox
        self.pacsIndex = pacsIndex
    }

    public static func < (lhs: PairKey, rhs: PairKey) -> Bool {
        (lhs.drimbox, lhs.pacsIndex) < (rhs.drimbox, rhs.pacsIndex)
    }

    public var description: String { "\(drimbox)/\(pacsIndex)" }
}

/// Which FQDN of a pair a probe was for.
public enum ProbeKind: String, Sendable, Hashable, Codable {
    /// `https://<db FQDN>/q/health`: health JSON and the server certificate.
    case db
    /// `https://<vi FQDN>/`: TLS handshake and any HTTP answer.
    case vi
}

/// How far a probe got before its deadline.
public enum ProbeStage: String, Sendable, Hashable, Codable {
    case resolving, connecting
    case tlsHandshake = "tls"
    case waitingForAnswer = "answer"
}

/// Why the TLS handshake failed, as far as it can be told.
public enum TLSFailureReason: Sendable, Hashable {
    case certificateExpired(notAfter: Date)
    case certificateNotYetValid(notBefore: Date)
    /// The certificate is not for the FQDN probed; its DNS names are given.
    case wrongName(presented: [String])
    /// No chain to a trusted CA (unknown CA, or an intermediate missing or invalid).
    case unknownAuthority(detail: String)
    /// Anything else: protocol version, an alert from the server (e.g. it wanted a client
    /// certificate), the connection dropped during the handshake.
    case handshake(detail: String)

    public var code: String {
        switch self {
        case .certificateExpired: "tls_expired"
        case .certificateNotYetValid: "tls_not_yet_valid"
        case .wrongName: "tls_wrong_name"
        case .unknownAuthority: "tls_unknown_ca"
        case .handshake: "tls_handshake"
        }
    }
}

/// Why a probe got no usable answer. Each case is a distinct cause on the status page.
public enum ProbeFailure: Error, Sendable, Hashable {
    case dnsFailure(detail: String)
    case connectionRefused
    /// Other network failures: unreachable network or host, connection reset or closed early.
    case connectionFailed(detail: String)
    case timeout(stage: ProbeStage)
    case tls(TLSFailureReason)
    /// An HTTP status that is no health answer (`db`: anything but 200, or 503 with a health body).
    case httpStatus(Int)
    /// A body (or an HTTP answer) that cannot be read: not health JSON, too large, malformed HTTP.
    case unreadableBody(detail: String)

    /// A stable machine code, e.g. for `/meteo.json` and metrics labels.
    public var code: String {
        switch self {
        case .dnsFailure: "dns"
        case .connectionRefused: "connection_refused"
        case .connectionFailed: "connection_failed"
        case .timeout: "timeout"
        case .tls(let reason): reason.code
        case .httpStatus: "http_status"
        case .unreadableBody: "unreadable_body"
        }
    }
}

/// The server certificate a probe was shown (recorded even when the handshake was refused).
public struct ServerCertificate: Sendable, Hashable {
    /// RFC 4514 text, most significant attribute last, as the white list writes DNs.
    public var subject: String
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var dnsNames: [String]
    /// Whether `subject` is the DN on the white list; nil when none was given (the `vi` probe).
    public var matchesListedDN: Bool?

    public init(subject: String, issuer: String, notBefore: Date, notAfter: Date, dnsNames: [String], matchesListedDN: Bool?) {
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.dnsNames = dnsNames
        self.matchesListedDN = matchesListedDN
    }

    /// True when the certificate has expired at `now` or expires within `warning` of it.
    public func expiresSoon(at now: Date, warning: TimeInterval = 30 * 86_400) -> Bool {
        notAfter.timeIntervalSince(now) < warning
    }
}

/// The result of one probe of one FQDN.
public struct ProbeResult: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// `db`: a MicroProfile Health answer (HTTP 200, or 503 with a health body).
        case health(HealthAnswer, httpStatus: Int)
        /// `vi`: the HTTP status of the answer (any status counts as an answer).
        case answered(httpStatus: Int)
        case failed(ProbeFailure)
    }

    public var kind: ProbeKind
    public var host: String
    /// The address connected to, e.g. `127.0.0.1:8443`; nil when none was reached.
    public var address: String?
    public var startedAt: Date
    public var duration: TimeInterval
    public var outcome: Outcome
    public var certificate: ServerCertificate?

    public init(kind: ProbeKind, host: String, address: String?, startedAt: Date, duration: TimeInterval, outcome: Outcome, certificate: ServerCertificate?) {
        self.kind = kind
        self.host = host
        self.address = address
        self.startedAt = startedAt
        self.duration = duration
        self.outcome = outcome
        self.certificate = certificate
    }

    public var failure: ProbeFailure? {
        if case .failed(let failure) = outcome { return failure }
        return nil
    }
}

/// What made a pair less than operational.
public enum ProbeCause: Sendable, Hashable {
    case failure(ProbeFailure)
    /// The health answer is DOWN and no check is UP.
    case healthDown(failingChecks: [String])
    /// The health answer is DOWN but some checks are UP (some PACS answer).
    case healthPartiallyDown(failingChecks: [String])
    /// The `db` server certificate's subject is not the DN on the white list: peers checking the
    /// list will refuse it.
    case certificateSubjectMismatch(presented: String, listed: String)

    public var code: String {
        switch self {
        case .failure(let failure): failure.code
        case .healthDown: "health_down"
        case .healthPartiallyDown: "health_partially_down"
        case .certificateSubjectMismatch: "certificate_subject_mismatch"
        }
    }
}

/// The cause of a pair's state and the FQDN it was found on.
public struct PairCause: Sendable, Hashable {
    public var kind: ProbeKind
    public var cause: ProbeCause

    public init(kind: ProbeKind, cause: ProbeCause) {
        self.kind = kind
        self.cause = cause
    }

    /// `db.timeout`, `vi.tls_expired`, `db.health_down`…
    public var code: String { "\(kind.rawValue).\(cause.code)" }
}

/// The verdict of one probe of a pair, before thresholds: what this one look found.
public struct PairVerdict: Sendable, Hashable {
    /// `.operational`, `.degraded` or `.down`.
    public var status: MeteoStatus
    public var cause: PairCause?

    public init(status: MeteoStatus, cause: PairCause?) {
        self.status = status
        self.cause = cause
    }
}

/// Both probes of a pair, and what they mean together.
public struct PairProbeResult: Sendable, Hashable {
    public var target: ProbeTarget
    public var db: ProbeResult
    public var vi: ProbeResult

    public init(target: ProbeTarget, db: ProbeResult, vi: ProbeResult) {
        self.target = target
        self.db = db
        self.vi = vi
    }

    /// When the later of the two probes ended.
    public var checkedAt: Date {
        max(db.startedAt.addingTimeInterval(db.duration), vi.startedAt.addingTimeInterval(vi.duration))
    }

    /// The rules:
    /// - `db` failed (no answer, TLS refused, HTTP error, unreadable body) → down;
    /// - `db` health DOWN with every check DOWN (or none) → down; DOWN with some check UP → degraded;
    /// - `db` answered but its certificate subject is not the listed DN → degraded;
    /// - `db` fine but `vi` failed → degraded (exchanges work, images cannot be viewed);
    /// - otherwise operational.
    public var verdict: PairVerdict {
        switch db.outcome {
        case .failed(let failure):
            return PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .failure(failure)))
        case .answered(let status):
            // Not produced by the db probe; treated as an HTTP answer that is no health answer.
            return PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .failure(.httpStatus(status))))
        case .health(let answer, _):
            if answer.state == .down {
                if answer.isPartiallyDown {
                    return PairVerdict(status: .degraded, cause: PairCause(kind: .db, cause: .healthPartiallyDown(failingChecks: answer.failingChecks)))
                }
                return PairVerdict(status: .down, cause: PairCause(kind: .db, cause: .healthDown(failingChecks: answer.failingChecks)))
            }
        }
        if let certificate = db.certificate, certificate.matchesListedDN == false {
            return PairVerdict(status: .degraded, cause: PairCause(
                kind: .db,
                cause: .certificateSubjectMismatch(presented: certificate.subject, listed: target.listedDN?.value ?? "")
            ))
        }
        if let failure = vi.failure {
            return PairVerdict(status: .degraded, cause: PairCause(kind: .vi, cause: .failure(failure)))
        }
        return PairVerdict(status: .operational, cause: nil)
    }
}
