import Fluent
import FluentSQL
import Vapor

/// MicroProfile-Health-style endpoints, as the reference DRIMbox serves them.
enum HealthController {
    struct Check: Content {
        var name: String
        var status: String
    }

    struct Health: Content {
        var status: String
        var checks: [Check]
    }

    /// `GET /q/health/live`: the process answers.
    static func live(_ req: Request) async throws -> Health {
        Health(status: "UP", checks: [Check(name: "process", status: "UP")])
    }

    /// `GET /q/health/ready` and `/q/health`: the database answers; 503 otherwise.
    static func ready(_ req: Request) async throws -> Response {
        var database = "UP"
        do {
            if let sql = req.db as? any SQLDatabase {
                _ = try await sql.raw("SELECT 1 AS ok").all()
            }
        } catch {
            req.logger.warning("readiness: database check failed", metadata: ["error": .string(String(describing: error))])
            database = "DOWN"
        }
        let health = Health(status: database, checks: [Check(name: "process", status: "UP"), Check(name: "database", status: database)])
        let response = Response(status: database == "UP" ? .ok : .serviceUnavailable)
        try response.content.encode(health)
        return response
    }
}
