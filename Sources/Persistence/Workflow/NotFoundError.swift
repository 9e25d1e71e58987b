/// The object does not exist, or the principal may not see it: both answer the same, so that
/// an operator cannot learn what another operator has.
public struct NotFoundError: Error, Sendable, CustomStringConvertible {
    public var entity: String
    public var id: String

    public init(entity: String, id: String) {
        self.entity = entity
        self.id = id
    }

    public var description: String { "\(entity) \(id) not found or not visible" }

    public var userMessage: String { "Élément introuvable." }
}
