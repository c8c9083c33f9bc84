import RealModule

/// How the learning rate falls over training: char-rnn's per-epoch decay, a cosine over one `train` call's
/// budget (its steps or its minutes, whichever runs out first), or none.
public enum LearningRateDecay: String, Sendable, Equatable, Codable, CaseIterable {
    case charrnn, cosine, none
}

/// Learning-rate decay: char-rnn's per-epoch decay (×0.97 at the end of every epoch from the 10th on)
/// and an optional step decay (×gamma every `stepEvery` steps); or a cosine from `base` to `floor` over
/// the run. A linear warm-up over the run's first `warmup` steps multiplies either. A pure function of
/// the position, so a resumed run continues the schedule exactly (the cosine's position in a run with a
/// time budget is the fraction of the budget spent, which a clock decides).
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public var base: Float
    public var epochDecay: Float = 0.97
    public var decayAfterEpoch: Int = 10
    public var stepEvery: Int = 0
    public var stepGamma: Float = 0.5
    public var decay = LearningRateDecay.charrnn
    /// Where the cosine ends (at the run's last step).
    public var floor: Float = 0
    /// Steps of linear warm-up at the start of each `train` call (0: none).
    public var warmup: Int = 0

    public init(base: Float) { self.base = base }

    /// Where a step lies in its `train` call: steps done before it in the call, and the fraction of the
    /// call's budget (steps or time) spent, in 0...1.
    public struct RunPosition: Sendable, Equatable {
        public var done: Int
        public var fraction: Double
        public init(done: Int, fraction: Double) {
            self.done = done
            self.fraction = fraction
        }
    }

    /// The rate for the step after `completedSteps` steps and `completedEpochs` full epochs, at `run`
    /// within its `train` call (nil outside one, e.g. `step`: no warm-up, the cosine at its start).
    public func rate(completedSteps: Int, completedEpochs: Int, run: RunPosition? = nil) -> Float {
        var lr = base
        switch decay {
        case .charrnn:
            if epochDecay < 1 {
                let decays = Swift.max(0, completedEpochs - decayAfterEpoch + 1)
                lr *= Float.pow(epochDecay, Float(decays))
            }
        case .cosine:
            let f = Float(Swift.min(1, Swift.max(0, run?.fraction ?? 0)))
            lr = floor + (base - floor) * 0.5 * (1 + Float.cos(Float.pi * f))
        case .none:
            break
        }
        if stepEvery > 0 {
            lr *= Float.pow(stepGamma, Float(completedSteps / stepEvery))
        }
        if warmup > 0, let run {
            lr *= Swift.min(1, Float(run.done + 1) / Float(warmup))
        }
        return lr
    }
}
