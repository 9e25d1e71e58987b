import EDCDomain
import FluentKit
import Foundation

/// Append-only history of a request's state changes.
public final class RequestTransitionModel: Model, @unchecked Sendable {
    public static let schema = "request_transitions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "request_id") public var requestID: UUID
    @Field(key: "action") public var action: RequestAction
    @Field(key: "from_state") public var fromState: RequestState
    @Field(key: "to_state") public var toState: RequestState
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "actor_role") public var actorRole: Role
    @Field(key: "at") public var at: Date
    @OptionalField(key: "reason") public var reason: String?
    @Field(key: "metadata") public var metadata: String

    public init() {}
}

/// Append-only history of a DRIMbox's registry state changes.
public final class DRIMboxTransitionModel: Model, @unchecked Sendable {
    public static let schema = "drimbox_transitions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "drimbox_id") public var drimboxID: UUID
    @Field(key: "event") public var event: DRIMboxEvent
    @OptionalField(key: "from_state") public var fromState: DRIMboxState?
    @Field(key: "to_state") public var toState: DRIMboxState
    @OptionalField(key: "actor_id") public var actorID: UUID?
    @Field(key: "actor_role") public var actorRole: Role
    @OptionalField(key: "request_id") public var requestID: UUID?
    @Field(key: "at") public var at: Date
    @OptionalField(key: "reason") public var reason: String?

    public init() {}
}
