import Crypto
import EDCDomain
import FluentKit
import Foundation
import Persistence

/// The TOTP second factor (RFC 6238, HMAC-SHA1, 6 digits, 30 s steps) of a user's sign-in:
/// enrolment (a secret kept pending until the user proves, with a first code, that their
/// application has it), verification (a code of the current step or one either side, never a
/// step already used), and its removal. Secrets are sealed at rest (AES-GCM, bound to the user).
///
/// Wrong codes are counted per user, apart from the password's lock-out (which a correct password
/// clears): after `settings.maximumFailures` consecutive wrong codes the second factor is locked
/// for `settings.lockDuration`, so that the million codes cannot be tried.
public struct SecondFactor: Sendable {
    public let store: Store
    /// The name authenticator applications show next to the account.
    public let issuer: String
    /// `maximumFailures` and `lockDuration` are used for wrong codes.
    public let settings: SignInSettings
    /// ANS accounts must have a second factor (`EDC_TOTP_REQUIRED_FOR_ANS`).
    public var requiredForANS = false
    let sealer: SecretSealer

    /// `keys`: the first seals new secrets; every one opens secrets it sealed (keep former keys
    /// until every user has verified once under the new one: a secret is sealed again under the
    /// first key at each successful verification). Each key is derived (HKDF-SHA256, a label of
    /// its own) before use, so a key shared with another purpose (the document vault's master
    /// key) is never used as it is.
    public init(store: Store, keys: [SymmetricKey], issuer: String = "EDC DRIM-M", settings: SignInSettings = SignInSettings()) {
        precondition(!keys.isEmpty, "a second factor needs at least one key")
        self.store = store
        self.issuer = issuer
        self.settings = settings
        self.sealer = SecretSealer(keys: keys)
    }

    public struct Enrolment: Sendable, Equatable {
        /// To type into an application by hand (RFC 4648 base32, no padding).
        public var secretBase32: String
        /// `otpauth://totp/…`, for the QR code.
        public var otpauthURI: String
    }

    /// Whether the user signs in with a second factor.
    public func isEnabled(_ user: UserModel) -> Bool { user.totpEnabledAt != nil && user.totpSecret != nil }

    /// Whether the user must have a second factor (and may not remove it themselves).
    public func isMandatory(for user: UserModel) -> Bool { requiredForANS && user.role.isANS }

    /// Whether a sign-in of `user` asks for a code (or, without an enrolled factor yet, its enrolment).
    public func isAsked(at user: UserModel) -> Bool { isEnabled(user) || isMandatory(for: user) }

    /// Starts (or starts over) an enrolment: a new secret, kept pending until `confirmEnrolment`.
    /// Refused while a second factor is active (it must be disabled first).
    public func beginEnrolment(userID: UUID) async throws -> Enrolment {
        let secret = TOTP.generateSecret()
        let sealed = try sealer.seal(secret, userID: userID)
        return try await store.write { context in
            let user = try await Self.enabledUser(userID, on: context.database)
            if isEnabled(user) {
                throw WorkflowError.guardFailed("totp.already_enabled", "La validation en deux étapes est déjà activée sur ce compte.", "user \(userID) already has an active TOTP secret")
            }
            user.totpPendingSecret = sealed
            try await user.save(on: context.database)
            try await context.audit(AuditActor(userID: userID, role: user.role), action: .userTOTPEnrolmentBegin, entity: .user, entityID: userID.uuidString)
            return Enrolment(secretBase32: Base32.encode(secret, padding: false), otpauthURI: TOTP.provisioningURI(secret: secret, account: user.email, issuer: issuer))
        }
    }

    /// Activates the pending secret once `code` proves the user's application computes it.
    public func confirmEnrolment(userID: UUID, code: String) async throws {
        try await store.write { context in
            let user = try await Self.enabledUser(userID, on: context.database)
            guard let pending = user.totpPendingSecret else {
                throw WorkflowError.guardFailed("totp.no_enrolment", "Aucune activation de la validation en deux étapes n'est en cours : recommencez.", "user \(userID) has no pending TOTP secret")
            }
            let secret = try sealer.open(pending, userID: userID)
            guard let step = TOTP.matchingStep(code: code, secret: secret, at: context.now) else {
                throw Self.wrongCode("enrolment code does not match the pending secret of user \(userID)")
            }
            user.totpSecret = pending
            user.totpPendingSecret = nil
            user.totpEnabledAt = context.now
            user.totpLastStep = step
            user.totpFailures = nil
            user.totpLockedUntil = nil
            try await user.save(on: context.database)
            try await context.audit(AuditActor(userID: userID, role: user.role), action: .userTOTPEnabled, entity: .user, entityID: userID.uuidString)
        }
    }

    /// Checks a code at sign-in (after the password): throws `ValidationErrors` (field `code`)
    /// for a wrong, malformed or already used code, `SignInRefused.throttled` while the second
    /// factor is locked, `WorkflowError` when the user has no second factor, `NotFoundError`
    /// for an unknown or disabled user. Every outcome but the last two is audited.
    public func verify(userID: UUID, code: String) async throws {
        let settings = self.settings
        let sealer = self.sealer
        let outcome: Outcome = try await store.write { context in
            let user = try await Self.enabledUser(userID, on: context.database)
            guard isEnabled(user), let sealed = user.totpSecret else { return .notEnabled }
            if let until = user.totpLockedUntil, until > context.now { return .locked(until: until, now: context.now) }
            let actor = AuditActor(userID: userID, role: user.role)
            let secret = try sealer.open(sealed, userID: userID)
            let step = TOTP.matchingStep(code: code, secret: secret, at: context.now)
            if let step, step > (user.totpLastStep ?? -1) {
                user.totpLastStep = step
                user.totpFailures = nil
                user.totpLockedUntil = nil
                if !sealer.isSealedWithFirstKey(sealed) { user.totpSecret = try sealer.seal(secret, userID: userID) }
                try await user.save(on: context.database)
                try await context.audit(actor, action: .secondFactorVerified, entity: .user, entityID: userID.uuidString)
                return .accepted
            }
            // A lock that has run out starts a new count.
            if let until = user.totpLockedUntil, until <= context.now {
                user.totpLockedUntil = nil
                user.totpFailures = nil
            }
            let failures = (user.totpFailures ?? 0) + 1
            user.totpFailures = failures
            var data = ["failures": String(failures)]
            if step != nil { data["replay"] = "true" }
            if failures >= settings.maximumFailures {
                let until = context.now.addingTimeInterval(settings.lockDuration)
                user.totpLockedUntil = until
                data["lockedUntil"] = ISO8601DateFormatter().string(from: until)
            }
            try await user.save(on: context.database)
            try await context.audit(actor, action: user.totpLockedUntil == nil ? .secondFactorFailed : .secondFactorLocked, entity: .user, entityID: userID.uuidString, data: data)
            if let until = user.totpLockedUntil { return .locked(until: until, now: context.now) }
            return step == nil ? .wrong : .replayed
        }
        switch outcome {
        case .accepted:
            return
        case .notEnabled:
            throw WorkflowError.guardFailed("totp.not_enabled", "La validation en deux étapes n'est pas activée sur ce compte.", "user \(userID) has no active TOTP secret")
        case .locked(let until, let now):
            throw SignInRefused.throttled(retryAfter: until.timeIntervalSince(now))
        case .wrong:
            throw Self.wrongCode("TOTP code does not match for user \(userID)")
        case .replayed:
            throw ValidationErrors([ValidationError(
                code: "totp.replayed", field: "code",
                userMessage: "Ce code a déjà été utilisé. Attendez le code suivant de votre application.",
                technicalDetail: "TOTP step already used by user \(userID)")])
        }
    }

    /// Removes the second factor (and any pending enrolment): by the user, with a valid code of
    /// their application (checked as `verify` does), or by someone who manages the user's account
    /// (an ANS administrator; an operator administrator for its own operator's users) without a
    /// code. Anyone else gets `NotFoundError`.
    public func disable(userID: UUID, by actor: Principal, code: String? = nil) async throws {
        let bySelf = actor.userID == userID
        if bySelf {
            if requiredForANS && actor.role.isANS {
                throw WorkflowError.guardFailed("totp.mandatory", "La vérification en deux étapes est obligatoire pour les comptes de l’ANS.", "user \(userID) may not remove a mandatory second factor")
            }
            guard let code else { throw Self.wrongCode("no code given to disable the second factor of user \(userID)") }
            try await verify(userID: userID, code: code)
        }
        try await store.write { context in
            guard let user = try await UserModel.find(userID, on: context.database), user.role != .system else {
                throw NotFoundError(entity: "user", id: userID.uuidString)
            }
            if !bySelf {
                guard let authority = try await AccountAuthority.of(actor, on: context.database), authority.covers(user) else {
                    throw NotFoundError(entity: "user", id: userID.uuidString)
                }
            }
            guard user.totpSecret != nil || user.totpPendingSecret != nil || user.totpEnabledAt != nil else { return }
            user.totpSecret = nil
            user.totpPendingSecret = nil
            user.totpEnabledAt = nil
            user.totpLastStep = nil
            user.totpFailures = nil
            user.totpLockedUntil = nil
            try await user.save(on: context.database)
            try await context.audit(AuditActor(userID: actor.userID, role: actor.role), action: .userTOTPDisabled, entity: .user, entityID: userID.uuidString, data: ["by": bySelf ? "user" : "manager"])
        }
    }

    /// Seals every stored secret (active and pending) under the first key, so that former keys can
    /// be retired (`edc rotate-document-key --retire-unused` runs this first). Returns how many
    /// users' secrets were sealed again, and the users whose secret did not open.
    public func resealAll() async throws -> (resealed: Int, failed: [UUID]) {
        let users = try await UserModel.query(on: store.database)
            .group(.or) { $0.filter(\.$totpSecret != nil).filter(\.$totpPendingSecret != nil) }.all()
        var resealed = 0
        var failed: [UUID] = []
        let sealer = self.sealer
        for user in users {
            let id = try user.requireID()
            do {
                let changed = try await store.write { context -> Bool in
                    guard let fresh = try await UserModel.find(id, on: context.database) else { return false }
                    var changed = false
                    if let sealed = fresh.totpSecret, !sealer.isSealedWithFirstKey(sealed) {
                        fresh.totpSecret = try sealer.seal(try sealer.open(sealed, userID: id), userID: id)
                        changed = true
                    }
                    if let sealed = fresh.totpPendingSecret, !sealer.isSealedWithFirstKey(sealed) {
                        fresh.totpPendingSecret = try sealer.seal(try sealer.open(sealed, userID: id), userID: id)
                        changed = true
                    }
                    if changed { try await fresh.save(on: context.database) }
                    return changed
                }
                if changed { resealed += 1 }
            } catch is PersistenceError {
                failed.append(id)
            }
        }
        return (resealed, failed)
    }

    /// A sealing key derived from a master key that serves another purpose too (the document
    /// vault's). `init` derives its keys this way already; exposed for tests and tools.
    public static func derivedKey(from masterKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: masterKey, info: Data("EDC TOTP secret sealing v1".utf8), outputByteCount: 32)
    }

    private enum Outcome: Sendable {
        case accepted, wrong, replayed, notEnabled
        case locked(until: Date, now: Date)
    }

    static func wrongCode(_ detail: String) -> ValidationErrors {
        ValidationErrors([ValidationError(code: "totp.wrong_code", field: "code", userMessage: "Code de vérification incorrect.", technicalDetail: detail)])
    }

    static func enabledUser(_ userID: UUID, on database: any Database) async throws -> UserModel {
        guard let user = try await UserModel.find(userID, on: database), user.disabledAt == nil, user.role != .system else {
            throw NotFoundError(entity: "user", id: userID.uuidString)
        }
        return user
    }
}

/// TOTP secrets at rest: `v1.<key id>.<base64 of AES-GCM nonce, ciphertext and tag>`, the user's
/// id as authenticated data (a sealed secret copied onto another user does not open).
struct SecretSealer: Sendable {
    struct Key: Sendable {
        let id: String
        /// Bytes, not a `SymmetricKey` (not `Sendable` on every platform).
        let bytes: Data
        var key: SymmetricKey { SymmetricKey(data: bytes) }
    }

    let keys: [Key]

    init(keys: [SymmetricKey]) {
        self.keys = keys.map { master in
            let bytes = SecondFactor.derivedKey(from: master).withUnsafeBytes { Data($0) }
            return Key(id: String(SHA256.hash(data: Data("key id".utf8) + bytes).hexString.prefix(16)), bytes: bytes)
        }
    }

    func seal(_ secret: Data, userID: UUID) throws -> String {
        let box = try AES.GCM.seal(secret, using: keys[0].key, authenticating: Self.context(userID))
        guard let combined = box.combined else { throw PersistenceError.corrupted("AES-GCM gave no combined box") }
        return "v1.\(keys[0].id).\(combined.base64EncodedString())"
    }

    func open(_ sealed: String, userID: UUID) throws -> Data {
        let parts = sealed.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "v1", let data = Data(base64Encoded: String(parts[2])) else {
            throw PersistenceError.corrupted("TOTP secret of user \(userID) is not in a known format")
        }
        guard let key = keys.first(where: { $0.id == parts[1] }) else {
            throw PersistenceError.corrupted("TOTP secret of user \(userID) is sealed with key \(parts[1]), which is not configured")
        }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key.key, authenticating: Self.context(userID))
        } catch {
            throw PersistenceError.corrupted("TOTP secret of user \(userID) does not open: \(error)")
        }
    }

    func isSealedWithFirstKey(_ sealed: String) -> Bool { sealed.hasPrefix("v1.\(keys[0].id).") }

    static func context(_ userID: UUID) -> Data { Data("edc-totp-secret:\(userID.uuidString.lowercased())".utf8) }
}
