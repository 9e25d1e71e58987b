import Foundation
import NIOCore
import Vapor

/// Serves the design system (`/dsfr/1.14.4/…`, from the directory `scripts/fetch-web-assets.sh`
/// unpacked) and EDC's own style sheet and script (`/static/…`, from the app's resources).
/// The URLs carry a version, so the files are cached for a year. Only known file types, no
/// directory listing, no path outside the directory. Without the State brand setting, the Marianne
/// font files are not served (the style sheet falls back to a free font).
struct StaticFiles: Sendable {
    let dsfrDirectory: String
    let publicDirectory: String
    let stateBrand: Bool

    static let types: [String: String] = [
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
        "woff2": "font/woff2", "woff": "font/woff", "png": "image/png", "ico": "image/x-icon", "webmanifest": "application/manifest+json",
    ]

    func register(_ app: Application) {
        app.get("dsfr", "1.14.4", "**") { req in try await serve(req, root: dsfrDirectory, path: req.parameters.getCatchall()) }
        app.get("static", "**") { req in try await serve(req, root: publicDirectory, path: req.parameters.getCatchall()) }
        app.get("favicon.ico") { req in try await serve(req, root: dsfrDirectory, path: ["favicon", "favicon.ico"]) }
    }

    func serve(_ req: Request, root: String, path components: [String]) async throws -> Response {
        guard !components.isEmpty, components.count <= 8,
              components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") && !$0.contains("\\") && !$0.contains("\0") }),
              let ext = components.last?.split(separator: ".").last.map({ String($0).lowercased() }), let type = Self.types[ext]
        else { throw Abort(.notFound) }
        if !stateBrand, components.first == "fonts", components.last?.hasPrefix("Marianne") == true { throw Abort(.notFound) }
        let path = ([root] + components).joined(separator: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { throw Abort(.notFound) }
        let response = try await req.fileio.asyncStreamFile(at: path, advancedETagComparison: false)
        response.headers.replaceOrAdd(name: .contentType, value: type)
        if response.status == .ok || response.status == .notModified {
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
        }
        return response
    }
}
