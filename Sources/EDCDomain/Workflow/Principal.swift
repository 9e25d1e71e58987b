import Foundation

/// Who is acting: a user with a role, and for operator users the organisation they act for.
public struct Principal: Sendable, Hashable {
    public var userID: UUID?
    public var role: Role
    public var operatorID: UUID?

    public init(userID: UUID?, role: Role, operatorID: UUID?) {
        self.userID = userID
        self.role = role
        self.operatorID = operatorID
    }

    /// EDC itself, for deadlines and automatic effects.
    public static let system = Principal(userID: nil, role: .system, operatorID: nil)

    /// Whether this principal may see an object owned by `ownerOperatorID`.
    /// ANS staff see everything; an operator user only its own organisation's objects.
    public func canSee(ownedBy ownerOperatorID: UUID?) -> Bool {
        switch role {
        case .reviewer, .administrator, .system: true
        case .operatorUser: operatorID != nil && operatorID == ownerOperatorID
        }
    }
}
