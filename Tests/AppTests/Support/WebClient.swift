@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// A browser for the web pages, through the whole middleware stack: keeps cookies, reads the
/// anti-forgery token of the last page, posts forms as a browser does (urlencoded, or multipart
/// when a file goes with them).
struct WebClient {
    let app: Application
    var cookies: [String: String] = [:]
    /// The last page's `_csrf` field.
    var csrf: String?
    var lastPage = ""

    init(app: Application) { self.app = app }

    /// A client signed in through `/connexion` (asserts the redirect to the user's home).
    static func signedIn(_ app: Application, email: String, password: String = World.password) async throws -> WebClient {
        var client = WebClient(app: app)
        _ = try await client.get("/connexion")
        let response = try await client.post("/connexion", ["email": email, "password": password])
        #expect(response.status == .seeOther, "sign-in of \(email): \(response.status) \(response.text.prefix(300))")
        return client
    }

    @discardableResult
    mutating func get(_ path: String) async throws -> TestingHTTPResponse {
        try await send(.GET, path, body: nil, contentType: nil)
    }

    /// Posts `fields` with the current anti-forgery token (unless `csrf` is given: "" sends none).
    @discardableResult
    mutating func post(_ path: String, _ fields: [String: String], csrf: String? = nil) async throws -> TestingHTTPResponse {
        var all = fields
        let token = csrf ?? self.csrf ?? ""
        if !token.isEmpty { all["_csrf"] = token }
        let body = all.sorted { $0.key < $1.key }.map { Self.encode($0.key) + "=" + Self.encode($0.value) }.joined(separator: "&")
        return try await send(.POST, path, body: ByteBuffer(string: body), contentType: .urlEncodedForm)
    }

    /// Posts a multipart form with one file.
    @discardableResult
    mutating func postMultipart(_ path: String, _ fields: [String: String], file: (name: String, filename: String, type: String, bytes: [UInt8])) async throws -> TestingHTTPResponse {
        let boundary = "edc-test-\(UUID().uuidString)"
        var all = fields
        if let csrf { all["_csrf"] = csrf }
        var body = ByteBuffer()
        for (name, value) in all.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.type)\r\n\r\n")
        body.writeBytes(file.bytes)
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await send(.POST, path, body: body, contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary]))
    }

    private mutating func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, contentType: HTTPMediaType?) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .accept, value: "text/html,application/xhtml+xml")
        if let contentType { headers.contentType = contentType }
        if !cookies.isEmpty { headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0]
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if header.contains("Max-Age=0") || parts[1].isEmpty { cookies.removeValue(forKey: parts[0]) } else { cookies[parts[0]] = parts[1] }
        }
        let text = response.text
        if response.headers.contentType?.subType == "html" {
            lastPage = text
            if let token = Self.field("_csrf", in: text) { csrf = token }
        }
        return response
    }

    /// The value of the first `<input … name="NAME" value="…">` of `html`.
    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The text of the error message tied to the field `name` (`<p class="fr-message fr-message--error">`).
    static func fieldError(_ name: String, in html: String) -> String? {
        let id = "champ-" + name.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        guard let range = html.range(of: "id=\"\(id)-message\"") else { return nil }
        let rest = html[range.upperBound...]
        guard let start = rest.range(of: "fr-message--error\">"), let close = rest.range(of: "</div>"), start.lowerBound < close.lowerBound,
              let end = rest[start.upperBound...].range(of: "</p>") else { return nil }
        return String(rest[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The `value` attribute of the input `name` (or a textarea's text).
    static func fieldValue(_ name: String, in html: String) -> String? {
        if let range = html.range(of: "name=\"\(name)\"") {
            let rest = html[range.upperBound...]
            if let tagEnd = rest.firstIndex(of: ">") {
                let tag = rest[..<tagEnd]
                if let value = tag.range(of: "value=\"") {
                    let after = tag[value.upperBound...]
                    return after.firstIndex(of: "\"").map { String(after[..<$0]).replacingOccurrences(of: "&amp;", with: "&") }
                }
                if let close = rest.range(of: "</textarea>") { return String(rest[rest.index(after: tagEnd)..<close.lowerBound]) }
            }
        }
        return nil
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
