import LMCore

/// A model trained again under new settings goes on from where its previous run stopped: a new
/// `Trainer` (its settings are constants) takes over the previous one's state, keeping everything the
/// change of settings does not make meaningless.
///
/// - Always kept: the step count and the loss history (they belong to the model), the gradient
///   statistics, the number of threads.
/// - The optimizer's moments and step count: kept unless the optimizer itself changed (`opt`).
///   A new `lr`, clipping or schedule applies from the next step (the schedule is a function of the
///   step count and the completed epochs, which go on).
/// - The data position and the carried recurrent state: kept when the training text and the (actual)
///   batch and seq are the same; otherwise the new batches start at the beginning of the text, with
///   zero state (the completed epochs go on when the text is the same).
/// - The dropout stream: kept unless the seed changed.
extension Trainer {
    /// One thing a continuation started afresh, and why.
    public struct Reset: Sendable, Equatable, CustomStringConvertible {
        public var what: String
        public var why: String
        public var description: String { "\(what) (\(why))" }
    }

    /// Takes over `previous`'s run (a trainer of the same model, possibly with other settings or another
    /// text) before this trainer's first step. Returns what started afresh, each with its reason; state
    /// that was still empty (no steps yet) is not reported.
    @discardableResult
    public func continueRun(from previous: Trainer) throws -> [Reset] {
        guard previous.model === model else {
            throw ModelError("train: a trainer can only continue a run of the same model")
        }
        var resets: [Reset] = []
        stepCount = previous.stepCount
        lossHistory = previous.lossHistory
        updateRatios = previous.updateRatios
        gradNorms = previous.gradNorms
        lastStats = previous.lastStats
        threads = previous.threads

        let oldKind = previous.settings.optimizer, newKind = settings.optimizer
        if oldKind == newKind {
            let o = previous.optimizer
            try optimizer.restore(first: o.first, second: o.second, steps: o.steps)
        } else if previous.optimizer.steps > 0 {
            resets.append(Reset(what: "the optimizer state", why: "opt changed from \"\(oldKind.rawValue)\" to \"\(newKind.rawValue)\""))
        }

        let sameText = previous.splits.train.segments == splits.train.segments
            && previous.splits.train.followers == splits.train.followers && previous.splits.train.mapped == splits.train.mapped
        let sameWindows = previous.batcher.batch == batcher.batch && previous.batcher.seq == batcher.seq
        let old = previous.batcher.position
        if sameText && sameWindows {
            try batcher.setPosition(old)
            state = previous.state
        } else {
            if sameText { try batcher.setPosition(BatchPosition(epoch: old.epoch, window: 0)) }
            if old != BatchPosition() {
                let why = !sameText ? "the training text changed"
                    : "batch×seq changed from \(previous.batcher.batch)×\(previous.batcher.seq) to \(batcher.batch)×\(batcher.seq)"
                resets.append(Reset(what: "the data position and the carried state", why: why))
            }
        }

        if previous.settings.seed == settings.seed {
            rng = previous.rng
        } else if model.config.dropout > 0 && model.config.layers > 1 && previous.stepCount > 0 {
            resets.append(Reset(what: "the dropout stream", why: "seed changed from \(previous.settings.seed) to \(settings.seed)"))
        }
        return resets
    }

    /// Continues the step count and loss history of a model whose earlier training is known only from a
    /// checkpoint (its optimizer state and data position are not: they start afresh).
    public func continueCount(steps: Int, lossHistory: [Float], updateRatios: [[Float]] = []) throws {
        guard steps >= 0 else { throw ModelError("train: a step count cannot be negative (\(steps))") }
        stepCount = steps
        self.lossHistory = lossHistory
        self.updateRatios = updateRatios
    }
}
