import Meteo
import Testing

@Suite("EDC_METEO_RESOLVE")
struct ResolveMapTests {
    @Test("exact, wildcard (one or more labels), exact wins, longest suffix wins, IPv6")
    func lookups() throws {
        let map = try ResolveMap(" db1.1.demo.test=127.0.0.1:8443, *.demo.test=127.0.0.1:9443 ,*.1.demo.test=[::1]:7443,Vi1.2.Demo.Test.=10.0.0.2:443")
        #expect(map.address(for: "db1.1.demo.test") == .init(ip: "127.0.0.1", port: 8443))
        #expect(map.address(for: "DB1.1.demo.test.") == .init(ip: "127.0.0.1", port: 8443))
        #expect(map.address(for: "vi1.1.demo.test") == .init(ip: "::1", port: 7443))
        #expect(map.address(for: "db1.7.demo.test") == .init(ip: "127.0.0.1", port: 9443))
        #expect(map.address(for: "vi1.2.demo.test") == .init(ip: "10.0.0.2", port: 443))
        #expect(map.address(for: "demo.test") == nil)
        #expect(map.address(for: "xdemo.test") == nil)
        #expect(map.address(for: "example.fr") == nil)
        #expect(ResolveMap.Address(ip: "::1", port: 7443).description == "[::1]:7443")
    }

    @Test("empty text is an empty map")
    func empty() throws {
        #expect(try ResolveMap("").isEmpty)
        #expect(try ResolveMap("  ").isEmpty)
    }

    @Test("given entries win over the demo's")
    func override() throws {
        let demo = try ResolveMap("*.demo.test=127.0.0.1:1000,db1.1.demo.test=127.0.0.1:1001")
        let given = try ResolveMap("db1.1.demo.test=127.0.0.1:2001")
        let merged = demo.overridden(by: given)
        #expect(merged.address(for: "db1.1.demo.test")?.port == 2001)
        #expect(merged.address(for: "vi1.1.demo.test")?.port == 1000)
    }

    @Test("malformed entries are refused", arguments: [
        "db1.demo.test",
        "db1.demo.test=127.0.0.1",
        "db1.demo.test=127.0.0.1:0",
        "db1.demo.test=127.0.0.1:70000",
        "db1.demo.test=localhost:443",
        "db1.demo.test=::1:443",
        "db1.*.demo.test=127.0.0.1:443",
        "*=127.0.0.1:443",
        "=127.0.0.1:443",
        "a.test=127.0.0.1:1,,b.test=127.0.0.1:2",
    ])
    func refused(text: String) {
        #expect(throws: ResolveMapError.self) { try ResolveMap(text) }
    }
}
