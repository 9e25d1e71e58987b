import Publication
import Fluent
import FluentSQL
import Vapor

/// MicroProfile-Health-style endpoints, as the reference DRIMbox serves them.
enum HealthController {
    struct Check: Content {
        var name: String
        var status: String
        var data: [String: String]?
    }

    struct Health: Content {
        var status: String
        var checks: [Check]
    }

    /// `GET /q/health/live`: the process answers.
    static func live(_ req: Request) async throws -> Health {
        Health(status: "UP", checks: [Check(name: "process", status: "UP")])
    }

    /// `GET /q/health/ready` and `/q/health`: the database answers and the served white list
    /// follows the registry (no change left unpublished longer than the configured bound); 503 otherwise.
    static func ready(_ req: Request) async throws -> Response {
        var checks = [Check(name: "process", status: "UP")]
        do {
            if let sql = req.db as? any SQLDatabase {
                _ = try await sql.raw("SELECT 1 AS ok").all()
            }
            checks.append(Check(name: "database", status: "UP"))
            checks.append(try await whitelistCheck(req))
        } catch {
            req.logger.warning("readiness: database check failed", metadata: ["error": .string(String(describing: error))])
            checks.append(Check(name: "database", status: "DOWN"))
        }
        let up = checks.allSatisfy { $0.status == "UP" }
        let response = Response(status: up ? .ok : .serviceUnavailable)
        try response.content.encode(Health(status: up ? "UP" : "DOWN", checks: checks))
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    private static func whitelistCheck(_ req: Request) async throws -> Check {
        let health = try await PublicationHealth.measure(on: req.db, startedAt: req.edc.startedAt, maximumLag: req.edc.settings.whitelist.maximumPublicationLag)
        var data = [
            "publicationLagSeconds": String(Int(health.lagSeconds)),
            "maximumLagSeconds": String(Int(health.maximumLagSeconds)),
        ]
        if let version = health.servedVersion { data["servedVersion"] = String(version) }
        if let age = health.servedAgeSeconds() { data["servedAgeSeconds"] = String(age) }
        if !health.isUp {
            req.logger.error("readiness: white list publication is behind the registry", metadata: ["lagSeconds": .stringConvertible(Int(health.lagSeconds))])
        }
        return Check(name: "whitelist", status: health.isUp ? "UP" : "DOWN", data: data)
    }
}
