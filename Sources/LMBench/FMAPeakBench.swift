import Foundation
import LMKernels
import LMModels

/// The machine's FMA peak, measured rather than quoted: `FMAPeak.spin` (twelve independent 8-lane FMA
/// chains, no memory traffic) on one thread per core, all cores at once, and on one core alone. Training
/// figures are then also given as a percentage of the all-cores figure: the fraction of the machine a
/// program uses, which a ratio to another program on a busy machine is not.
public enum FMAPeakBench {
    public struct Result: Sendable {
        /// GFLOP/s of all cores at once (best of the rounds), and of one core alone.
        public var allCores: Double
        public var oneCore: Double
        public var cores: Int
        /// (max − min) / max over the all-cores rounds: how much the machine's other load moved it.
        public var spread: Double
    }

    /// One round: `threads` threads each spinning `iterations`; GFLOP/s over the wall time of the slowest.
    static func round(threads: Int, iterations: Int) -> Double {
        let group = DispatchGroup()
        let t0 = now()
        for k in 0..<threads {
            DispatchQueue.global(qos: .userInitiated).async(group: group) {
                let s = FMAPeak.spin(iterations: iterations, seed: Float(k + 1))
                if s.isNaN { print("") }  // uses the result
            }
        }
        group.wait()
        let seconds = now() - t0
        return Double(threads * iterations * FMAPeak.flopsPerIteration) / seconds / 1e9
    }

    /// Nil when the CPU lacks AVX2/FMA (the kernel is compiled for them).
    public static func measure(rounds: Int = 7, secondsPerRound: Double = 0.25) -> Result? {
        guard PackedMatrix.kernelAvailable else { return nil }
        let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Calibrate: iterations for about `secondsPerRound` on one core.
        var iterations = 1_000_000
        let g = round(threads: 1, iterations: iterations)
        iterations = Swift.max(100_000, Int(g * 1e9 * secondsPerRound / Double(FMAPeak.flopsPerIteration)))
        var all: [Double] = [], one: [Double] = []
        for _ in 0..<rounds {
            all.append(round(threads: cores, iterations: iterations))
            one.append(round(threads: 1, iterations: iterations))
        }
        let best = all.max() ?? 0
        return Result(allCores: best, oneCore: one.max() ?? 0, cores: cores,
                      spread: best > 0 ? (best - (all.min() ?? 0)) / best : 0)
    }

    static func run() -> BenchReport {
        var r = BenchReport()
        r.add("engine", "lmsh")
        r.add("mode", "fma")
        guard let m = measure() else {
            r.add("error", "this CPU has no AVX2/FMA")
            return r
        }
        r.add("cores", m.cores)
        r.add("gflops_peak", m.allCores)
        r.add("gflops_peak_1_core", m.oneCore)
        r.add("spread", m.spread)
        return r
    }
}
