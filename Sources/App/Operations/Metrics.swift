import Foundation
import Metrics
import Prometheus
import Vapor

/// Prometheus metrics: one registry per process (the metrics system can be bootstrapped once).
enum EDCMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// `GET /metrics`
    static func scrape(_ req: Request) async throws -> Response {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let response = Response(status: .ok, body: .init(data: Data(buffer)))
        response.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return response
    }
}

/// Counts requests and measures their duration, labelled by route pattern (bounded cardinality).
struct MetricsMiddleware: AsyncMiddleware {
    init() { _ = EDCMetrics.registry }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var status = 500
        defer {
            let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
            let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
            Counter(label: "edc_http_requests_total", dimensions: dimensions).increment()
            Metrics.Timer(label: "edc_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)])
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        }
        let response = try await next.respond(to: request)
        status = Int(response.status.code)
        return response
    }
}
