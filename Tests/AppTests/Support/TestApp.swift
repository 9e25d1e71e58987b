@testable import App
import EDCDomain
import Fluent
import Foundation
import Persistence
import Testing
import Vapor
import VaporTesting

/// Runs `body` with a fully configured application on its own database.
func withTestApp(_ adjust: (inout Settings) -> Void = { _ in }, _ body: (Application) async throws -> Void) async throws {
    let (location, drop): (Settings.DatabaseLocation, @Sendable () async -> Void)
    do {
        (location, drop) = try await TestDatabase.make()
    } catch {
        throw DetailedError(detail: String(reflecting: error))
    }
    let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("edc-test-\(UUID().uuidString)").path
    var settings = Settings()
    settings.database = location
    settings.dataDirectory = dataDirectory
    settings.passwordCost = 4
    settings.documentKey = Data(repeating: 7, count: 32)
    settings.metricsToken = "metrics-token-for-tests"
    // Refused sign-ins are answered at once in tests (the delay is measured in bench-signin-storm.sh).
    settings.signIn.failureDelay = 0
    adjust(&settings)
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    do {
        try await configure(app, settings: settings)
        try await body(app)
    } catch {
        try? await app.asyncShutdown()
        await drop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
        // PostgresNIO hides details from `description`; tests want them.
        throw DetailedError(detail: String(reflecting: error))
    }
    try await app.asyncShutdown()
    await drop()
    try? FileManager.default.removeItem(atPath: dataDirectory)
}

/// ANS staff and two operators, each with a token, ready to drive the API.
struct World {
    struct Account {
        var user: UserModel
        var token: String
        var principal: Principal
        var headers: HTTPHeaders {
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: token)
            return headers
        }
    }

    var admin: Account
    var reviewer: Account
    var secondReviewer: Account
    var operatorA: Account
    var operatorB: Account
    var operatorAID: UUID
    var operatorBID: UUID

    static let password = "correct horse battery staple"

    static func make(_ app: Application) async throws -> World {
        let accounts = app.edc.accounts
        let system = AuditActor(userID: nil, role: .system)
        let a = try await accounts.createOperator(by: system, legalName: Name("Opérateur A"), siren: SIREN("732829320"), supportPhone: FrenchPhoneNumber("01 23 45 67 89"), supportEmail: EmailAddress("support@a.example.fr"), responsibleContact: nil)
        let b = try await accounts.createOperator(by: system, legalName: Name("Opérateur B"), siren: SIREN("552100554"), supportPhone: FrenchPhoneNumber("04 72 00 00 00"), supportEmail: EmailAddress("support@b.example.fr"), responsibleContact: nil)
        func account(_ email: String, _ role: Role, _ operatorID: UUID?) async throws -> Account {
            let user = try await accounts.createUser(by: system, email: EmailAddress(email), displayName: Name(email), role: role, operatorID: operatorID, password: password)
            let token = try await accounts.issueToken(by: system, for: user, name: "test", lifetime: nil).token
            return Account(user: user, token: token, principal: Principal(userID: user.id, role: role, operatorID: operatorID))
        }
        return World(
            admin: try await account("admin@ans.example.fr", .administrator, nil),
            reviewer: try await account("reviewer@ans.example.fr", .reviewer, nil),
            secondReviewer: try await account("reviewer2@ans.example.fr", .reviewer, nil),
            operatorA: try await account("user@a.example.fr", .operatorUser, a.id),
            operatorB: try await account("user@b.example.fr", .operatorUser, b.id),
            operatorAID: try a.requireID(), operatorBID: try b.requireID())
    }
}

extension Application {
    /// Sends a request through the whole middleware stack and returns the response.
    func send(_ method: HTTPMethod, _ path: String, as account: World.Account? = nil, json: String? = nil, headers extra: HTTPHeaders = [:], body: ByteBuffer? = nil) async throws -> TestingHTTPResponse {
        var headers = account?.headers ?? HTTPHeaders()
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        var buffer = body
        if let json {
            headers.contentType = .json
            buffer = ByteBuffer(string: json)
        }
        return try await testing().sendRequest(method, path, headers: headers, body: buffer)
    }
}

extension Application {
    /// What a Prometheus scraper sends to `/metrics`.
    var metricsHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        if let token = edc.settings.metricsToken { headers.bearerAuthorization = BearerAuthorization(token: token) }
        return headers
    }
}

extension TestingHTTPResponse {
    /// The JSON body as a dictionary, for concise checks.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    var text: String { body.getString(at: body.readerIndex, length: body.readableBytes) ?? "" }
}

struct DetailedError: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}

extension Application {
    /// Starts the real HTTP server on an ephemeral loopback port for the duration of `body`.
    func withRunningServer(_ body: (_ baseURL: String) async throws -> Void) async throws {
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        do {
            guard let port = http.server.shared.localAddress?.port else { throw DetailedError(detail: "server has no local port") }
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
