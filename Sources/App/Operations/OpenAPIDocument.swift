import Foundation
import Vapor

/// Serves the OpenAPI 3.1 description of `/api/v1`, kept in `Resources/openapi.json`.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            fatalError("openapi.json resource is missing from the App bundle")
        }
        return data
    }()

    /// `GET /api/v1/openapi.json`
    static func serve(_ req: Request) async throws -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: "application/json")
        return response
    }
}
