import RealModule

/// Learning-rate decay: char-rnn's per-epoch decay (×0.97 at the end of every epoch from the 10th on)
/// and an optional step decay (×gamma every `stepEvery` steps). A pure function of the position, so a
/// resumed run continues the schedule exactly.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public var base: Float
    public var epochDecay: Float = 0.97
    public var decayAfterEpoch: Int = 10
    public var stepEvery: Int = 0
    public var stepGamma: Float = 0.5

    public init(base: Float) { self.base = base }

    /// The rate for the step after `completedSteps` steps and `completedEpochs` full epochs.
    public func rate(completedSteps: Int, completedEpochs: Int) -> Float {
        var lr = base
        if epochDecay < 1 {
            let decays = Swift.max(0, completedEpochs - decayAfterEpoch + 1)
            lr *= Float.pow(epochDecay, Float(decays))
        }
        if stepEvery > 0 {
            lr *= Float.pow(stepGamma, Float(completedSteps / stepEvery))
        }
        return lr
    }
}
