import EDCDomain

/// What an audit entry records, stored as its text (`request.approve`). An open set: entries
/// written by earlier versions keep their text, so reading the log never fails on an old action,
/// while every writer names one of the constants below.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    // Requests
    public static let requestCreate = AuditAction(rawValue: "request.create")
    public static let requestUpdate = AuditAction(rawValue: "request.update")
    /// An action on a request: `request.submit`, `request.approve`, …
    public static func request(_ action: RequestAction) -> AuditAction { AuditAction(rawValue: "request.\(action.rawValue)") }
    /// The ANS reviewer a request is assigned to changed (state and version untouched).
    public static let requestAssigned = AuditAction(rawValue: "request.assigned")

    // Registry
    public static let drimboxDeclare = AuditAction(rawValue: "drimbox.declare")
    public static let drimboxAddPACS = AuditAction(rawValue: "drimbox.add_pacs")
    public static let drimboxSetCertificate = AuditAction(rawValue: "drimbox.set_certificate")
    public static let drimboxSetHostnames = AuditAction(rawValue: "drimbox.set_hostnames")
    /// A registry state change of a DRIMbox: `drimbox.exclusion`, `drimbox.reintegration`, …
    public static func drimbox(_ event: DRIMboxEvent) -> AuditAction { AuditAction(rawValue: "drimbox.\(event.rawValue)") }
    public static let attestationIssue = AuditAction(rawValue: "attestation.issue")
    public static let attestationRender = AuditAction(rawValue: "attestation.render")
    public static let operatorCreate = AuditAction(rawValue: "operator.create")
    public static let operatorUpdate = AuditAction(rawValue: "operator.update")

    // Documents
    public static let documentUpload = AuditAction(rawValue: "document.upload")
    public static let documentDownload = AuditAction(rawValue: "document.download")
    public static let documentKeyRotation = AuditAction(rawValue: "document.key_rotation")
    public static let requestExport = AuditAction(rawValue: "request.export")
    public static let documentPurge = AuditAction(rawValue: "document.purge")

    // Accounts
    public static let signIn = AuditAction(rawValue: "auth.sign_in")
    public static let signInFailed = AuditAction(rawValue: "auth.sign_in_failed")
    /// A failed sign-in that locked the login out.
    public static let accountLocked = AuditAction(rawValue: "auth.locked")
    /// A browser session ended by its user (sign-out) or revoked (by its user, an administrator, a password change).
    public static let signOut = AuditAction(rawValue: "auth.sign_out")
    public static let sessionRevoke = AuditAction(rawValue: "auth.session_revoke")
    public static let userCreate = AuditAction(rawValue: "user.create")
    public static let userDisable = AuditAction(rawValue: "user.disable")
    public static let userEnable = AuditAction(rawValue: "user.enable")
    public static let userPasswordSet = AuditAction(rawValue: "user.password_set")
    public static let userUnlock = AuditAction(rawValue: "user.unlock")
    public static let tokenIssue = AuditAction(rawValue: "token.issue")
    public static let tokenRevoke = AuditAction(rawValue: "token.revoke")
    public static let tokenRevokeAll = AuditAction(rawValue: "token.revoke_all")

    // Portal accounts: second factor, password reset links, operator administrators
    public static let userTOTPEnrolmentBegin = AuditAction(rawValue: "user.totp_enrolment_begin")
    public static let userTOTPEnabled = AuditAction(rawValue: "user.totp_enabled")
    public static let userTOTPDisabled = AuditAction(rawValue: "user.totp_disabled")
    /// A second-factor code accepted, refused, or refused once too often (the second factor locked).
    public static let secondFactorVerified = AuditAction(rawValue: "auth.totp_verified")
    public static let secondFactorFailed = AuditAction(rawValue: "auth.totp_failed")
    public static let secondFactorLocked = AuditAction(rawValue: "auth.totp_locked")
    public static let userPasswordResetRequest = AuditAction(rawValue: "user.password_reset_request")
    public static let userPasswordReset = AuditAction(rawValue: "user.password_reset")
    public static let userInvite = AuditAction(rawValue: "user.invite")
    public static let userInvitationResend = AuditAction(rawValue: "user.invitation_resend")
    public static let userOperatorAdminSet = AuditAction(rawValue: "user.operator_admin_set")

    // White list
    public static let whitelistPublish = AuditAction(rawValue: "whitelist.publish")
    public static let whitelistEntryOmitted = AuditAction(rawValue: "whitelist.entry_omitted")

    // Deadlines
    public static let drimboxVAReminder = AuditAction(rawValue: "drimbox.va_reminder")

    // Outbox
    public static let outboxRetry = AuditAction(rawValue: "outbox.retry")
}

/// The kind of thing an audit entry is about (its `entity_type` column).
public enum AuditEntity: String, Sendable, Codable, CaseIterable {
    case attestation, document, drimbox, `operator`, request, user, whitelist
    case outboxEvent = "outbox_event"
}
