import Foundation

/// `edc-db-bench`: database-side benchmarks and fixtures for EDC (release build, in-process).
///
///     edc-db-bench queue       (--sqlite FILE | --postgres URL) [--requests N] [--runs R] [--limits 50,100]
///                              [--reviewer-token-hash HEX]
///         Migrates, seeds N requests with bulk SQL (unless the database already holds them),
///         times `RequestQueries.reviewQueue(after: nil, limit:)` R times per limit, prints the
///         query plan of the SQL Fluent actually sends, and a `result` line per limit.
///     edc-db-bench registry    --sqlite FILE [--drimboxes N] [--reviewer-token-hash HEX] [--pending-declarations P]
///         Migrates and seeds N integrated DRIMboxes (one FQDN pair each, with certificate DN),
///         one `registry.changed` outbox event, optionally an ANS reviewer with that token, and
///         P declarations awaiting a decision (state `inReview`, numbers 1...P).
///     edc-db-bench publication --sqlite FILE --pki DIR [--runs R]
///         Times the parts of a white list publication on that registry, without writing.
///     edc-db-bench pages       (--sqlite FILE | --postgres URL) [--requests 10000] [--drimboxes 2000]
///                              [--operators 200] [--busy-percent 10] [--awaiting-percent 3]
///         Migrates and seeds a registry and a request history for timing the web pages
///         (scripts/bench-pages.sh); see PagesSeed.
@main
struct EDCDBBench {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else { usage() }
        arguments.removeFirst()
        let options = Options(arguments)
        do {
            switch mode {
            case "queue": try await QueueBenchmark.run(options)
            case "registry": try await RegistrySeed.run(options)
            case "publication": try await PublicationBreakdown.run(options)
            case "pages": try await PagesSeed.run(options)
            default: usage()
            }
        } catch {
            FileHandle.standardError.write(Data("edc-db-bench \(mode): \(String(reflecting: error))\n".utf8))
            exit(1)
        }
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("usage: edc-db-bench queue|registry|publication|pages [options] (see Main.swift)\n".utf8))
        exit(2)
    }
}

/// `--name value` pairs.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard name.hasPrefix("--"), index + 1 < arguments.count else { EDCDBBench.usage() }
            values[String(name.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, default value: Int) -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")) else { EDCDBBench.usage() }
        return number
    }

    func ints(_ name: String, default value: [Int]) -> [Int] {
        guard let text = values[name] else { return value }
        return text.split(separator: ",").map { Int($0) ?? 0 }.filter { $0 > 0 }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Milliseconds since an arbitrary origin (monotonic).
func nowMilliseconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000 }

/// The value at percentile `p` (nearest rank) of `values`.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// A small deterministic generator (SplitMix64), so that seeded data is the same every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
