import Foundation
import LMCore

/// Settings of a training run; the defaults are char-rnn's.
public struct TrainSettings: Sendable, Equatable, Codable {
    public var batch = 50
    public var seq = 50
    public var optimizer = OptimizerKind.rmsprop
    public var lr: Float = 2e-3
    public var clip: Float = 5
    public var clipMode = ClipMode.value
    /// Evaluate on val every this many steps (0: never during the run).
    public var evalEvery = 0
    public var seed: UInt64 = 123
    public var epochDecay: Float = 0.97
    public var decayAfterEpoch = 10
    public var stepEvery = 0
    public var stepGamma: Float = 0.5
    /// char-rnn's epoch decay, a cosine to `minLR` over each `train` call's budget, or none.
    public var decay = LearningRateDecay.charrnn
    public var minLR: Float = 0
    /// Steps of linear learning-rate warm-up at the start of each `train` call.
    public var warmup = 0

    public init() {}

    public func validate() throws {
        guard (1...100_000).contains(batch) else { throw ModelError("train: batch \(batch) must be in 1...100000") }
        guard (1...100_000).contains(seq) else { throw ModelError("train: seq \(seq) must be in 1...100000") }
        guard lr > 0 && lr.isFinite else { throw ModelError("train: lr \(lr) must be positive") }
        guard clip >= 0 && clip.isFinite else { throw ModelError("train: clip \(clip) must be ≥ 0 (0 turns it off)") }
        guard evalEvery >= 0 else { throw ModelError("train: every must be ≥ 0") }
        guard minLR >= 0 && minLR.isFinite else { throw ModelError("train: min_lr \(minLR) must be ≥ 0") }
        guard (0...Trainer.maxSteps).contains(warmup) else { throw ModelError("train: warmup \(warmup) must be in 0...\(Trainer.maxSteps) steps") }
    }
}

/// What a training run reports after each step, for the shell to draw.
public struct TrainProgress: Sendable {
    /// The trainer's step count (over all runs).
    public var step: Int
    /// Steps done in this run, out of `totalSteps`.
    public var done: Int
    public var totalSteps: Int
    /// Epochs done, fractional.
    public var epoch: Double
    public var trainLoss: Float
    public var valLoss: Double?
    public var gradNorm: Float
    public var gradRatio: Float
    public var clipped: Bool
    public var lr: Float
    public var charsPerSecond: Double
    public var etaSeconds: Double
    /// The run's wall-clock budget (`minutes=`), and the seconds spent so far.
    public var budgetSeconds: Double?
    public var elapsedSeconds: Double = 0
    /// Set on the run's last step: why it stops there.
    public var stop: TrainStop?

    /// The fraction of the run done: of its steps, or of its time budget, whichever is further.
    public var fractionDone: Double {
        let bySteps = totalSteps > 0 ? Double(done) / Double(totalSteps) : 1
        let byTime = budgetSeconds.map { $0 > 0 ? elapsedSeconds / $0 : 1 } ?? 0
        return Swift.min(1, Swift.max(bySteps, byTime))
    }

    public init(step: Int, done: Int, totalSteps: Int, epoch: Double, trainLoss: Float, valLoss: Double?, gradNorm: Float,
                gradRatio: Float, clipped: Bool, lr: Float, charsPerSecond: Double, etaSeconds: Double) {
        self.step = step
        self.done = done
        self.totalSteps = totalSteps
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.gradNorm = gradNorm
        self.gradRatio = gradRatio
        self.clipped = clipped
        self.lr = lr
        self.charsPerSecond = charsPerSecond
        self.etaSeconds = etaSeconds
    }
}

/// Trains a model on a corpus with the fused path: batches like char-rnn, truncated BPTT with the
/// state carried (and detached) from window to window, clipping, an optimizer and a schedule.
///
/// Everything that decides the next step is in the trainer's state (parameters, optimizer moments,
/// the PRNG for dropout, the batch position, the carried hidden state, the step count), so a saved and
/// restored trainer continues exactly.
public final class Trainer {
    public let model: RecurrentModel
    public let splits: CorpusSplits
    public let settings: TrainSettings
    public let optimizer: Optimizer
    public var schedule: LearningRateSchedule
    public internal(set) var batcher: Batcher
    public var rng: RandomSource
    public var state: RecurrentState
    public internal(set) var stepCount = 0
    public internal(set) var lossHistory: [Float] = []
    /// Per step, per parameter (model order): log10(‖lr·update‖/‖w‖), the update-to-data ratio a training
    /// monitor watches (healthy near −3; NaN for a parameter that was all zeros).
    public internal(set) var updateRatios: [[Float]] = []
    /// Per step, the gradient's global norm before and after clipping (the same number when nothing was clipped).
    public internal(set) var gradNorms: [(before: Float, after: Float)] = []
    public internal(set) var lastStats: GradientStats?
    let window = FusedWindow()
    var snapshot = StepSnapshot()
    /// Where the running `train` call is (warm-up and cosine decay read it); nil outside one.
    var runPosition: LearningRateSchedule.RunPosition?

    /// Shards (cores) the fused path splits a window's streams into; `FusedWindow.defaultThreads` at first.
    public var threads: Int {
        get { window.threads }
        set { window.threads = Swift.max(1, newValue) }
    }

    public init(model: RecurrentModel, splits: CorpusSplits, settings: TrainSettings = TrainSettings()) throws {
        try settings.validate()
        guard splits.vocabularySize == model.config.vocabSize else {
            throw ModelError("train: the model's vocabulary has \(model.config.vocabSize) symbols, the corpus \(splits.vocabularySize)")
        }
        self.model = model
        self.splits = splits
        self.settings = settings
        var opt = OptimizerSettings(kind: settings.optimizer)
        opt.alpha = 0.95
        optimizer = Optimizer(opt, parameterCounts: model.parameters.tensors.map(\.count))
        schedule = LearningRateSchedule(base: settings.lr)
        schedule.epochDecay = settings.epochDecay
        schedule.decayAfterEpoch = settings.decayAfterEpoch
        schedule.stepEvery = settings.stepEvery
        schedule.stepGamma = settings.stepGamma
        schedule.decay = settings.decay
        schedule.floor = settings.minLR
        schedule.warmup = settings.warmup
        batcher = try Batcher(splits.train, batch: settings.batch, seq: settings.seq)
        rng = RandomSource(seed: settings.seed)
        state = RecurrentState(config: model.config, batch: batcher.batch)
    }

    /// Messages about shrunk batch or seq for a small corpus.
    public var warnings: [String] { batcher.warnings }

    public var epoch: Double {
        Double(batcher.position.epoch) + Double(batcher.position.window) / Double(Swift.max(batcher.windowsPerEpoch, 1))
    }

    public var currentLearningRate: Float {
        schedule.rate(completedSteps: stepCount, completedEpochs: batcher.position.epoch, run: runPosition)
    }

    /// The loss and gradient statistics of one step.
    public struct StepReport: Sendable {
        public var loss: Float
        public var stats: GradientStats
        public var lr: Float
    }

    /// A step whose loss is more than this times the first step's stops training as diverged (char-rnn's
    /// "loss is exploding, aborting" test, with its factor).
    public static let explodingFactor: Float = 3

    /// The most steps one `train` call may run: the one limit, which the shell's `Limits.trainSteps` starts from.
    public static let maxSteps = 10_000_000

    /// One training step. On a NaN or Inf in the loss or a gradient, the parameters are left as they
    /// were before the step and a `TrainingDiverged` error names the step and the parameter. With `profiler`
    /// (`profile train`), the phases' times are added to it; nil in normal training.
    public func step(profiler: StepProfiler? = nil) throws -> StepReport {
        let lr = currentLearningRate
        if batcher.position.window == 0 {
            // A new pass over the text: the streams jump, so the carried state starts again from zero.
            state = RecurrentState(config: model.config, batch: batcher.batch)
        }
        let b = batcher.next()
        let masks = model.config.dropout > 0 && model.config.layers > 1
            ? DropoutMasks(config: model.config, steps: b.seq, batch: b.batch, rng: &rng) : nil
        model.parameters.zeroGrads()
        let r = try window.run(model, ids: timeMajor(b.inputs, batch: b.batch, seq: b.seq),
                               targets: timeMajor(b.targets, batch: b.batch, seq: b.seq),
                               batch: b.batch, state: state, dropoutMasks: masks, train: true, profiler: profiler)
        let stats = StepProfiler.time(profiler, .clipping) {
            model.parameters.clipGradients(threshold: settings.clip, mode: settings.clipMode)
        }
        lastStats = stats
        let next = stepCount + 1
        if !r.loss.isFinite || stats.firstNonFinite != nil {
            model.parameters.zeroGrads()
            let what = r.loss.isFinite ? "the gradient of \(stats.firstNonFinite ?? "?")" : "the loss"
            throw TrainingDiverged(step: next, message: "training stopped at step \(next): \(what) is not finite (NaN or Inf); the parameters are those after step \(stepCount)")
        }
        // char-rnn's rule: a loss more than `explodingFactor` times the run's first is exploding. A tanh RNN's
        // bounded states keep its loss finite however far the weights are thrown, so NaN alone never stops it.
        if let first = lossHistory.first, first > 0, r.loss > Trainer.explodingFactor * first {
            model.parameters.zeroGrads()
            throw TrainingDiverged(step: next, message: "training stopped at step \(next): the loss \(String(format: "%.3f", r.loss)) is more than \(Int(Trainer.explodingFactor))× the first step's \(String(format: "%.3f", first)) (the loss is exploding); the parameters are those after step \(stepCount)")
        }
        // Keep the last good state: an update can still overflow (a huge lr), and then we put it back. The copy, the
        // update and its checks run as one pass (`UpdateSweep`), or one by one should the parameters not allow it.
        let tensors = model.parameters.tensors
        var mark = profiler?.now()
        let update = UpdateSweep.run(tensors, optimizer, snapshot: &snapshot, lr: lr)
        if update != nil {
            mark = profiler?.lap(.optimizer, since: mark)  // the copy and the checks included (the table's footer says so)
        } else {
            snapshot.take(tensors, optimizer)
            mark = profiler?.lap(.snapshot, since: mark)
            optimizer.step(model.parameters, lr: lr)
            mark = profiler?.lap(.optimizer, since: mark)
        }
        if let k = update.map({ $0.firstNonFinite }) ?? ParameterSweep.firstNonFinite(tensors) {
            let bad = model.parameters.entries[k]
            try snapshot.restore(tensors, optimizer)
            throw TrainingDiverged(step: next, message: "training stopped at step \(next): \(bad.name) became non-finite after the update; the parameters are those after step \(stepCount)")
        }
        state = r.finalState
        stepCount = next
        lossHistory.append(r.loss)
        updateRatios.append(update?.ratios ?? snapshot.updateRatios(tensors))
        gradNorms.append((stats.norm, stats.clippedNorm))
        if update == nil { profiler?.lap(.checks, since: mark) }
        return StepReport(loss: r.loss, stats: stats, lr: lr)
    }

    /// Trains `steps` steps, reporting after each (`run` with a budget of steps alone).
    @discardableResult
    public func train(steps: Int, progress: (TrainProgress) -> Bool = { _ in true }) throws -> Int {
        try run(TrainBudget(steps: steps), progress: progress).done
    }
}

/// Training met a NaN or Inf; the message says at which step and where.
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public var step: Int
    public var message: String
    public var description: String { message }
}
