// swift-tools-version: 6.1
// The libFuzzer target for lmsh's lexer, parser and evaluator, in its own package so that the main
// package's `swift build` never sees it. `make fuzz` (from the repository root) builds it with
// `-sanitize=fuzzer` (Linux) and runs it.
import PackageDescription

let package = Package(
    name: "lmsh-fuzz",
    dependencies: [.package(name: "lmsh", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "lmsh-fuzz",
            dependencies: ["CFuzzerDriver", .product(name: "LMShell", package: "lmsh"), .product(name: "LMHarness", package: "lmsh")]),
    ],
    swiftLanguageModes: [.v6]
)
