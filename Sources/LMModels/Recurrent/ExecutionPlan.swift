/// How a window of a model runs, decided in one place: the fused window (the cell's fused kernel, the
/// batch's streams cut into one shard per core, and per layer the panel kernel and where the input
/// projection is made) or the reference path (the cell's definition, step by step with autodiff ops).
///
/// Every choice carries its reason, so that `m.plan` and `:time` can say why a model runs as it does.
public struct ExecutionPlan: Sendable, CustomStringConvertible {
    public enum Path: String, Sendable {
        case fused = "fused"
        case reference = "reference"
    }

    public struct Layer: Sendable {
        /// The recurrent products run on `PanelKernel` with W_hh packed once per window (else BLAS).
        public var panel: Bool
        /// Both projections are made at the step, straight into the step's gates (else the input
        /// projection is one GEMM over the window, or a row gather for one-hot input).
        public var stepByStep: Bool
        public var reason: String
    }

    public var path: Path
    public var reason: String
    /// Shards of the batch run in parallel (1 on the reference path).
    public var shards: Int
    public var layers: [Layer]
    public var batch: Int
    public var train: Bool

    /// The plan for a window of `batch` streams. `threads` is the most shards to use; `panelKernel` says
    /// whether the CPU has the instructions the panel kernel is compiled for.
    public init(_ c: ModelConfig, batch: Int, train: Bool, threads: Int = FusedWindow.defaultThreads,
                panelKernel: Bool = PackedMatrix.kernelAvailable) {
        self.batch = batch
        self.train = train
        guard let kernel = c.cell.kernel else {
            path = .reference
            reason = "the \(c.cell.name) cell has no fused kernel: its definition runs step by step on autodiff ops"
            shards = 1
            layers = []
            return
        }
        path = .fused
        // Streams per shard: at least 4 each, so tiny batches stay on one core.
        shards = Swift.max(1, Swift.min(threads, batch / 4))
        reason = "the \(c.cell.name) cell's fused kernel; \(shards) shard\(shards == 1 ? "" : "s") of the batch "
            + (shards == 1 ? (threads > 1 ? "(fewer than 8 streams stay on one core)" : "(one core)")
                           : "on \(shards) cores, each with single-threaded BLAS, gradients summed")
        let g = c.cell.gates * c.hidden
        layers = (0..<c.layers).map { l in
            let oneHot = l == 0 && c.embed == 0
            guard panelKernel else {
                return Layer(panel: false, stepByStep: false, reason: "BLAS for every product (no AVX2/FMA, or LMSH_PANEL_KERNEL=0)")
            }
            if kernel.separateProjections {
                return Layer(panel: true, stepByStep: false,
                             reason: "panel kernel for h·W_hhᵀ; the input projection apart (the cell needs the two apart)")
            }
            if oneHot {
                return Layer(panel: true, stepByStep: true, reason: "panel kernel for h·W_hhᵀ; one-hot input gathered at the step")
            }
            // W_ih step by step only while it stays in L2 (at most 512 KB): for larger layers one GEMM over the
            // window is faster (3×512 LSTM: 9.1k against 10.5k chars/s forward).
            let small = c.inputSize(layer: l) * g <= 1 << 17
            return Layer(panel: true, stepByStep: small,
                         reason: small ? "panel kernel for both projections at the step (W_ih fits in L2)"
                                       : "panel kernel for h·W_hhᵀ; the input projection in one GEMM over the window (W_ih exceeds L2)")
        }
    }

    public var description: String {
        var lines = ["\(path.rawValue) path for a \(train ? "training" : "forward-only") window of batch \(batch): \(reason)"]
        for (l, layer) in layers.enumerated() { lines.append("  layer \(l + 1): \(layer.reason)") }
        return lines.joined(separator: "\n")
    }
}
