/// Who acts. Operators act for one organisation; reviewers and administrators are ANS staff;
/// `system` is EDC itself (deadlines).
public enum Role: String, CaseIterable, Codable, Sendable {
    case operatorUser = "operator"
    case reviewer
    case administrator
    case system

    /// ANS staff may review requests and act on the whole registry.
    public var isANS: Bool { self == .reviewer || self == .administrator }
}
