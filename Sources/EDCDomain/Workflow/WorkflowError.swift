/// A state change that the workflow refuses. `userMessage` is French; `technicalDetail` English.
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The action does not exist from the current state.
        case illegalTransition
        /// The actor's role may not fire this action.
        case forbidden
        /// The transition exists but its guard (business rule) is not met.
        case guardFailed
        /// Someone else changed the object first (optimistic locking).
        case conflict
    }

    public var kind: Kind
    public var code: String
    public var userMessage: String
    public var technicalDetail: String

    public init(kind: Kind, code: String, userMessage: String, technicalDetail: String) {
        self.kind = kind
        self.code = code
        self.userMessage = userMessage
        self.technicalDetail = technicalDetail
    }

    public var description: String { "\(kind.rawValue) \(code): \(technicalDetail)" }

    public static func guardFailed(_ code: String, _ userMessage: String, _ detail: String) -> WorkflowError {
        WorkflowError(kind: .guardFailed, code: code, userMessage: userMessage, technicalDetail: detail)
    }

    public static func conflict(_ detail: String) -> WorkflowError {
        WorkflowError(
            kind: .conflict, code: "conflict",
            userMessage: "Cet élément vient d'être modifié par quelqu'un d'autre. Rechargez-le puis recommencez.",
            technicalDetail: detail)
    }
}
