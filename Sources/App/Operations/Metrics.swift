import Foundation
import Metrics
import Prometheus
import Vapor

/// Prometheus metrics: one registry per process (the metrics system can be bootstrapped once).
/// Vapor itself counts requests and times them (`http_requests_total`, `http_request_errors_total`,
/// `http_request_duration_seconds`, labelled by method, route pattern and status) into it.
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
