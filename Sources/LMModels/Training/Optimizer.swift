import LMCore
import LMKernels

/// The optimizers of the lecture and of char-rnn, updating a model's parameters in place from their
/// `grad`. State (moments, accumulators, step count) is plain arrays so a checkpoint can save it.
public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    /// Plain gradient descent, the lecture's update rule: θ ← θ − lr·∇θ (no momentum, no state).
    case gd
    /// Stochastic gradient descent with (PyTorch-style) momentum μ = 0.9: v = μv + g; θ −= lr·v.
    case sgd
    /// Adagrad, as in min-char-rnn: a += g²; θ −= lr·g/√(a + ε).
    case adagrad
    /// RMSProp, as in char-rnn (torch optim): m = αm + (1 − α)g²; θ −= lr·g/(√m + ε), α = 0.95.
    case rmsprop
    /// Adam with bias correction (Kingma and Ba; PyTorch's defaults β = 0.9, 0.999, ε = 1e-8).
    case adam
}

extension OptimizerKind {
    /// Whether the rule writes the first moment (momentum's velocity, Adam's m) and the second (the squared
    /// gradients' accumulator or average).
    var writesFirst: Bool { self == .sgd || self == .adam }
    var writesSecond: Bool { self == .adagrad || self == .rmsprop || self == .adam }
}

public struct OptimizerSettings: Sendable, Equatable, Codable {
    public var kind: OptimizerKind
    public var momentum: Float = 0.9
    public var alpha: Float = 0.95
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8

    public init(kind: OptimizerKind) { self.kind = kind }
}

public final class Optimizer {
    public let settings: OptimizerSettings
    /// First and second moment (or velocity / accumulator) of each parameter, one object per array so that
    /// both cores can write their halves of them at once (`ParameterSweep`).
    let moments: [Moment]
    /// First moment per parameter (zero until the first step).
    public var first: [[Float]] { moments.map(\.first.values) }
    /// Second moment per parameter.
    public var second: [[Float]] { moments.map(\.second.values) }
    public internal(set) var steps: Int = 0

    public init(_ settings: OptimizerSettings, parameterCounts: [Int]) {
        self.settings = settings
        moments = parameterCounts.map { Moment(count: $0) }
    }

    /// Restores saved state (exact resume).
    public func restore(first: [[Float]], second: [[Float]], steps: Int) throws {
        let counts = moments.map(\.first.values.count)
        guard first.map(\.count) == counts, second.map(\.count) == counts else {
            throw ModelError("optimizer: saved state does not match the model's parameters")
        }
        for (k, m) in moments.enumerated() {
            m.first.values = first[k]
            m.second.values = second[k]
        }
        self.steps = steps
    }

    /// One update of every parameter from its gradient (a missing gradient counts as zero), both cores
    /// taking half of the numbers for a big model.
    public func step(_ parameters: NamedParameters, lr: Float) {
        let rule = begin(lr: lr)
        // Parameters without a gradient are left out (their arrays are not opened).
        var owners: [any FloatArrayOwner] = [], counts: [Int] = []
        for (k, e) in parameters.entries.enumerated() {
            guard let g = e.tensor.grad else { continue }
            owners += [e.tensor, g, moments[k].first, moments[k].second]
            counts.append(e.tensor.count)
        }
        ParameterSweep.withPointers(owners, total: counts.reduce(0, +)) { p, threads in
            ParameterSweep.run(counts: counts, threads: threads) { _, spans in
                for span in spans {
                    let j = 4 * span.entry
                    rule.apply(x: p[j], g: p[j + 1], m: p[j + 2], v: p[j + 3], span.range)
                }
            }
        }
    }

    /// Counts a step and returns its rule (with Adam's bias corrections for it), for a pass that applies it
    /// itself (`UpdateSweep`).
    func begin(lr: Float) -> Rule {
        steps += 1
        let s = settings
        return Rule(settings: s, lr: lr, bc1: 1 - Float.pow(s.beta1, Float(steps)), bc2: 1 - Float.pow(s.beta2, Float(steps)))
    }

    /// One step's update rule, applied to a stretch of one parameter: its values `x`, gradient `g` and moments.
    /// The arithmetic is `OptimizerStep`'s, eight numbers at a time (its AVX2 build where the CPU has it).
    struct Rule {
        let settings: OptimizerSettings
        let lr: Float, bc1: Float, bc2: Float

        @inline(__always)
        func apply(x: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                   v: UnsafeMutablePointer<Float>, _ range: Range<Int>, fast: Bool = VectorMath.fast) {
            let s = settings, i = range.lowerBound, n = range.count
            if fast {
                let k = LMKernels.OptimizerStep.Constants(lr: lr, momentum: s.momentum, alpha: s.alpha, beta1: s.beta1,
                                                          beta2: s.beta2, epsilon: s.epsilon, bc1: bc1, bc2: bc2)
                LMKernels.OptimizerStep.applyAVX2(pick(.gd, .sgd, .adagrad, .rmsprop, .adam), k, x: x + i, g: g + i, m: m + i,
                                                  v: v + i, count: n)
            } else {
                let k = OptimizerStep.Constants(lr: lr, momentum: s.momentum, alpha: s.alpha, beta1: s.beta1,
                                                beta2: s.beta2, epsilon: s.epsilon, bc1: bc1, bc2: bc2)
                OptimizerStep.apply(pick(.gd, .sgd, .adagrad, .rmsprop, .adam), k, x: x + i, g: g + i, m: m + i, v: v + i, count: n)
            }
        }

        /// The rule for this optimizer's kind, from the cases of either build of `OptimizerStep.Rule`.
        @inline(__always)
        private func pick<R>(_ gd: R, _ sgd: R, _ adagrad: R, _ rmsprop: R, _ adam: R) -> R {
            switch settings.kind {
            case .gd: return gd
            case .sgd: return sgd
            case .adagrad: return adagrad
            case .rmsprop: return rmsprop
            case .adam: return adam
            }
        }
    }
}

/// One optimizer moment of one parameter: an array owned by an object of its own.
final class MomentArray: FloatArrayOwner {
    var values: [Float]
    init(count: Int) { values = [Float](repeating: 0, count: count) }
    func withFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        values.withUnsafeMutableBufferPointer { body($0) }
    }
}

/// A parameter's two moments.
final class Moment {
    let first: MomentArray, second: MomentArray
    init(count: Int) {
        first = MomentArray(count: count)
        second = MomentArray(count: count)
    }
}
