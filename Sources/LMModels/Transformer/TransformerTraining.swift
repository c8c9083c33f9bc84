import Foundation
import LMCore

/// Training a transformer on a split's batches: each window of the batcher is `batch` rows of `seq` ≤ context
/// symbols, read from a fresh start (no state is carried: the model sees only its window), one optimizer
/// step per window.
public final class TransformerTrainer {
    public let model: TransformerModel
    public var batcher: Batcher
    public let optimizer: Optimizer
    public var lr: Float
    public var clip: Float
    public var clipMode: ClipMode
    public private(set) var stepCount = 0
    public private(set) var lossHistory: [Float] = []

    public init(model: TransformerModel, part: CorpusSplit, batch: Int, seq: Int, optimizer: OptimizerKind, lr: Float, clip: Float,
                clipMode: ClipMode, steps: Int = 0, lossHistory: [Float] = []) throws {
        guard seq >= 1 && seq <= model.config.context else {
            throw ModelError("transformer: seq \(seq) must be in 1...\(model.config.context) (the model's context)")
        }
        self.model = model
        batcher = try Batcher(part, batch: batch, seq: seq)
        self.optimizer = Optimizer(OptimizerSettings(kind: optimizer), parameterCounts: model.parameters.tensors.map(\.count))
        self.lr = lr
        self.clip = clip
        self.clipMode = clipMode
        stepCount = steps
        self.lossHistory = lossHistory
    }

    /// One window: forward, backward, clip, update. Returns the loss and the gradient statistics; a loss
    /// that is not finite leaves the weights as they were. With `profiler` (`profile train`), the phases' times
    /// are added to it.
    @discardableResult
    public func step(profiler: StepProfiler? = nil) throws -> (loss: Float, stats: GradientStats) {
        let b = batcher.next()
        model.parameters.zeroGrads()
        let loss = try StepProfiler.time(profiler, .graphForward) { try model.loss(ids: b.inputs, targets: b.targets, batch: b.batch) }
        let value = try loss.item()
        guard value.isFinite else { return (value, GradientStats(norm: .nan, parameterNorm: 0, clipped: false, clippedNorm: .nan, firstNonFinite: nil)) }
        try StepProfiler.time(profiler, .tapeBackward) { try loss.backward() }
        let stats = StepProfiler.time(profiler, .clipping) { model.parameters.clipGradients(threshold: clip, mode: clipMode) }
        if stats.firstNonFinite != nil { return (.nan, stats) }
        StepProfiler.time(profiler, .optimizer) { optimizer.step(model.parameters, lr: lr) }
        stepCount += 1
        lossHistory.append(value)
        return (value, stats)
    }
}
