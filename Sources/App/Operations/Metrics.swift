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
/// Not async on purpose: global middleware runs on every request, and an async one costs a task
/// and a thread hop even for `/liste-blanche.xml`, which DRIMboxes poll.
struct MetricsMiddleware: Middleware {
    init() { _ = EDCMetrics.registry }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let start = DispatchTime.now().uptimeNanoseconds
        return next.respond(to: request).always { result in
            let status: Int = switch result {
            case .success(let response): Int(response.status.code)
            case .failure: 500
            }
            let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
            Counter(label: "edc_http_requests_total", dimensions: [("method", request.method.rawValue), ("route", route), ("status", String(status))]).increment()
            Metrics.Timer(label: "edc_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)])
                .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
        }
    }
}
