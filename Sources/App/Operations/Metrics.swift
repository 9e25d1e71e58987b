import Persistence
import Publication
import Crypto
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

    /// Entries of trusted DRIMboxes left out of the last published white list (cannot be written).
    static let whitelistOmittedEntries = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "edc", metricName: "whitelist_omitted", unitName: "entries", helpText: "Entries of trusted DRIMboxes left out of the last published white list."))
    /// Publication attempts that failed (the previous version stayed served).
    static let whitelistPublicationFailures = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "edc", metricName: "whitelist_publication_failures", unitName: "total", helpText: "White list publication attempts that failed."))
    /// Seconds since the oldest registry change not yet in a published white list (0 when up to date).
    static let whitelistPublicationLag = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "edc", metricName: "whitelist_publication_lag", unitName: "seconds", helpText: "Seconds since the oldest registry change not yet in a published white list."))
    /// Seconds since the served white list was generated.
    static let whitelistServedAge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "edc", metricName: "whitelist_served_age", unitName: "seconds", helpText: "Seconds since the served white list was generated."))

    // The outbox, per topic: delivered and failed attempts (counted as they happen), and the
    // backlog, the age of its oldest event and the dead letters (measured at scrape time).
    static func outboxDelivered(_ topic: OutboxTopic) -> Prometheus.Counter {
        registry.makeCounter(name: "edc_outbox_delivered_total", labels: [("topic", topic.rawValue)], help: "Outbox events delivered to their consumer.")
    }
    static func outboxFailures(_ topic: OutboxTopic, dead: Bool) -> Prometheus.Counter {
        registry.makeCounter(name: "edc_outbox_failures_total", labels: [("topic", topic.rawValue), ("outcome", dead ? "dead_letter" : "retry")], help: "Failed outbox deliveries, by topic and by what followed (a retry or the dead letters).")
    }
    static func outboxBacklog(_ topic: OutboxTopic) -> Prometheus.Gauge {
        registry.makeGauge(name: "edc_outbox_backlog_events", labels: [("topic", topic.rawValue)], help: "Outbox events not yet delivered (dead letters excluded).")
    }
    static func outboxOldestAge(_ topic: OutboxTopic) -> Prometheus.Gauge {
        registry.makeGauge(name: "edc_outbox_oldest_pending_age_seconds", labels: [("topic", topic.rawValue)], help: "Age of the oldest outbox event not yet delivered (0 when none).")
    }
    static func outboxDeadLetters(_ topic: OutboxTopic) -> Prometheus.Gauge {
        registry.makeGauge(name: "edc_outbox_dead_letters", labels: [("topic", topic.rawValue)], help: "Outbox events that kept failing, waiting for an administrator.")
    }

    /// Registers EDC's own series, so that they show from the first scrape.
    static func registerAll() {
        _ = (whitelistOmittedEntries, whitelistPublicationFailures, whitelistPublicationLag, whitelistServedAge)
        for topic in OutboxTopic.allCases {
            _ = (outboxDelivered(topic), outboxFailures(topic, dead: false), outboxFailures(topic, dead: true))
            _ = (outboxBacklog(topic), outboxOldestAge(topic), outboxDeadLetters(topic))
        }
    }

    /// `GET /metrics`: only with `Authorization: Bearer <EDC_METRICS_TOKEN>` (401 otherwise); off
    /// (404) when no token is configured. The figures tell an attacker about load and failures.
    static func scrape(_ req: Request) async throws -> Response {
        guard let expected = req.edc.settings.metricsToken else { throw Abort(.notFound, reason: "Élément introuvable.") }
        // Compared as hashes: the time taken does not depend on how much of the token matches.
        guard let given = req.headers.bearerAuthorization?.token,
              Data(SHA256.hash(data: Data(given.utf8))) == Data(SHA256.hash(data: Data(expected.utf8)))
        else { throw Abort(.unauthorized, reason: "Jeton de métriques requis.") }
        // Measured at scrape time, so that the lag grows even while the publisher is stuck.
        if let health = try? await PublicationHealth.measure(
            on: req.db, startedAt: req.edc.startedAt, maximumLag: req.edc.settings.whitelist.maximumPublicationLag) {
            whitelistPublicationLag.set(health.lagSeconds)
            if let age = health.servedAgeSeconds() { whitelistServedAge.set(Double(age)) }
        }
        if let topics = try? await OutboxAdministration.summary(on: req.db, now: req.edc.settings.clock()) {
            for summary in topics {
                guard let topic = OutboxTopic(rawValue: summary.topic) else { continue }
                outboxBacklog(topic).set(Double(summary.pending))
                outboxOldestAge(topic).set(Double(summary.oldestPendingAgeSeconds ?? 0))
                outboxDeadLetters(topic).set(Double(summary.dead))
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let response = Response(status: .ok, body: .init(data: Data(buffer)))
        response.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return response
    }
}
