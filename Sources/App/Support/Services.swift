import Accounts
import Attestations
import Documents
import Foundation
import Notifications
import Persistence
import Publication
import Vapor
import X509

/// The application's long-lived services, built once in `configure`.
struct EDCServices: Sendable {
    var store: Store
    var workflow: WorkflowService
    var settings: Settings
    var vault: DocumentVault
    var publisher: WhitelistPublisher
    var currentWhitelist: CurrentWhitelist
    var signing: WhitelistSigningSetup
    var whitelistListener: WhitelistListener?
    var accounts: Accounts
    var signIn: SignIn
    var housekeeping: Housekeeping
    /// Browser sessions of the web pages.
    var webSessions: WebSessions
    /// TOTP second factor (secrets sealed with a key derived from the document master keys).
    var secondFactor: SecondFactor
    /// Hands outbox events to their consumers (see `OutboxWorker`); set right after the services.
    var outbox: OutboxWorker?
    /// Work started by requests and finished after their answer (account e-mail).
    var pendingWork = PendingWork()
    /// Where e-mail goes (SMTP through msmtp, or .eml files); set right after the services.
    var mailTransport: (any MailTransport)?
    /// Renders, stores and finds attestations of delegation; set right after the services.
    var attestations: AttestationIssuer?
    /// The IGC-Santé roots that pasted DRIMbox certificates must chain to (`EDC_IGC_SANTE_ANCHORS`).
    var igcSanteAnchors: [Certificate] = []
    /// When this process configured its services (readiness counts an unpublished first list from here).
    var startedAt = Date()
}

extension Application {
    private struct ServicesKey: StorageKey {
        typealias Value = EDCServices
    }

    var edc: EDCServices {
        get {
            guard let services = storage[ServicesKey.self] else { fatalError("configure(_:settings:) was not called") }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var edc: EDCServices { application.edc }
    var store: Store { application.edc.store }
    var workflow: WorkflowService { application.edc.workflow }
}
