import Foundation
import LMCore

/// Why a `train` call stopped.
public enum TrainStop: String, Sendable, Equatable {
    /// It ran the steps it was given.
    case steps
    /// Its wall-clock budget (`minutes=`) was spent: it stopped at the first step boundary after.
    case time
    /// Ctrl-C (the progress callback said stop).
    case interrupted

    /// For the progress line and the result.
    public var phrase: String {
        switch self {
        case .steps: return "the steps are done"
        case .time: return "the time budget is spent"
        case .interrupted: return "interrupted"
        }
    }
}

/// What a `train` call may spend: steps, and optionally wall-clock seconds (whichever runs out first);
/// whether it keeps the weights of its best validation loss.
public struct TrainBudget: Sendable, Equatable {
    public var steps: Int
    public var seconds: Double?
    /// Evaluate val at every tenth of the run (and at its end) when `every` is 0, and leave the model at the
    /// weights of the lowest val loss seen (kept in memory, put back at the end).
    public var keepBest = false

    public init(steps: Int, seconds: Double? = nil, keepBest: Bool = false) {
        self.steps = steps
        self.seconds = seconds
        self.keepBest = keepBest
    }
}

/// What a `train` call did.
public struct TrainOutcome: Sendable {
    public var done = 0
    public var stop = TrainStop.steps
    /// The lowest val loss evaluated during the run, and the trainer's step count then.
    public var bestVal: Double?
    public var bestStep: Int?
    /// The last val loss evaluated (before any restore).
    public var lastVal: Double?
    /// The weights were put back to those of `bestStep` at the end.
    public var restoredBest = false
    public var seconds: Double = 0

    public init() {}
}

extension Trainer {
    /// Trains until the budget's steps are done or its seconds are spent (checked after each step, so the
    /// run ends at the first step boundary past the budget), reporting after each step; `progress` returns
    /// false to stop (Ctrl-C: the model is then as after the last finished step, no restore). Warm-up and a
    /// cosine decay run over this call (`runPosition`). With `keepBest`, val is evaluated at each tenth of
    /// the run and at its end, and the weights of the best val loss are put back when the end is worse.
    public func run(_ budget: TrainBudget, progress: (TrainProgress) -> Bool = { _ in true }) throws -> TrainOutcome {
        let steps = budget.steps
        guard steps >= 0 && steps <= Trainer.maxSteps else { throw ModelError("train: steps \(steps) must be in 0...\(Trainer.maxSteps)") }
        if let s = budget.seconds, !(s >= 0 && s.isFinite) { throw ModelError("train: the time budget must be ≥ 0 seconds") }
        let start = Date()
        var out = TrainOutcome()
        var best: [[Float]]?
        var nextTenth = 1
        defer { runPosition = nil }
        func fraction(_ done: Int, _ elapsed: Double) -> Double {
            let bySteps = steps > 0 ? Double(done) / Double(steps) : 1
            let byTime = budget.seconds.map { $0 > 0 ? elapsed / $0 : 1 } ?? 0
            return Swift.min(1, Swift.max(bySteps, byTime))
        }
        if steps == 0 || budget.seconds == 0 {
            out.stop = steps == 0 ? .steps : .time
            return out
        }
        while true {
            runPosition = .init(done: out.done, fraction: fraction(out.done, Date().timeIntervalSince(start)))
            let report = try step()
            out.done += 1
            var elapsed = Date().timeIntervalSince(start)
            var stop: TrainStop?
            if out.done >= steps { stop = .steps } else if let s = budget.seconds, elapsed >= s { stop = .time }
            let f = fraction(out.done, elapsed)
            var evaluate = settings.evalEvery > 0 && (stepCount % settings.evalEvery == 0 || stop != nil)
            if budget.keepBest && (stop != nil || (settings.evalEvery == 0 && f * 10 + 1e-9 >= Double(nextTenth))) { evaluate = true }
            while f * 10 + 1e-9 >= Double(nextTenth) { nextTenth += 1 }
            var val: Double?
            if evaluate, !splits.val.isEmpty {
                let v = try model.evaluate(splits.val, batch: batcher.batch, seq: batcher.seq).nats
                val = v
                out.lastVal = v
                if budget.keepBest, v.isFinite, v < (out.bestVal ?? .infinity) {
                    out.bestVal = v
                    out.bestStep = stepCount
                    best = model.parameters.tensors.map(\.data)
                }
                elapsed = Date().timeIntervalSince(start)
            }
            let cps = Double(out.done * batcher.batch * batcher.seq) / Swift.max(elapsed, 1e-9)
            var eta = elapsed / Double(out.done) * Double(steps - out.done)
            if let s = budget.seconds { eta = Swift.min(eta, Swift.max(0, s - elapsed)) }
            if stop != nil { eta = 0 }
            var p = TrainProgress(
                step: stepCount, done: out.done, totalSteps: steps, epoch: epoch, trainLoss: report.loss, valLoss: val,
                gradNorm: report.stats.norm, gradRatio: report.stats.ratio, clipped: report.stats.clipped, lr: report.lr,
                charsPerSecond: cps, etaSeconds: eta)
            p.budgetSeconds = budget.seconds
            p.elapsedSeconds = elapsed
            p.stop = stop
            if !progress(p) { out.stop = .interrupted; break }
            if let stop { out.stop = stop; break }
        }
        if out.stop != .interrupted, let best, let b = out.bestVal, let last = out.lastVal, last > b {
            for (t, d) in zip(model.parameters.tensors, best) { t.data = d }
            out.restoredBest = true
        }
        out.seconds = Date().timeIntervalSince(start)
        return out
    }
}
