import EDCDomain
import FluentKit
import Foundation
import Persistence

/// Browser sessions: opened after a successful sign-in, found from the cookie's token, ended by
/// sign-out, by revocation, by inactivity or at their absolute end. Sessions live in the
/// database (several instances share them); the cookie holds a random token whose SHA-256 only
/// is stored.
public struct WebSessions: Sendable {
    public struct Settings: Sendable {
        public init() {}
        /// A session not used for this long is over.
        public var idleTimeout: TimeInterval = 30 * 60
        /// A session is over this long after sign-in, however active.
        public var absoluteTimeout: TimeInterval = 12 * 3600
        /// `last_seen_at` is written at most this often (not on every page).
        public var touchInterval: TimeInterval = 60
    }

    /// A live session and its user.
    public struct Current: Sendable {
        public var session: WebSessionModel
        public var user: UserModel
    }

    public let store: Store
    public let settings: Settings

    public init(store: Store, settings: Settings) {
        self.store = store
        self.settings = settings
    }

    /// Opens a session for `user`; returns the cookie's token (shown once, never stored).
    public func open(for user: UserModel, secondFactorPending: Bool, address: String, userAgent: String) async throws -> (token: String, session: WebSessionModel) {
        let token = TokenHasher.generate()
        let session = WebSessionModel()
        session.id = UUID()
        session.tokenHash = TokenHasher.hash(token)
        session.userID = try user.requireID()
        session.csrfToken = TokenHasher.generate()
        session.secondFactorPending = secondFactorPending
        session.address = String(address.prefix(64))
        session.userAgent = String(userAgent.prefix(200))
        let settings = self.settings
        try await store.write { context in
            session.createdAt = context.now
            session.lastSeenAt = context.now
            session.expiresAt = context.now.addingTimeInterval(settings.absoluteTimeout)
            try await session.create(on: context.database)
        }
        return (token, session)
    }

    /// The live session of `token`, or nil: unknown, revoked, idle too long, past its end, or its
    /// user disabled. Records activity (at most once per `touchInterval`).
    public func find(token: String) async throws -> Current? {
        guard token.utf8.count <= 128 else { return nil }
        let now = store.clock()
        guard let session = try await WebSessionModel.query(on: store.database).filter(\.$tokenHash == TokenHasher.hash(token)).first(),
              session.revokedAt == nil, session.expiresAt > now,
              now.timeIntervalSince(session.lastSeenAt) < settings.idleTimeout,
              let user = try await UserModel.find(session.userID, on: store.database), user.disabledAt == nil
        else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) >= settings.touchInterval {
            // Conditional on the old value: concurrent pages of one session write it once.
            try await WebSessionModel.query(on: store.database)
                .filter(\.$id == session.requireID()).filter(\.$lastSeenAt == session.lastSeenAt)
                .set(\.$lastSeenAt, to: now).update()
            session.lastSeenAt = now
        }
        return Current(session: session, user: user)
    }

    /// The second factor was given: the session opens the user's pages. Returns the new session
    /// token (the token changes with the session's privilege, against fixation).
    public func completeSecondFactor(_ session: WebSessionModel) async throws -> String {
        let token = TokenHasher.generate()
        let id = try session.requireID()
        try await store.write { context in
            try await WebSessionModel.query(on: context.database).filter(\.$id == id)
                .set(\.$secondFactorPending, to: false).set(\.$tokenHash, to: TokenHasher.hash(token))
                .set(\.$csrfToken, to: TokenHasher.generate()).update()
        }
        return token
    }

    /// The session waits for a (first) second-factor code again: its user is enrolling one.
    public func awaitSecondFactor(_ session: WebSessionModel) async throws {
        let id = try session.requireID()
        try await store.write { context in
            try await WebSessionModel.query(on: context.database).filter(\.$id == id).set(\.$secondFactorPending, to: true).update()
        }
    }

    /// Sign-out: ends the session (audited).
    public func close(_ session: WebSessionModel, user: UserModel) async throws {
        let id = try session.requireID()
        try await store.write { context in
            try await WebSessionModel.query(on: context.database).filter(\.$id == id).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: context.now).update()
            try await context.audit(AuditActor(userID: user.id, role: user.role), action: .signOut, entity: .user, entityID: session.userID.uuidString)
        }
    }

    /// The live sessions of a user, newest first.
    public func sessions(of userID: UUID) async throws -> [WebSessionModel] {
        let now = store.clock()
        return try await WebSessionModel.query(on: store.database)
            .filter(\.$userID == userID).filter(\.$revokedAt == nil).filter(\.$expiresAt > now)
            .sort(\.$createdAt, .descending).all()
            .filter { now.timeIntervalSince($0.lastSeenAt) < settings.idleTimeout }
    }

    /// Revokes one session of `userID` (404 when it is not theirs), audited.
    public func revoke(sessionID: UUID, of userID: UUID, by actor: AuditActor) async throws {
        try await store.write { context in
            guard let session = try await WebSessionModel.find(sessionID, on: context.database), session.userID == userID else {
                throw NotFoundError(entity: "session", id: sessionID.uuidString)
            }
            guard session.revokedAt == nil else { return }
            session.revokedAt = context.now
            try await session.save(on: context.database)
            try await context.audit(actor, action: .sessionRevoke, entity: .user, entityID: userID.uuidString, data: ["session": sessionID.uuidString])
        }
    }

    /// Revokes every session of a user except `keeping` (after a password change, a disable),
    /// audited when there was any; returns how many.
    @discardableResult
    public func revokeAll(of userID: UUID, except keeping: UUID? = nil, by actor: AuditActor) async throws -> Int {
        try await store.write { context in
            var query = WebSessionModel.query(on: context.database).filter(\.$userID == userID).filter(\.$revokedAt == nil)
            if let keeping { query = query.filter(\.$id != keeping) }
            let live = try await query.all()
            guard !live.isEmpty else { return 0 }
            for session in live {
                session.revokedAt = context.now
                try await session.save(on: context.database)
            }
            try await context.audit(actor, action: .sessionRevoke, entity: .user, entityID: userID.uuidString, data: ["sessions": String(live.count)])
            return live.count
        }
    }
}
