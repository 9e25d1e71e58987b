import Foundation

/// What a DRIMbox's `GET /q/health` said, as MicroProfile Health JSON: an overall `status` UP/DOWN
/// and `checks[]` with a `name` and a `status` each (one check per PACS on the reference DRIMbox).
/// The older MicroProfile Health 1.0 form (`outcome` for the overall state, `state` per check) is
/// read too.
///
/// Parsing is bounded: at most `maximumBodySize` bytes, `maximumChecks` checks, check names cut to
/// `maximumNameLength` characters (they are shown on a public page).
public struct HealthAnswer: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case up = "UP"
        case down = "DOWN"
    }

    public struct Check: Sendable, Hashable, Codable {
        public var name: String
        public var state: State

        public init(name: String, state: State) {
            self.name = name
            self.state = state
        }
    }

    /// The overall state. A 503 answer is DOWN whatever its body says.
    public var state: State
    public var checks: [Check]

    public init(state: State, checks: [Check] = []) {
        self.state = state
        self.checks = checks
    }

    public static let maximumBodySize = 64 * 1024
    public static let maximumChecks = 256
    public static let maximumNameLength = 200

    /// The names of the checks that are DOWN, in order.
    public var failingChecks: [String] { checks.filter { $0.state == .down }.map(\.name) }

    /// DOWN overall while at least one check is UP: some PACS answer, others do not.
    public var isPartiallyDown: Bool { state == .down && checks.contains { $0.state == .up } }

    /// Parses a health body. `httpStatus` 503 forces the overall state to DOWN (MicroProfile Health
    /// answers 503 when any check is down; a body saying UP with a 503 is not believed).
    public static func parse(_ body: some Collection<UInt8>, httpStatus: Int = 200) throws(HealthAnswerError) -> HealthAnswer {
        guard body.count <= maximumBodySize else { throw .tooLarge(body.count) }
        guard !body.isEmpty else { throw .empty }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw .notJSON
        }
        guard let root = object as? [String: Any] else { throw .notAnObject }
        guard let overall = state(root["status"] ?? root["outcome"]) else {
            throw .missingStatus
        }
        var checks: [Check] = []
        if let rawChecks = root["checks"] {
            guard let list = rawChecks as? [Any] else { throw .invalidChecks("checks is not an array") }
            guard list.count <= maximumChecks else { throw .invalidChecks("more than \(maximumChecks) checks") }
            for (index, item) in list.enumerated() {
                guard let check = item as? [String: Any] else { throw .invalidChecks("check \(index + 1) is not an object") }
                guard let checkState = state(check["status"] ?? check["state"]) else {
                    throw .invalidChecks("check \(index + 1) has no UP/DOWN status")
                }
                let name = (check["name"] as? String).map(Self.boundedName) ?? "check \(index + 1)"
                checks.append(Check(name: name, state: checkState))
            }
        }
        return HealthAnswer(state: httpStatus == 503 ? .down : overall, checks: checks)
    }

    private static func state(_ value: Any?) -> State? {
        guard let text = value as? String else { return nil }
        return State(rawValue: text.uppercased())
    }

    private static func boundedName(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
        return cleaned.count > maximumNameLength ? String(cleaned.prefix(maximumNameLength)) + "…" : cleaned
    }
}

/// Why a body is not a MicroProfile Health answer.
public enum HealthAnswerError: Error, Sendable, Hashable, CustomStringConvertible {
    case tooLarge(Int)
    case empty
    case notJSON
    case notAnObject
    case missingStatus
    case invalidChecks(String)

    public var description: String {
        switch self {
        case .tooLarge(let size): "body larger than \(HealthAnswer.maximumBodySize) bytes (\(size))"
        case .empty: "empty body"
        case .notJSON: "body is not JSON"
        case .notAnObject: "JSON body is not an object"
        case .missingStatus: "no UP/DOWN status or outcome"
        case .invalidChecks(let detail): "invalid checks: \(detail)"
        }
    }
}

extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format || self == .lineSeparator || self == .paragraphSeparator }
}
