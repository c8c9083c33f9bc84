import LMCore

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
    /// First and second moment (or velocity / accumulator) per parameter; empty until the first step.
    public internal(set) var first: [[Float]]
    public internal(set) var second: [[Float]]
    public internal(set) var steps: Int = 0

    public init(_ settings: OptimizerSettings, parameterCounts: [Int]) {
        self.settings = settings
        first = parameterCounts.map { [Float](repeating: 0, count: $0) }
        second = parameterCounts.map { [Float](repeating: 0, count: $0) }
    }

    /// Restores saved state (exact resume).
    public func restore(first: [[Float]], second: [[Float]], steps: Int) throws {
        guard first.map(\.count) == self.first.map(\.count), second.map(\.count) == self.second.map(\.count) else {
            throw ModelError("optimizer: saved state does not match the model's parameters")
        }
        self.first = first
        self.second = second
        self.steps = steps
    }

    /// One update of every parameter from its gradient (a missing gradient counts as zero).
    public func step(_ parameters: NamedParameters, lr: Float) {
        steps += 1
        let s = settings
        let bc1 = 1 - Float.pow(s.beta1, Float(steps)), bc2 = 1 - Float.pow(s.beta2, Float(steps))
        for (k, entry) in parameters.entries.enumerated() {
            guard let grad = entry.tensor.grad else { continue }
            let g = grad.data
            entry.tensor.data.withUnsafeMutableBufferPointer { x in
                first[k].withUnsafeMutableBufferPointer { m in
                    second[k].withUnsafeMutableBufferPointer { v in
                        switch s.kind {
                        case .gd:
                            for i in 0..<x.count { x[i] -= lr * g[i] }
                        case .sgd:
                            for i in 0..<x.count {
                                m[i] = s.momentum * m[i] + g[i]
                                x[i] -= lr * m[i]
                            }
                        case .adagrad:
                            for i in 0..<x.count {
                                v[i] += g[i] * g[i]
                                x[i] -= lr * g[i] / (v[i] + s.epsilon).squareRoot()
                            }
                        case .rmsprop:
                            for i in 0..<x.count {
                                v[i] = s.alpha * v[i] + (1 - s.alpha) * g[i] * g[i]
                                x[i] -= lr * g[i] / (v[i].squareRoot() + s.epsilon)
                            }
                        case .adam:
                            for i in 0..<x.count {
                                m[i] = s.beta1 * m[i] + (1 - s.beta1) * g[i]
                                v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] * g[i]
                                x[i] -= lr * (m[i] / bc1) / ((v[i] / bc2).squareRoot() + s.epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}

import RealModule
