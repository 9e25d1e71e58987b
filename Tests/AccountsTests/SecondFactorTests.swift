@testable import Accounts
import Crypto
import EDCDomain
import EDCTestSupport
import FluentKit
import Foundation
import Persistence
import Testing

@Suite("TOTP second factor: enrolment, verification, replay, lock, removal")
struct SecondFactorTests {
    static var key: SymmetricKey { SymmetricKey(data: Data(repeating: 7, count: 32)) }

    func withSetup(_ body: (AccountsFixture, SecondFactor) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let fixture = try await AccountsFixture.make(database)
            var settings = SignInSettings()
            settings.maximumFailures = 3
            settings.lockDuration = 600
            try await body(fixture, SecondFactor(store: fixture.store, keys: [Self.key], settings: settings))
        }
    }

    /// The code the user's application shows now (or `steps` steps later).
    func code(_ secretBase32: String, _ clock: TestClock, steps: Int64 = 0) throws -> String {
        TOTP.code(secret: try #require(Base32.decode(secretBase32)), counter: UInt64(TOTP.step(at: clock.now) + steps))
    }

    /// A code that none of the three acceptable steps has.
    func wrong(_ secretBase32: String, _ clock: TestClock) throws -> String {
        let good = try Set((-1...1).map { try code(secretBase32, clock, steps: Int64($0)) })
        return try #require((0...9).map { String(repeating: String($0), count: 6) }.first { !good.contains($0) })
    }

    /// A user with the second factor enabled; returns the secret.
    func enrol(_ user: UserModel, _ fixture: AccountsFixture, _ factor: SecondFactor) async throws -> String {
        let enrolment = try await factor.beginEnrolment(userID: user.requireID())
        try await factor.confirmEnrolment(userID: user.requireID(), code: try code(enrolment.secretBase32, fixture.clock))
        fixture.clock.advance(by: 30)
        return enrolment.secretBase32
    }

    @Test("enrolment: the secret stays pending (sealed) until a first good code; then the second factor is on and audited")
    func enrolment() async throws {
        try await withSetup { fixture, factor in
            let userID = try fixture.userA.requireID()
            let enrolment = try await factor.beginEnrolment(userID: userID)
            #expect(enrolment.otpauthURI.hasPrefix("otpauth://totp/EDC%20DRIM-M:user%40a.example.fr?secret=\(enrolment.secretBase32)&"))
            var stored = try await fixture.reload(fixture.userA)
            #expect(!factor.isEnabled(stored))
            let pending = try #require(stored.totpPendingSecret)
            #expect(stored.totpSecret == nil)
            #expect(pending.hasPrefix("v1."))
            #expect(!pending.contains(enrolment.secretBase32), "the secret is not stored readable")
            #expect(!pending.contains(Base32.decode(enrolment.secretBase32)!.base64EncodedString()))

            // Not enabled yet: verification has nothing to check against.
            await #expect(throws: WorkflowError.self) { try await factor.verify(userID: userID, code: try code(enrolment.secretBase32, fixture.clock)) }
            let refused = await #expect(throws: ValidationErrors.self) { try await factor.confirmEnrolment(userID: userID, code: try wrong(enrolment.secretBase32, fixture.clock)) }
            #expect(refused?.errors.first?.userMessage == "Code de vérification incorrect.")
            #expect(refused?.errors.first?.field == "code")

            try await factor.confirmEnrolment(userID: userID, code: try code(enrolment.secretBase32, fixture.clock))
            stored = try await fixture.reload(fixture.userA)
            #expect(factor.isEnabled(stored))
            #expect(stored.totpPendingSecret == nil)
            #expect(stored.totpSecret == pending)
            #expect(stored.totpEnabledAt == fixture.clock.now)
            #expect(stored.totpLastStep == TOTP.step(at: fixture.clock.now))
            // The confirming code was used: it cannot sign in a second time.
            await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try code(enrolment.secretBase32, fixture.clock)) }
            // A second enrolment needs the first one removed.
            let again = await #expect(throws: WorkflowError.self) { _ = try await factor.beginEnrolment(userID: userID) }
            #expect(again?.code == "totp.already_enabled")
            #expect(try await fixture.audited().filter { $0.rawValue.contains("totp") } == [.userTOTPEnrolmentBegin, .userTOTPEnabled, .secondFactorFailed])
        }
    }

    @Test("a code is good for its step and one either side, once: a replay, or an older step than the last used, is refused")
    func replayAndWindow() async throws {
        try await withSetup { fixture, factor in
            let userID = try fixture.userA.requireID()
            let secret = try await enrol(fixture.userA, fixture, factor)
            let now = try code(secret, fixture.clock)
            try await factor.verify(userID: userID, code: now)
            let replay = await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: now) }
            #expect(replay?.errors.first?.code == "totp.replayed")
            // The previous step is within the window, but older than the step just used.
            await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try code(secret, fixture.clock, steps: -1)) }
            // The next step (the user's clock is a little ahead) is accepted, then the current one no longer is.
            try await factor.verify(userID: userID, code: try code(secret, fixture.clock, steps: 1))
            await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try code(secret, fixture.clock)) }
            // Two steps ahead: outside the window.
            fixture.clock.advance(by: 30)
            await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try code(secret, fixture.clock, steps: 2)) }
            try await factor.verify(userID: userID, code: try code(secret, fixture.clock, steps: 1))
        }
    }

    @Test("after the maximum of wrong codes the second factor is locked for the lock duration, the right code included; a good code resets the count")
    func lockOut() async throws {
        try await withSetup { fixture, factor in
            let userID = try fixture.userA.requireID()
            let secret = try await enrol(fixture.userA, fixture, factor)
            await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try wrong(secret, fixture.clock)) }
            try await factor.verify(userID: userID, code: try code(secret, fixture.clock))
            #expect(try await fixture.reload(fixture.userA).totpFailures == nil, "a good code resets the count")
            fixture.clock.advance(by: 30)

            for _ in 1...2 { await #expect(throws: ValidationErrors.self) { try await factor.verify(userID: userID, code: try wrong(secret, fixture.clock)) } }
            do {
                try await factor.verify(userID: userID, code: try wrong(secret, fixture.clock))
                Issue.record("the third wrong code should lock")
            } catch SignInRefused.throttled(let retryAfter) {
                #expect(retryAfter == 600)
            }
            let locked = await #expect(throws: SignInRefused.self) { try await factor.verify(userID: userID, code: try code(secret, fixture.clock)) }
            if case .throttled(let retryAfter) = locked { #expect(retryAfter == 600) } else { Issue.record("expected throttled") }
            fixture.clock.advance(by: 300)
            await #expect(throws: SignInRefused.self) { try await factor.verify(userID: userID, code: try code(secret, fixture.clock)) }
            fixture.clock.advance(by: 300)
            try await factor.verify(userID: userID, code: try code(secret, fixture.clock))
            let actions = try await fixture.audited().filter { $0.rawValue.hasPrefix("auth.totp") }
            #expect(actions == [.secondFactorFailed, .secondFactorVerified, .secondFactorFailed, .secondFactorFailed, .secondFactorLocked, .secondFactorVerified])
            // The password's own lock-out is untouched.
            #expect(try await fixture.accounts.signInFailures(of: fixture.userA) == nil)
        }
    }

    @Test("removal: by the user with a good code only; by an ANS administrator or the operator's administrator without one; by no one else")
    func disable() async throws {
        try await withSetup { fixture, factor in
            let userID = try fixture.userA.requireID()
            let secret = try await enrol(fixture.userA, fixture, factor)
            await #expect(throws: ValidationErrors.self) { try await factor.disable(userID: userID, by: fixture.userA.principal) }
            await #expect(throws: ValidationErrors.self) { try await factor.disable(userID: userID, by: fixture.userA.principal, code: try wrong(secret, fixture.clock)) }
            for outsider in [fixture.adminB, fixture.reviewer, fixture.userB] {
                await #expect(throws: NotFoundError.self) { try await factor.disable(userID: userID, by: outsider.principal) }
            }
            #expect(factor.isEnabled(try await fixture.reload(fixture.userA)))
            try await factor.disable(userID: userID, by: fixture.userA.principal, code: try code(secret, fixture.clock))
            var stored = try await fixture.reload(fixture.userA)
            #expect(!factor.isEnabled(stored))
            #expect(stored.totpSecret == nil && stored.totpLastStep == nil && stored.totpEnabledAt == nil)

            _ = try await enrol(fixture.userA, fixture, factor)
            try await factor.disable(userID: userID, by: fixture.adminA.principal)
            #expect(!factor.isEnabled(try await fixture.reload(fixture.userA)))
            _ = try await enrol(fixture.userA, fixture, factor)
            try await factor.disable(userID: userID, by: fixture.administrator.principal)
            stored = try await fixture.reload(fixture.userA)
            #expect(!factor.isEnabled(stored))
            let entries = try await AuditEntryModel.query(on: fixture.store.database).filter(\.$action == .userTOTPDisabled).sort(\.$seq).all()
            #expect(entries.map(\.actorID) == [fixture.userA.id, fixture.adminA.id, fixture.administrator.id])
            #expect(entries.map(\.data) == [#"{"by":"user"}"#, #"{"by":"manager"}"#, #"{"by":"manager"}"#])
        }
    }

    @Test("a sealed secret opens only for its user and under a configured key; a former key still opens it and the next good code seals it anew")
    func sealing() async throws {
        try await withSetup { fixture, factor in
            let userID = try fixture.userA.requireID()
            let secret = try await enrol(fixture.userA, fixture, factor)
            let sealed = try #require(try await fixture.reload(fixture.userA).totpSecret)

            // Copied onto another user, it does not open.
            let other = try await fixture.reload(fixture.userB)
            other.totpSecret = sealed
            other.totpEnabledAt = fixture.clock.now
            try await other.save(on: fixture.store.database)
            await #expect(throws: PersistenceError.self) { try await factor.verify(userID: other.requireID(), code: try code(secret, fixture.clock)) }

            // A new key alone cannot open it; with the former key listed second, it can.
            let newKey = SymmetricKey(data: Data(repeating: 9, count: 32))
            let withoutOld = SecondFactor(store: fixture.store, keys: [newKey])
            await #expect(throws: PersistenceError.self) { try await withoutOld.verify(userID: userID, code: try code(secret, fixture.clock)) }
            let rotated = SecondFactor(store: fixture.store, keys: [newKey, Self.key])
            try await rotated.verify(userID: userID, code: try code(secret, fixture.clock))
            let resealed = try #require(try await fixture.reload(fixture.userA).totpSecret)
            #expect(resealed != sealed)
            fixture.clock.advance(by: 30)
            try await withoutOld.verify(userID: userID, code: try code(secret, fixture.clock))
        }
    }

    @Test("a disabled or unknown user has no second factor to check")
    func disabledUser() async throws {
        try await withSetup { fixture, factor in
            let secret = try await enrol(fixture.userA, fixture, factor)
            _ = try await fixture.accounts.setDisabled(true, userID: fixture.userA.requireID(), by: AccountsFixture.system)
            await #expect(throws: NotFoundError.self) { try await factor.verify(userID: fixture.userA.requireID(), code: try code(secret, fixture.clock)) }
            await #expect(throws: NotFoundError.self) { try await factor.verify(userID: UUID(), code: "123456") }
            await #expect(throws: NotFoundError.self) { _ = try await factor.beginEnrolment(userID: UUID()) }
        }
    }

    @Test("key rotation: resealAll seals every secret under the new first key, after which the former key is not needed")
    func resealAfterRotation() async throws {
        try await withSetup { fixture, factor in
            let secret = try await enrol(fixture.userA, fixture, factor)
            _ = try await factor.beginEnrolment(userID: fixture.userB.requireID())
            let newKey = SymmetricKey(data: Data(repeating: 9, count: 32))
            let rotated = SecondFactor(store: fixture.store, keys: [newKey, Self.key], settings: factor.settings)
            let first = try await rotated.resealAll()
            #expect(first.resealed == 2 && first.failed.isEmpty)
            #expect(try await rotated.resealAll().resealed == 0)
            // Only the new key now: the secret still opens.
            let onlyNew = SecondFactor(store: fixture.store, keys: [newKey], settings: factor.settings)
            try await onlyNew.verify(userID: fixture.userA.requireID(), code: try code(secret, fixture.clock))
            // A secret under a key no longer configured is reported, not lost silently.
            let lost = SecondFactor(store: fixture.store, keys: [SymmetricKey(data: Data(repeating: 1, count: 32))], settings: factor.settings)
            #expect(try await lost.resealAll().failed.count == 2)
        }
    }

    @Test("mandatory for ANS: asked at every ANS sign-in, even before enrolment; an ANS user cannot remove it, an administrator can reset it; operators unaffected")
    func mandatoryForANS() async throws {
        try await withSetup { fixture, plain in
            var factor = plain
            factor.requiredForANS = true
            #expect(factor.isAsked(at: fixture.reviewer) && factor.isMandatory(for: fixture.reviewer))
            #expect(!factor.isAsked(at: fixture.userA) && !plain.isAsked(at: fixture.reviewer))
            let secret = try await enrol(fixture.reviewer, fixture, factor)
            let reviewerID = try fixture.reviewer.requireID()
            let principal = Principal(userID: reviewerID, role: .reviewer, operatorID: nil)
            let refused = await #expect(throws: WorkflowError.self) {
                try await factor.disable(userID: reviewerID, by: principal, code: try code(secret, fixture.clock))
            }
            #expect(refused?.code == "totp.mandatory")
            #expect(factor.isEnabled(try await fixture.reload(fixture.reviewer)))
            let admin = Principal(userID: try fixture.administrator.requireID(), role: .administrator, operatorID: nil)
            try await factor.disable(userID: reviewerID, by: admin)
            #expect(!factor.isEnabled(try await fixture.reload(fixture.reviewer)))
        }
    }
}
