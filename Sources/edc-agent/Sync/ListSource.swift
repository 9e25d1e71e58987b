import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where `sync` downloads the list from: `https://` or `http://` (the signature, not the transport,
/// is what is trusted), or `file://`. Downloads are conditional, bounded in size and in time.
struct ListSource: Sendable {
    enum Outcome: Sendable {
        /// The source has not changed since the validators sent (HTTP 304).
        case notModified
        case downloaded(bytes: [UInt8], etag: String?, lastModified: String?)
    }

    /// The source could not be read (network, HTTP status, missing file): nothing is changed.
    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    /// The document is larger than the limit: refused without being parsed.
    struct TooLarge: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "the document is over the \(limit)-byte limit [document.too_large]" }
    }

    let url: URL
    let maxSize: Int
    let timeout: TimeInterval

    static func parse(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return nil }
        switch scheme {
        case "http", "https": return url.host?.isEmpty == false ? url : nil
        case "file": return url.path.isEmpty ? nil : url
        default: return nil
        }
    }

    func fetch(etag: String?, lastModified: String?) async throws -> Outcome {
        if url.isFileURL {
            do {
                let bytes = try BoundedFileReader.read(url.path, limit: maxSize)
                return .downloaded(bytes: bytes, etag: nil, lastModified: nil)
            } catch is BoundedFileReader.TooLarge {
                throw TooLarge(limit: maxSize)
            } catch {
                throw Unreachable(description: "cannot read \(url.path): \(error)")
            }
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "User-Agent", value: "edc-agent")
        request.headers.add(name: "Accept", value: "application/xml")
        if let etag { request.headers.add(name: "If-None-Match", value: etag) }
        if let lastModified { request.headers.add(name: "If-Modified-Since", value: lastModified) }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw Unreachable(description: "GET \(url.absoluteString): \(error)")
        }
        switch response.status {
        case .notModified:
            return .notModified
        case .ok:
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxSize {
                throw TooLarge(limit: maxSize)
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maxSize)
            } catch is NIOTooManyBytesError {
                throw TooLarge(limit: maxSize)
            } catch {
                // A connection cut mid-body (a truncated download) is the source failing, not a list.
                throw Unreachable(description: "GET \(url.absoluteString): body interrupted: \(error)")
            }
            return .downloaded(bytes: Array(body.readableBytesView), etag: response.headers.first(name: "ETag"),
                               lastModified: response.headers.first(name: "Last-Modified"))
        default:
            throw Unreachable(description: "GET \(url.absoluteString) answered \(response.status.code)")
        }
    }
}
