// swift-tools-version: 6.1
// Benchmarks and fixture generators for EDC. Measured figures live here, never in tests.
// Add a benchmark: one executable target under Sources/<name>, listed in `benchmarks` below.
import PackageDescription

let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// (target name, dependencies on products of the EDC package).
let benchmarks: [(name: String, dependencies: [Target.Dependency])] = [
    // Generates an N-entry white list signed with a fresh test PKI, and times the signing.
    ("whitelist-fixture", [.product(name: "Whitelist", package: "EDC")]),
    // Seeds a registry / review queue with bulk SQL (SQLite or PostgreSQL), times the review
    // queue's page 1 in-process, prints query plans, and breaks down a white list publication.
    ("edc-db-bench", [
        .product(name: "Persistence", package: "EDC"),
        .product(name: "EDCDomain", package: "EDC"),
        .product(name: "Whitelist", package: "EDC"),
        .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
        .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
    ]),
    // Mail throughput through msmtp to a local SMTP server, and the outbox's delivery lag
    // under a burst of events (SQLite file database).
    // Attestation PDF render time (in-process, release).
    ("edc-attestation-bench", [.product(name: "Attestations", package: "EDC")]),
    ("edc-mail-bench", [
        .product(name: "Persistence", package: "EDC"),
        .product(name: "Notifications", package: "EDC"),
        .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
    ]),
]

/// Packages benchmarks use directly; all already in EDC's dependency graph (same versions).
let directPackages: [Package.Dependency] = [
    .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
    .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
]

let package = Package(
    name: "EDCBenchmarks",
    platforms: [.macOS(.v14)],
    products: benchmarks.map { .executable(name: $0.name, targets: [$0.name]) },
    dependencies: [
        .package(name: "EDC", path: ".."),
    ] + directPackages,
    targets: benchmarks.map {
        .executableTarget(name: $0.name, dependencies: $0.dependencies, swiftSettings: swiftSettings)
    }
)
