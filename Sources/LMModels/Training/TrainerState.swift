import LMCore

/// Everything that decides a trainer's next step, as plain values: what a training checkpoint saves
/// so that training N steps, saving, loading and training M more equals training N + M straight.
public struct TrainerState: Sendable, Equatable {
    public var parameters: [[Float]]
    public var optimizerFirst: [[Float]]
    public var optimizerSecond: [[Float]]
    public var optimizerSteps: Int
    public var rngState: [UInt64]
    public var position: BatchPosition
    /// The carried recurrent state, per layer [B·H].
    public var hidden: [[Float]]
    public var cells: [[Float]]
    public var stepCount: Int
    public var lossHistory: [Float]
}

extension Trainer {
    /// A copy of the trainer's state.
    public func saveState() -> TrainerState {
        TrainerState(
            parameters: model.parameters.tensors.map(\.data),
            optimizerFirst: optimizer.first, optimizerSecond: optimizer.second, optimizerSteps: optimizer.steps,
            rngState: rng.stateWords, position: batcher.position, hidden: state.h, cells: state.c,
            stepCount: stepCount, lossHistory: lossHistory)
    }

    /// Puts a saved state back; sizes are checked so a state from another model is an error.
    public func restore(_ s: TrainerState) throws {
        let tensors = model.parameters.tensors
        guard s.parameters.map(\.count) == tensors.map(\.count) else {
            throw ModelError("resume: the saved parameters do not match this model")
        }
        guard s.hidden.count == state.h.count, s.hidden.allSatisfy({ $0.count == state.batch * model.config.hidden }),
              s.cells.count == state.c.count, s.cells.allSatisfy({ $0.count == state.batch * model.config.memoryWidth })
        else {
            throw ModelError("resume: the saved recurrent state does not match batch \(state.batch) and this model")
        }
        try optimizer.restore(first: s.optimizerFirst, second: s.optimizerSecond, steps: s.optimizerSteps)
        try batcher.setPosition(s.position)
        rng = try RandomSource(state: s.rngState)
        for (t, d) in zip(tensors, s.parameters) { t.data = d }
        state.h = s.hidden
        state.c = s.cells
        stepCount = s.stepCount
        lossHistory = s.lossHistory
    }
}
