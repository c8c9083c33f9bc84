// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "lmsh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lmsh", targets: ["lmsh"]),
        .library(name: "LMCore", targets: ["LMCore"]),
        .library(name: "LMModels", targets: ["LMModels"]),
        .library(name: "LMShell", targets: ["LMShell"]),
        .library(name: "LMHarness", targets: ["LMHarness"]),  // for the fuzzer package in fuzz/ (not shipped)
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: found with pkg-config; the Makefile installs them with apt when missing.
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CEditLine", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]),

        // Tensor core and reverse-mode autodiff on BLAS.
        .target(
            name: "LMCore",
            dependencies: ["CBLAS", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),

        // The panel kernel of the recurrent products, compiled for Haswell-class CPUs (AVX2, FMA, BMI) and called
        // only when the CPU has them (checked at run time by LMModels, which stays baseline x86-64).
        .target(
            name: "LMKernels",
            swiftSettings: [
                .unsafeFlags(["-target-cpu", "haswell"], .when(platforms: [.linux])),
                .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
            ]),

        // Corpora, recurrent models (reference and fused paths), training, sampling, n-grams, checkpoints.
        .target(
            name: "LMModels",
            dependencies: [
                "LMCore", "LMKernels", .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),

        // Inspection: spectra, gradients through time, states and cells, and their pictures.
        .target(name: "LMInspect", dependencies: ["LMCore", "LMModels", "CBLAS"]),

        // The command language: lexer, parser, evaluator, sessions. Knows nothing of the terminal.
        .target(name: "LMShell", dependencies: ["LMCore", "LMModels", "LMInspect"]),

        // Test support, not linked into lmsh: runs untrusted text as cells (the property tests and the fuzzer).
        .target(name: "LMHarness", dependencies: ["LMShell"]),

        // The executable: arguments and the REPL.
        .executableTarget(
            name: "lmsh",
            dependencies: [
                "LMCore", "LMShell", "LMBench", "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // `lmsh bench`: training, evaluation and sampling throughput with the reference script's flags.
        .target(
            name: "LMBench", dependencies: ["LMCore", "LMKernels", "LMModels", "CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),

        // Micro-benchmarks and helpers (matmul, shakespeare, interop-export; `run` is `lmsh bench`).
        .executableTarget(
            name: "lmsh-bench", dependencies: ["LMCore", "LMModels", "LMBench", "CBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),

        .testTarget(name: "LMCoreTests", dependencies: ["LMCore"], exclude: ["Golden"]),
        .testTarget(name: "LMInspectTests", dependencies: ["LMInspect", "LMModels", "LMCore"]),
        .testTarget(name: "LMShellTests", dependencies: ["LMShell", "LMHarness", "LMModels", "LMCore"], exclude: ["Transcripts"]),
        .testTarget(name: "LMBenchTests", dependencies: ["LMBench", "LMModels"]),
        .testTarget(name: "LMModelsTests", dependencies: ["LMModels", "LMCore", "LMKernels"], exclude: ["Scripts", "Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
