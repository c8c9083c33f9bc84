import Foundation
import LMBench
import LMCore

/// `lmsh-bench` (run by `make bench`):
///   lmsh-bench [matmul]                    our matmul beside cblas_sgemm called directly
///   lmsh-bench panel [--pair]              the panel kernel beside cblas_sgemm; --pair: both cores on a 3×512
///                                          layer's step, as batch shards or as column halves
///   lmsh-bench gates                       the LSTM's gate math, ns per gate value, forward and backward
///   lmsh-bench wgrad                       the weight-gradient product ∂Zᵀ·H at (a)'s and (b)'s shapes, both orientations,
///                                          and OpenBLAS's bits from K-blocked FMA chains
///   lmsh-bench shakespeare [--steps N]     char-rnn's default LSTM on Tiny Shakespeare, with the KN 6-gram beside it
///   lmsh-bench run [FLAGS]                 the same as `lmsh bench FLAGS` (see LMBench)
///   lmsh-bench interop-export --out DIR    checkpoints and log-probs for Tests/LMModelsTests/Scripts/check_torch_interop.py
let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first ?? "matmul" {
    case "matmul":
        try runMatmulBench()
    case "panel":
        if args.dropFirst().first == "--pair" { try runPanelPairBench() } else { try runPanelBench() }
    case "gates": try runGateBench()
    case "wgrad":
        try runWGBench()
        try runWGRepro()
    case "shakespeare":
        try runShakespeare(args: Array(args.dropFirst()))
    case "interop-export": try runInteropExport(args: Array(args.dropFirst()))
    case "run": exit(BenchCommand.main(Array(args.dropFirst())))
    default:
        print("usage: lmsh-bench [matmul | panel [--pair] | gates | wgrad | shakespeare [--steps N] [--data PATH] [--ngram-only] | interop-export --out DIR]")
        exit(2)
    }
} catch {
    print("lmsh-bench: \(error)")
    exit(1)
}
