import EDCDomain
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Persistence
import Vapor

/// Wires the application: database, migrations, services, middleware and routes.
public func configure(_ app: Application, settings: Settings) async throws {
    app.http.server.configuration.hostname = settings.hostname
    app.http.server.configuration.port = settings.port
    app.routes.defaultMaxBodySize = ByteCount(value: settings.maxJSONBody)

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

    let store = Store(database: app.db)
    app.edc = EDCServices(
        store: store,
        workflow: WorkflowService(store: store, configuration: settings.workflow),
        settings: settings,
        vault: DocumentVault(keyData: try DocumentVault.loadKey(settings: settings)))

    app.middleware = Middlewares()
    app.middleware.use(MetricsMiddleware())
    app.middleware.use(ProblemMiddleware())

    try routes(app)

    if settings.seedDemoData {
        try await DemoData.seedIfEmpty(app)
    }
}
