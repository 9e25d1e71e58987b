/// Kinds of events written to the outbox.
public enum OutboxTopic: String, Sendable, CaseIterable, Codable {
    /// The trusted set or the content of the white list changed: publish a new signed list.
    case registryChanged = "registry.changed"
    /// A delegation attestation was issued: render its PDF.
    case attestationIssued = "attestation.issued"
    /// Something happened that people must be told about by e-mail.
    case notification = "notification"
}
