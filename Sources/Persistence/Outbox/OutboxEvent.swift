import EDCDomain
import Foundation

/// What an outbox event says, typed per topic. Written with `WriteContext.enqueue(_:)` in the
/// transaction of the change it reports, stored as sorted-key JSON in `outbox_events.payload`,
/// and read back by its consumer with `OutboxEvent(topic:payload:)` (the white list publisher on
/// `registry.changed`, the attestation renderer and the mailer on theirs).
public enum OutboxEvent: Sendable, Hashable {
    case registryChanged(RegistryChange)
    case attestationIssued(AttestationIssued)
    case notification(Notification)

    public var topic: OutboxTopic {
        switch self {
        case .registryChanged: .registryChanged
        case .attestationIssued: .attestationIssued
        case .notification: .notification
        }
    }

    /// The stored JSON text.
    public func payloadText() throws -> String {
        switch self {
        case .registryChanged(let change): try JSONText.encode(change)
        case .attestationIssued(let issued): try JSONText.encode(issued)
        case .notification(let notification): try JSONText.encode(notification)
        }
    }

    /// Decodes a stored event; throws when the payload does not match its topic.
    public init(topic: OutboxTopic, payload: String) throws {
        switch topic {
        case .registryChanged: self = .registryChanged(try JSONText.decode(RegistryChange.self, from: payload))
        case .attestationIssued: self = .attestationIssued(try JSONText.decode(AttestationIssued.self, from: payload))
        case .notification: self = .notification(try JSONText.decode(Notification.self, from: payload))
        }
    }

    public init(_ model: OutboxEventModel) throws {
        try self.init(topic: model.topic, payload: model.payload)
    }

    /// The trusted set or an entry of the white list changed.
    public struct RegistryChange: Codable, Sendable, Hashable {
        public enum Cause: Sendable, Hashable, Codable {
            /// A registry state change or an approved request's effect on the DRIMbox.
            case drimbox(DRIMboxEvent)
            /// ANS corrected the operator's identity (its name is in every entry of its DRIMboxes).
            case operatorCorrection

            public init(from decoder: any Decoder) throws {
                let text = try decoder.singleValueContainer().decode(String.self)
                if text == "operator" { self = .operatorCorrection; return }
                guard let event = DRIMboxEvent(rawValue: text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown registry change cause '\(text)'"))
                }
                self = .drimbox(event)
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .drimbox(let event): try container.encode(event.rawValue)
                case .operatorCorrection: try container.encode("operator")
                }
            }
        }

        public var drimboxID: UUID
        public var cause: Cause

        public init(drimboxID: UUID, cause: Cause) {
            self.drimboxID = drimboxID
            self.cause = cause
        }
    }

    /// A delegation attestation was issued (its PDF is to be rendered and stored).
    public struct AttestationIssued: Codable, Sendable, Hashable {
        public var attestationID: UUID

        public init(attestationID: UUID) { self.attestationID = attestationID }
    }

    /// Something the operator and ANS must be told (by e-mail).
    public enum Notification: Sendable, Hashable, Codable {
        /// A request changed state (`request.<action>`).
        case request(RequestNotification)
        /// ANS, or the VA deadline, excluded a DRIMbox (`drimbox.excluded`).
        case drimboxExcluded(ExclusionNotification)
        /// A provisional DRIMbox's VA document is due in 30, 7 or 1 day(s) (`drimbox.va_deadline`).
        case vaDeadline(VADeadlineNotification)

        private enum Keys: String, CodingKey { case event }

        public init(from decoder: any Decoder) throws {
            let event = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .event)
            if event == ExclusionNotification.event {
                self = .drimboxExcluded(try ExclusionNotification(from: decoder))
            } else if event == VADeadlineNotification.event {
                self = .vaDeadline(try VADeadlineNotification(from: decoder))
            } else if event.hasPrefix("request.") {
                self = .request(try RequestNotification(from: decoder))
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown notification event '\(event)'"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .request(let notification): try notification.encode(to: encoder)
            case .drimboxExcluded(let notification): try notification.encode(to: encoder)
            case .vaDeadline(let notification): try notification.encode(to: encoder)
            }
        }
    }

    public struct RequestNotification: Codable, Sendable, Hashable {
        public var action: RequestAction
        public var requestID: UUID
        public var requestNumber: Int
        public var operatorID: UUID
        /// The state the request is in after the action.
        public var state: RequestState

        public init(action: RequestAction, requestID: UUID, requestNumber: Int, operatorID: UUID, state: RequestState) {
            (self.action, self.requestID, self.requestNumber, self.operatorID, self.state) = (action, requestID, requestNumber, operatorID, state)
        }

        private enum Keys: String, CodingKey { case event, requestID, requestNumber, operatorID, state }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            let event = try container.decode(String.self, forKey: .event)
            guard event.hasPrefix("request."), let action = RequestAction(rawValue: String(event.dropFirst("request.".count))) else {
                throw DecodingError.dataCorruptedError(forKey: .event, in: container, debugDescription: "unknown request event '\(event)'")
            }
            self.action = action
            requestID = try container.decode(UUID.self, forKey: .requestID)
            // Events written before the typed payload stored the number as text.
            if let number = try? container.decode(Int.self, forKey: .requestNumber) {
                requestNumber = number
            } else if let number = Int(try container.decode(String.self, forKey: .requestNumber)) {
                requestNumber = number
            } else {
                throw DecodingError.dataCorruptedError(forKey: .requestNumber, in: container, debugDescription: "request number is not a number")
            }
            operatorID = try container.decode(UUID.self, forKey: .operatorID)
            state = try container.decode(RequestState.self, forKey: .state)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("request.\(action.rawValue)", forKey: .event)
            try container.encode(requestID, forKey: .requestID)
            try container.encode(requestNumber, forKey: .requestNumber)
            try container.encode(operatorID, forKey: .operatorID)
            try container.encode(state, forKey: .state)
        }
    }

    public struct ExclusionNotification: Codable, Sendable, Hashable {
        static let event = "drimbox.excluded"

        public var drimboxID: UUID
        public var operatorID: UUID
        public var reason: ExclusionReason
        /// What ANS added to the reason, as it stood at the exclusion (absent in older events).
        public var detail: String?

        public init(drimboxID: UUID, operatorID: UUID, reason: ExclusionReason, detail: String? = nil) {
            (self.drimboxID, self.operatorID, self.reason, self.detail) = (drimboxID, operatorID, reason, detail)
        }

        private enum Keys: String, CodingKey { case event, drimboxID, operatorID, reason, detail }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            drimboxID = try container.decode(UUID.self, forKey: .drimboxID)
            operatorID = try container.decode(UUID.self, forKey: .operatorID)
            reason = try container.decode(ExclusionReason.self, forKey: .reason)
            detail = try container.decodeIfPresent(String.self, forKey: .detail)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(Self.event, forKey: .event)
            try container.encode(drimboxID, forKey: .drimboxID)
            try container.encode(operatorID, forKey: .operatorID)
            try container.encode(reason, forKey: .reason)
            try container.encodeIfPresent(detail, forKey: .detail)
        }
    }

    public struct VADeadlineNotification: Codable, Sendable, Hashable {
        static let event = "drimbox.va_deadline"

        public var drimboxID: UUID
        public var operatorID: UUID
        public var dueAt: Date
        /// The reminder: 30, 7 or 1 (days before `dueAt`).
        public var days: Int

        public init(drimboxID: UUID, operatorID: UUID, dueAt: Date, days: Int) {
            (self.drimboxID, self.operatorID, self.dueAt, self.days) = (drimboxID, operatorID, dueAt, days)
        }

        private enum Keys: String, CodingKey { case event, drimboxID, operatorID, dueAt, days }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            drimboxID = try container.decode(UUID.self, forKey: .drimboxID)
            operatorID = try container.decode(UUID.self, forKey: .operatorID)
            dueAt = try container.decode(Date.self, forKey: .dueAt)
            days = try container.decode(Int.self, forKey: .days)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(Self.event, forKey: .event)
            try container.encode(drimboxID, forKey: .drimboxID)
            try container.encode(operatorID, forKey: .operatorID)
            try container.encode(dueAt, forKey: .dueAt)
            try container.encode(days, forKey: .days)
        }
    }
}
