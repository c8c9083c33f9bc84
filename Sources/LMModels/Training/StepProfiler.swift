import Dispatch

/// Clock accumulators for the phases of training steps (`profile train m text`): where a step's time goes.
///
/// Passed down as an optional (`Trainer.step(profiler:)`, `FusedWindow.run`, the shard and the layer); nil in
/// normal training, where each timer costs one nil check. A phase's time is wall time on the thread that runs
/// it, read from the monotonic clock (`DispatchTime`, CLOCK_MONOTONIC on Linux). Only one thread writes to a
/// profiler: with several shards, the first shard's phases are timed and the others run untimed beside it.
public final class StepProfiler {
    /// The phases, in the order a step meets them. The fused path's come first, then the reference (autodiff)
    /// path's, then the parts every step has.
    public enum Phase: Int, CaseIterable, Sendable {
        case pack, inputProjection, recurrentForward, gatesForward, decoderForward, softmaxLoss
        case decoderBackward, gatesBackward, recurrentBackward, weightGradients, shardSum
        case graphForward, tapeBackward
        case clipping, snapshot, optimizer, checks

        /// The field name in the shell's result (`p.optimizer_ms`).
        public var key: String {
            switch self {
            case .pack: return "pack"
            case .inputProjection: return "input_projection"
            case .recurrentForward: return "recurrent_forward"
            case .gatesForward: return "gates_forward"
            case .decoderForward: return "decoder_forward"
            case .softmaxLoss: return "softmax_loss"
            case .decoderBackward: return "decoder_backward"
            case .gatesBackward: return "gates_backward"
            case .recurrentBackward: return "recurrent_backward"
            case .weightGradients: return "weight_gradients"
            case .shardSum: return "shard_sum"
            case .graphForward: return "forward_graph"
            case .tapeBackward: return "backward_tape"
            case .clipping: return "clipping"
            case .snapshot: return "snapshot"
            case .optimizer: return "optimizer"
            case .checks: return "checks"
            }
        }

        /// What the row measures, as the table says it.
        public var title: String {
            switch self {
            case .pack: return "pack W_hh for the panel kernel"
            case .inputProjection: return "input projection x·W_ihᵀ (+ bias)"
            case .recurrentForward: return "recurrent GEMMs forward h·W_hhᵀ, per step"
            case .gatesForward: return "gate math forward (elementwise)"
            case .decoderForward: return "decoder forward GEMM"
            case .softmaxLoss: return "softmax + cross-entropy (+ ∂logits)"
            case .decoderBackward: return "decoder backward GEMMs (∂W, ∂h)"
            case .gatesBackward: return "gate math backward (elementwise)"
            case .recurrentBackward: return "recurrent GEMMs backward ∂z·W_hh, per step"
            case .weightGradients: return "weight gradients ∂W_ih ∂W_hh ∂b ∂x (window GEMMs)"
            case .shardSum: return "shards' gradients summed into .grad"
            case .graphForward: return "forward (autodiff graph build)"
            case .tapeBackward: return "backward (autodiff tape)"
            case .clipping: return "gradient norms + clipping"
            case .snapshot: return "snapshot for rollback"
            case .optimizer: return "optimizer update"
            case .checks: return "finite check + update ratios"
            }
        }
    }

    /// Nanoseconds and timed intervals per phase, indexed by `Phase.rawValue`.
    public private(set) var nanoseconds: [UInt64]
    public private(set) var counts: [Int]

    public init() {
        nanoseconds = Array(repeating: 0, count: Phase.allCases.count)
        counts = Array(repeating: 0, count: Phase.allCases.count)
    }

    /// The monotonic clock, in nanoseconds.
    @inline(__always) public func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Adds the time since `start` to `phase` and returns now, the start of whatever comes next (so that
    /// back-to-back phases read the clock once at each boundary).
    @inline(__always) @discardableResult
    public func lap(_ phase: Phase, since start: UInt64?) -> UInt64 {
        let t = now()
        if let start {
            nanoseconds[phase.rawValue] &+= t &- start
            counts[phase.rawValue] += 1
        }
        return t
    }

    /// Runs `body`, adding its wall time to `phase` when there is a profiler.
    @inline(__always)
    public static func time<T>(_ profiler: StepProfiler?, _ phase: Phase, _ body: () throws -> T) rethrows -> T {
        guard let profiler else { return try body() }
        let start = profiler.now()
        defer { profiler.lap(phase, since: start) }
        return try body()
    }

    public func nanoseconds(_ phase: Phase) -> UInt64 { nanoseconds[phase.rawValue] }
    public func count(_ phase: Phase) -> Int { counts[phase.rawValue] }
}
