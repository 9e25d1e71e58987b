import Accounts
import Attestations
import Documents
import EDCDomain
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Notifications
import Persistence
import Publication
import Vapor
import Whitelist

/// Wires the application: database, migrations, services, middleware and routes.
public func configure(_ app: Application, settings: Settings) async throws {
    app.http.server.configuration.hostname = settings.hostname
    app.http.server.configuration.port = settings.port
    // Vapor refuses a body of exactly its limit: +1 so that "more than maxJSONBody" is what gets 413.
    app.routes.defaultMaxBodySize = ByteCount(value: settings.maxJSONBody + 1)
    // A connection that sends nothing for this long is closed (a half-sent request head included).
    app.http.server.configuration.idleTimeout = .seconds(Int64(settings.idleTimeoutSeconds))

    switch settings.database {
    case .sqliteFile(let path):
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory), as: .sqlite)
    case .postgres(let url):
        app.databases.use(try .postgres(url: url), as: .psql)
    }
    app.migrations.add(EDCMigrations.all)
    if settings.autoMigrate {
        try await app.autoMigrate()
    }

    // Consumers of the outbox register by topic; the store tells the dispatcher after each commit.
    let dispatcher = OutboxDispatcher()
    let store = Store(database: app.db, clock: settings.clock, onCommit: dispatcher.committed)
    let signing = try WhitelistSigningSetup.load(settings: settings, logger: app.logger)
    try await signing.checkSigner(namespace: WhitelistNamespace(rawValue: settings.whitelist.namespace), at: settings.clock(), logger: app.logger)
    let current = CurrentWhitelist()
    var publisher = WhitelistPublisher(
        store: store,
        signer: WhitelistSigner(identity: signing.identity, namespace: WhitelistNamespace(rawValue: settings.whitelist.namespace)),
        signerSubject: signing.identity.certificate.subject.description, current: current, logger: app.logger)
    publisher.observer.omittedEntries = { EDCMetrics.whitelistOmittedEntries.set(Double($0)) }
    publisher.observer.publicationFailed = { EDCMetrics.whitelistPublicationFailures.increment() }
    publisher.signerCheck = signing.judge
    let hasher = PasswordHasher(threads: settings.signIn.passwordThreads, maximumWaiting: settings.signIn.passwordQueue)
    let accounts = Accounts(store: store, passwordCost: settings.passwordCost, hasher: hasher, maximumTokenLifetime: TimeInterval(settings.maximumTokenLifetimeDays) * 86_400)
    let vault = DocumentVault(
        keyring: try DocumentKeyring.load(configured: settings.documentKey, previous: settings.previousDocumentKeys, dataDirectory: settings.dataDirectory),
        reload: { [settings] in try DocumentKeyring.load(configured: settings.documentKey, previous: settings.previousDocumentKeys, dataDirectory: settings.dataDirectory) })
    app.edc = EDCServices(
        store: store,
        workflow: WorkflowService(store: store, configuration: settings.workflow),
        settings: settings,
        vault: vault,
        publisher: publisher, currentWhitelist: current, signing: signing,
        whitelistListener: settings.whitelist.listen.map { _ in WhitelistListener(current: current, database: { [app] in app.db }, logger: app.logger) },
        accounts: accounts,
        signIn: SignIn(
            store: store, hasher: hasher,
            throttle: AddressThrottle(limit: settings.signIn.maximumAddressFailures, window: settings.signIn.addressWindow),
            settings: settings.signIn, passwordCost: settings.passwordCost, clock: settings.clock),
        housekeeping: Housekeeping(
            store: store, orphanDocumentAge: settings.orphanDocumentAge, idempotencyRetention: settings.idempotencyRetention,
            signInFailureRetention: settings.signIn.lockDuration),
        webSessions: WebSessions(store: store, settings: settings.web.sessions),
        secondFactor: {
            var factor = SecondFactor(store: store, keys: ([vault.keyring.current] + vault.keyring.previous).map(\.masterKey), settings: settings.signIn)
            factor.requiredForANS = settings.web.totpRequiredForANS
            return factor
        }(),
        startedAt: settings.clock())
    var publication: PublicationLoop?
    if settings.whitelist.publishInBackground {
        let loop = PublicationLoop(publisher: publisher)
        dispatcher.register(.registryChanged) { Task { await loop.nudge() } }
        publication = loop
    }
    // Outbox consumers by topic: the mailer on `notification`, the attestation issuer on
    // `attestation.issued` (settings may replace them, as tests do).
    var outboxObserver = OutboxWorker.Observer()
    outboxObserver.delivered = { EDCMetrics.outboxDelivered($0).increment() }
    outboxObserver.failed = { EDCMetrics.outboxFailures($0, dead: $1).increment() }
    let transport: any MailTransport = settings.mail.smtp.map { MSMTPTransport(settings: $0, envelopeFrom: settings.mail.from.address) }
        ?? FileMailTransport(directory: URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("mail"))
    app.logger.notice("e-mail: \(transport.summary)")
    app.edc.mailTransport = transport
    let mailer = NotificationMailer(database: app.db, transport: transport, from: settings.mail.from, ansTeam: settings.mail.ansTeam)
    let attestations = AttestationIssuer(store: store, vault: app.edc.vault, publicBaseURL: settings.resolvedPublicBaseURL)
    app.edc.attestations = attestations
    app.edc.igcSanteAnchors = try CertificateController.loadAnchors(settings.igcSanteAnchorsFile)
    let consumers = settings.outbox.consumers.merging([
        .notification: { try await mailer.deliver($0) },
        .attestationIssued: { try await attestations.deliver($0) },
    ]) { configured, _ in configured }
    let outboxWorker = OutboxWorker(
        database: app.db, clock: settings.clock, consumers: consumers, settings: settings.outbox.worker,
        observer: outboxObserver, logger: app.logger)
    app.edc.outbox = outboxWorker
    var outbox: OutboxLoop?
    if settings.outbox.runInBackground, !outboxWorker.consumers.isEmpty {
        let loop = OutboxLoop(worker: outboxWorker)
        for topic in outboxWorker.consumers.keys { dispatcher.register(topic) { Task { await loop.nudge() } } }
        outbox = loop
    }
    let deadlines = settings.enforceDeadlines ? DeadlineLoop(workflow: app.edc.workflow, housekeeping: app.edc.housekeeping, logger: app.logger) : nil
    app.lifecycle.use(BackgroundWork(publication: publication, outbox: outbox, deadlines: deadlines, whitelistListener: app.edc.whitelistListener, listen: settings.whitelist.listen, passwordHasher: hasher))

    app.middleware = Middlewares()
    // Outermost: its headers land on every response, errors included.
    app.middleware.use(SecurityHeadersMiddleware(hsts: settings.hsts))
    EDCMetrics.registerAll()  // before the first request, so Vapor's request metrics land in the registry
    app.middleware.use(ProblemMiddleware())
    // Inside it: errors of pages (and unknown paths asked for by a browser) become French pages.
    app.middleware.use(WebErrorPages())

    try configureWeb(app, settings: settings)
    try routes(app)
    // After the routes exist; inside ProblemMiddleware, so the 405 is a problem document too.
    app.middleware.use(MethodNotAllowedMiddleware(routes: app.routes))

    if settings.seedDemoData {
        try await DemoData.seedIfEmpty(app)
    }
}

