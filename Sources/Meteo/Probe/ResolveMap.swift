import EDCDomain
import Foundation
import NIOCore

/// Fixed addresses for host names, as given in `EDC_METEO_RESOLVE`:
/// `HOST=ADDRESS:PORT` pairs separated by commas, e.g.
/// `db1.1.demo.test=127.0.0.1:8443,*.demo.test=127.0.0.1:9443,db2.1.demo.test=[::1]:8443`.
///
/// `*` is allowed only as the whole leftmost label and stands for one or more labels
/// (`*.demo.test` maps `db1.1.demo.test` and `vi1.demo.test`, not `demo.test`). An exact entry wins
/// over any wildcard; among wildcards the longest suffix wins. Addresses are IP literals (IPv6
/// between brackets), never names. A mapped name is still the name the probe sends in SNI and
/// `Host` and the name the certificate is verified for.
public struct ResolveMap: Sendable, Hashable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public var ip: String
        public var port: Int

        public init(ip: String, port: Int) {
            self.ip = ip
            self.port = port
        }

        public var description: String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
    }

    /// Exact names (lower case, no trailing dot) to addresses.
    public private(set) var exact: [String: Address] = [:]
    /// Wildcard suffixes (`demo.test` for `*.demo.test`) to addresses.
    public private(set) var wildcards: [String: Address] = [:]

    public init() {}

    /// Parses the `EDC_METEO_RESOLVE` syntax; an empty or blank text is an empty map.
    public init(_ text: String) throws(ResolveMapError) {
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty {
                if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                throw ResolveMapError(entry: String(rawEntry), reason: "empty entry (two commas in a row?)")
            }
            guard let equals = entry.firstIndex(of: "=") else {
                throw ResolveMapError(entry: entry, reason: "expected HOST=ADDRESS:PORT")
            }
            let host = String(entry[..<equals]).trimmingCharacters(in: .whitespaces)
            let target = String(entry[entry.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            try add(host: host, target: target, entry: entry)
        }
    }

    /// Adds or replaces one mapping, `host` exact or `*.suffix`.
    public mutating func set(_ host: String, to address: Address) throws(ResolveMapError) {
        try add(host: host, target: address.description, entry: "\(host)=\(address)")
    }

    private mutating func add(host: String, target: String, entry: String) throws(ResolveMapError) {
        let address = try Self.parseAddress(target, entry: entry)
        if host.hasPrefix("*.") {
            let suffix = String(host.dropFirst(2))
            guard !suffix.contains("*"), let name = try? Hostname(suffix) else {
                throw ResolveMapError(entry: entry, reason: "\"\(host)\" is not *. followed by a host name")
            }
            wildcards[name.value] = address
        } else {
            guard !host.contains("*") else {
                throw ResolveMapError(entry: entry, reason: "* is allowed only as the whole leftmost label")
            }
            guard let name = try? Hostname(host) else {
                throw ResolveMapError(entry: entry, reason: "\"\(host)\" is not a host name")
            }
            exact[name.value] = address
        }
    }

    private static func parseAddress(_ text: String, entry: String) throws(ResolveMapError) -> Address {
        let ip: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ResolveMapError(entry: entry, reason: "expected [IPv6]:PORT")
            }
            ip = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon else {
                throw ResolveMapError(entry: entry, reason: "expected ADDRESS:PORT (IPv6 between brackets)")
            }
            ip = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ResolveMapError(entry: entry, reason: "the port must be a number from 1 to 65535")
        }
        guard (try? SocketAddress(ipAddress: ip, port: port)) != nil else {
            throw ResolveMapError(entry: entry, reason: "\"\(ip)\" is not an IP address")
        }
        return Address(ip: ip, port: port)
    }

    public var isEmpty: Bool { exact.isEmpty && wildcards.isEmpty }

    /// The address mapped for `host`, or nil to resolve it through DNS.
    public func address(for host: String) -> Address? {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if let address = exact[name] { return address }
        var rest = Substring(name)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if let address = wildcards[String(rest)] { return address }
        }
        return nil
    }

    /// This map with `other`'s entries added; on the same key, `other` wins.
    public func overridden(by other: ResolveMap) -> ResolveMap {
        var result = self
        result.exact.merge(other.exact) { _, theirs in theirs }
        result.wildcards.merge(other.wildcards) { _, theirs in theirs }
        return result
    }
}

/// An `EDC_METEO_RESOLVE` entry that cannot be read.
public struct ResolveMapError: Error, Sendable, Hashable, CustomStringConvertible {
    public var entry: String
    public var reason: String

    public var description: String { "EDC_METEO_RESOLVE entry \"\(entry)\": \(reason)" }
}
