// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let fluentKit: Target.Dependency = .product(name: "FluentKit", package: "fluent-kit")
let fluentSQL: Target.Dependency = .product(name: "FluentSQL", package: "fluent-kit")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

/// A target of use cases below the app (no Vapor, no HTTP): the domain, persistence and Fluent.
func serviceTarget(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: ["EDCDomain", "Persistence", fluentKit, crypto] + dependencies, swiftSettings: swiftSettings)
}

let package = Package(
    name: "EDC",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "edc", targets: ["edc"]),
        .executable(name: "edc-agent", targets: ["edc-agent"]),
        .library(name: "Whitelist", targets: ["Whitelist"]),
        // For the Benchmarks package, which measures the service in-process.
        .library(name: "EDCApp", targets: ["App"]),
        .library(name: "Persistence", targets: ["Persistence"]),
        .library(name: "EDCDomain", targets: ["EDCDomain"]),
        .library(name: "Notifications", targets: ["Notifications"]),
        .library(name: "Attestations", targets: ["Attestations"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: identifiers, registry rules, request and DRIMbox state machines. No I/O, no frameworks.
        .target(name: "EDCDomain", swiftSettings: swiftSettings),

        // libxml2 from Debian's libxml2-dev, for parsing and exclusive canonical XML.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        // White list model, ANS XML format, XAdES-B signer and strict verifier. No Vapor, no Fluent.
        .target(
            name: "Whitelist",
            dependencies: [
                "EDCDomain",
                "CLibXML2",
                crypto,
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),

        // Fluent models, numbered migrations, repositories and the transactional workflow service.
        .target(name: "Persistence", dependencies: ["EDCDomain", fluentKit, fluentSQL, crypto, logging], swiftSettings: swiftSettings),

        // Documents attached to requests: sealed at rest (AES-256-GCM), within a quota. No Vapor.
        serviceTarget("Documents", [fluentSQL]),

        // Operators, users, tokens and sign-in (lock-out, throttling): the account rules. No Vapor.
        serviceTarget("Accounts"),

        // The signed white list's publication: outbox events in, signed versions out, the served
        // snapshot and the publication's health. No Vapor, no HTTP.
        serviceTarget("Publication", ["Whitelist", logging]),

        // cairo + pango (Debian libcairo2-dev, libpango1.0-dev) and libqrencode (libqrencode-dev)
        // for the attestation PDF.
        .systemLibrary(name: "CPangoCairo", pkgConfig: "pangocairo cairo-pdf", providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),

        // The attestation of delegation as a PDF (two pages, French, embedded font subsets, QR code
        // of its verification URL), byte-identical for the same facts. No Vapor.
        serviceTarget("Attestations", ["CPangoCairo", "CQREncode", "Documents"]),

        // E-mail: notification events rendered in French (RFC 5322/MIME) and delivered through
        // msmtp, or written as .eml files when no SMTP server is configured. No Vapor.
        serviceTarget("Notifications"),

        // Météo des DRIMbox: the prober (HTTPS health and certificate checks over SwiftNIO), the
        // status model (thresholds, maintenance, self-suspicion, bounded roll-ups) and the
        // scheduler. No Vapor, no Fluent.
        .target(
            name: "Meteo",
            dependencies: [
                "EDCDomain",
                "Whitelist",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),

        // The Vapor application: configuration, routes, controllers, API, operations endpoints.
        .target(
            name: "App",
            dependencies: [
                "Accounts",
                "EDCDomain",
                "Attestations",
                "Documents",
                "Notifications",
                "Persistence",
                "Publication",
                "Whitelist",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/Views"), .copy("Resources/Public")],
            swiftSettings: swiftSettings
        ),

        // The service executable: serve, migrate, admin commands.
        .executableTarget(
            name: "edc",
            dependencies: [
                "App",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // The DRIMbox-side verifier: must never link Vapor or Fluent.
        .executableTarget(
            name: "edc-agent",
            dependencies: [
                "Whitelist",
                crypto,
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // What several test targets share: the per-test database (SQLite, or PostgreSQL cloned from
        // a migrated template), a clock tests move, the process runner for edc, edc-agent and
        // external tools, and the shared samples lookup.
        .target(
            name: "EDCTestSupport",
            dependencies: [
                "Persistence",
                fluentKit, fluentSQL,
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                logging,
            ],
            path: "Tests/EDCTestSupport",
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "EDCDomainTests", dependencies: ["EDCDomain"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WhitelistTests",
            dependencies: ["Whitelist", "EDCDomain", "EDCTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PersistenceTests",
            dependencies: [
                "Persistence",
                "EDCTestSupport",
                fluentKit,
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PublicationTests", dependencies: ["Publication"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MeteoTests",
            dependencies: [
                "Meteo",
                "EDCDomain",
                crypto,
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents", "Persistence", "EDCTestSupport", crypto], swiftSettings: swiftSettings),
        .testTarget(name: "AccountsTests", dependencies: ["Accounts", "Persistence", "EDCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AttestationsTests", dependencies: ["Attestations", "EDCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications", "Persistence", "EDCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "Accounts",
                "Publication",
                "Whitelist",
                "EDCTestSupport",
                .product(name: "VaporTesting", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDCAgentTests",
            dependencies: ["edc-agent", "Whitelist", "EDCDomain", "EDCTestSupport", crypto],
            swiftSettings: swiftSettings
        ),
    ]
)
