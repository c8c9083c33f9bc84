import Dispatch
import LMCore

/// Where a training step's time goes (`profile train m text`): training steps run exactly as `train` runs
/// them, with a `StepProfiler` passed in, and the phases' times as a table (total ms, ms per step, share of
/// the step). "other" is the step's wall time minus the timed phases, so the rows add up to the step.
///
/// The model is left as it was: the steps run on a trainer of their own, and every parameter's values and
/// gradient are put back afterwards.
public struct TrainingProfile: Sendable {
    public struct Row: Sendable {
        /// The field name (`input_projection`, …, `other`).
        public var key: String
        public var title: String
        /// Over all profiled steps.
        public var milliseconds: Double
        public var perStep: Double
        public var percent: Double
        /// Timed intervals (per step and layer for the per-step phases); 0 for `other`.
        public var count: Int
    }

    /// What was profiled, e.g. "2 × 128 LSTM (PyTorch's gates i, f, g, o)".
    public var headline: String
    /// Steps profiled, and unprofiled warm-up steps before them.
    public var steps: Int
    public var warmup: Int
    public var batch: Int
    public var seq: Int
    /// "fused", "reference" (a cell's definition on autodiff ops) or "autodiff" (a transformer).
    public var path: String
    /// Shards of the batch run in parallel on the fused path (1 elsewhere).
    public var shards: Int
    /// The sum of the profiled steps' wall times, and the wall time of the whole profiled loop around them.
    public var stepMilliseconds: Double
    public var wallMilliseconds: Double
    /// The timed phases (those that ran), then `other`.
    public var rows: [Row]

    public var charsPerSecond: Double {
        stepMilliseconds > 0 ? Double(steps * batch * seq) / (stepMilliseconds / 1000) : 0
    }

    public func row(_ key: String) -> Row? { rows.first { $0.key == key } }

    init(headline: String, steps: Int, warmup: Int, batch: Int, seq: Int, path: String, shards: Int,
         profiler: StepProfiler, stepNanoseconds: UInt64, wallNanoseconds: UInt64) {
        self.headline = headline
        self.steps = steps
        self.warmup = warmup
        self.batch = batch
        self.seq = seq
        self.path = path
        self.shards = shards
        let total = Double(stepNanoseconds) / 1e6
        stepMilliseconds = total
        wallMilliseconds = Double(wallNanoseconds) / 1e6
        let n = Double(Swift.max(steps, 1))
        func row(_ key: String, _ title: String, _ ms: Double, _ count: Int) -> Row {
            Row(key: key, title: title, milliseconds: ms, perStep: ms / n, percent: total > 0 ? 100 * ms / total : 0, count: count)
        }
        var rows: [Row] = []
        for phase in StepProfiler.Phase.allCases where profiler.count(phase) > 0 {
            rows.append(row(phase.key, phase.title, Double(profiler.nanoseconds(phase)) / 1e6, profiler.count(phase)))
        }
        let timed = rows.reduce(0) { $0 + $1.milliseconds }
        rows.append(row("other", "other (the step minus the phases above)", Swift.max(0, total - timed), 0))
        self.rows = rows
    }

    /// The table, with a headline and a footer that says how the phases were timed.
    public var table: String {
        let width = Swift.max(44, rows.map(\.title.count).max() ?? 0)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = ["profile: \(steps) training step\(steps == 1 ? "" : "s") of a \(headline), batch \(batch) seq \(seq), after \(warmup) warm-up step\(warmup == 1 ? "" : "s"); \(path) path"
                     + (path == "fused" ? ", \(shards) shard\(shards == 1 ? "" : "s")" : "")]
        lines.append(pad("phase") + "   total ms    ms/step  % of step")
        for r in rows {
            lines.append(pad(r.title) + String(format: " %10.2f %10.3f %9.1f%%", r.milliseconds, r.perStep, r.percent))
        }
        lines.append(pad("step (wall)") + String(format: " %10.2f %10.3f %9.1f%%", stepMilliseconds, stepMilliseconds / Double(Swift.max(steps, 1)),
                                                  stepMilliseconds > 0 ? 100.0 : 0))
        lines.append(String(format: "%.0f chars/s while profiling (the clocks cost a few reads per time step)", charsPerSecond))
        lines.append(footer)
        return lines.joined(separator: "\n")
    }

    var footer: String {
        // The recurrent trainer's update is one pass (`UpdateSweep`); the transformer's optimizer row is the optimizer alone.
        let update = path == "autodiff" ? "" : "\nthe optimizer row includes the rollback copy, the finite check and the update ratios (one pass)"
        return footerTiming + update
    }

    var footerTiming: String {
        switch path {
        case "fused" where shards > 1:
            return "\(shards) shards run the window in parallel: the phases inside it are the first shard's\n"
                + "(wall time on its thread); the wait for the others is in other"
        case "fused": return "every phase on the calling thread (wall time)"
        default: return "wall time on the calling thread; forward and backward include all the autodiff ops of the graph"
        }
    }

    /// Runs `warmup` steps untimed, then `steps` steps with a profiler (fewer when `shouldStop` says so between
    /// steps), and returns the profiler, the sum of the steps' wall times, the loop's wall time and the steps done.
    static func run(steps: Int, warmup: Int, shouldStop: () -> Bool, _ step: (StepProfiler?) throws -> Void) throws
        -> (StepProfiler, UInt64, UInt64, Int) {
        for _ in 0..<warmup {
            if shouldStop() { break }
            try step(nil)
        }
        let profiler = StepProfiler()
        var total: UInt64 = 0, done = 0
        let start = profiler.now()
        for _ in 0..<steps {
            if shouldStop() { break }
            let t0 = profiler.now()
            try step(profiler)
            total += profiler.now() - t0
            done += 1
        }
        return (profiler, total, profiler.now() - start, done)
    }

    /// Saves every parameter's values and gradient, to put them back after profiling.
    static func keep(_ parameters: NamedParameters) -> () -> Void {
        let saved = parameters.tensors.map { ($0, $0.data, $0.grad?.data) }
        return {
            for (t, data, grad) in saved {
                t.data = data
                if let grad {
                    if let g = t.grad, g.count == grad.count { g.data = grad } else { t.grad = try? Tensor(shape: t.shape, data: grad) }
                } else {
                    t.grad = nil
                }
            }
        }
    }

    public static func validate(steps: Int, warmup: Int) throws {
        guard (1...Trainer.maxSteps).contains(steps) else { throw ModelError("profile: steps \(steps) must be in 1...\(Trainer.maxSteps)") }
        guard (0...Trainer.maxSteps).contains(warmup) else { throw ModelError("profile: warm \(warmup) must be in 0...\(Trainer.maxSteps)") }
    }

    /// Profiles training of a recurrent model on `splits` with `settings` (on the fused path when its plan says
    /// so, else on its definition), leaving the model as it was.
    public static func measure(_ model: RecurrentModel, splits: CorpusSplits, settings: TrainSettings, steps: Int, warmup: Int = 3,
                               threads: Int = FusedWindow.defaultThreads, shouldStop: () -> Bool = { false }) throws -> TrainingProfile {
        try validate(steps: steps, warmup: warmup)
        let restore = keep(model.parameters)
        defer { restore() }
        let trainer = try Trainer(model: model, splits: splits, settings: settings)
        trainer.threads = threads
        let plan = ExecutionPlan(model.config, batch: trainer.batcher.batch, train: true, threads: threads,
                                 panelKernel: trainer.window.usePanelKernel)
        let (profiler, total, wall, done) = try run(steps: steps, warmup: warmup, shouldStop: shouldStop) { p in
            _ = try trainer.step(profiler: p)
        }
        let c = model.config
        return TrainingProfile(headline: "\(c.layers) × \(c.hidden) \(c.cell.title)", steps: done, warmup: warmup,
                               batch: trainer.batcher.batch, seq: trainer.batcher.seq, path: plan.path.rawValue, shards: plan.shards,
                               profiler: profiler, stepNanoseconds: total, wallNanoseconds: wall)
    }

    /// Profiles training of a transformer (forward, backward on the tape, clipping, optimizer), leaving it as it was.
    public static func measure(_ model: TransformerModel, part: CorpusSplit, batch: Int, seq: Int, optimizer: OptimizerKind, lr: Float,
                               clip: Float, clipMode: ClipMode, steps: Int, warmup: Int = 3,
                               shouldStop: () -> Bool = { false }) throws -> TrainingProfile {
        try validate(steps: steps, warmup: warmup)
        let restore = keep(model.parameters)
        defer { restore() }
        let trainer = try TransformerTrainer(model: model, part: part, batch: batch, seq: seq, optimizer: optimizer, lr: lr, clip: clip,
                                             clipMode: clipMode)
        let (profiler, total, wall, done) = try run(steps: steps, warmup: warmup, shouldStop: shouldStop) { p in
            _ = try trainer.step(profiler: p)
        }
        let c = model.config
        return TrainingProfile(headline: "transformer of \(c.layers) layer\(c.layers == 1 ? "" : "s") × \(c.heads) heads × dim \(c.dim)", steps: done, warmup: warmup,
                               batch: trainer.batcher.batch, seq: trainer.batcher.seq, path: "autodiff", shards: 1,
                               profiler: profiler, stepNanoseconds: total, wallNanoseconds: wall)
    }
}
