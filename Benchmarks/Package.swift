// swift-tools-version: 6.1
// Benchmarks and fixture generators for EDC. Measured figures live here, never in tests.
// Add a benchmark: one executable target under Sources/<name>, listed in `benchmarks` below.
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// (target name, dependencies on products of the EDC package).
let benchmarks: [(name: String, dependencies: [Target.Dependency])] = [
    // Generates an N-entry white list signed with a fresh test PKI, and times the signing.
    ("whitelist-fixture", [.product(name: "Whitelist", package: "EDC")]),
]

let package = Package(
    name: "EDCBenchmarks",
    platforms: [.macOS(.v14)],
    products: benchmarks.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(name: "EDC", path: ".."),
    ],
    targets: benchmarks.map {
        .executableTarget(name: $0.name, dependencies: $0.dependencies, swiftSettings: swiftSettings)
    }
)
