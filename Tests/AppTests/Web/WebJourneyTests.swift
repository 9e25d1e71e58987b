import EDCTestSupport
import Foundation
import Testing

/// Situations 1 and 2 of the operator journey in a real browser: `scripts/web/journey.py` drives
/// two headless Chromium sessions side by side (the demo operator and the demo reviewer) through
/// a real `edc serve --demo` — declaration, integration with pasted CSRs, VA document, definitive
/// integration, exclusion for a cyber-security incident, re-integration with new CGI — and reads
/// the published white list at each change. Screenshots of the main pages are kept in
/// `.build/test-artifacts/web/journey/` (the guides' images come from there).
@Suite("Web pages in a real browser: the operator journey, operator and reviewer side by side")
struct WebJourneyTests {
    @Test("situations 1 and 2 from declaration to re-integration, through the pages only", .timeLimit(.minutes(10)))
    func situationsOneAndTwo() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("edc-journey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try DemoServer(data: data)
        defer { server.stop() }
        try await server.waitUntilReady()

        let artifacts = BrowserAccessibilityTests.artifacts
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let result = try await ProcessRunner.runInThread(URL(fileURLWithPath: "/usr/bin/env"), [
            "python3", BrowserAccessibilityTests.repository.appendingPathComponent("scripts/web/journey.py").path, server.baseURL, artifacts.path,
        ])
        let output = result.output
        #expect(result.status == 0, "scripts/web/journey.py failed (exit \(result.status)); screenshots: \(artifacts.path)/journey\n\(output)\n--- edc serve log ---\n\(server.log())")
        #expect(output.contains("journey: situations 1 and 2 done"), "no closing line:\n\(output)")
        // Each check the script made is one line: the run did walk the whole journey.
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count >= 25, "\(output)")
    }
}
