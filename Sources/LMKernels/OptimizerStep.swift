/// The optimizers' update rules over a stretch of one parameter (its values `x`, gradient `g` and moments `m`,
/// `v`), eight numbers at a time. The rules are those of `OptimizerKind` in LMModels:
///
///     gd        x −= lr·g
///     sgd       m = μ·m + g;  x −= lr·m
///     adagrad   v += g·g;  x −= lr·g / √(v + ε)
///     rmsprop   v = α·v + (1 − α)·g·g;  x −= lr·g / (√v + ε)
///     adam      m = β₁·m + (1 − β₁)·g;  v = β₂·v + (1 − β₂)·g·g;  x −= lr·(m / bc₁) / (√(v / bc₂) + ε)
///
/// Why: written one number at a time, the update compiled to scalar code with a call to `sqrtf` per number, about
/// a third of the passes over the parameters after a window. Every lane does the same operations in the same order
/// as the one-at-a-time rule (no contraction into FMAs; √ and ÷ are correctly rounded at every width), so the
/// result is the same bits. Like `LSTMStep` this file is compiled twice: in LMKernels, where `applyAVX2` is the AVX2
/// build, and through a symbolic link in LMModels as baseline code.
public enum OptimizerStep {
    public enum Rule: Sendable { case gd, sgd, adagrad, rmsprop, adam }

    /// One step's constants: the learning rate, the rules' settings and Adam's bias corrections for the step.
    public struct Constants: Sendable {
        public var lr: Float, momentum: Float, alpha: Float, beta1: Float, beta2: Float, epsilon: Float, bc1: Float, bc2: Float
        public init(lr: Float, momentum: Float, alpha: Float, beta1: Float, beta2: Float, epsilon: Float, bc1: Float, bc2: Float) {
            self.lr = lr; self.momentum = momentum; self.alpha = alpha; self.beta1 = beta1; self.beta2 = beta2
            self.epsilon = epsilon; self.bc1 = bc1; self.bc2 = bc2
        }
    }

    typealias V = SIMD8<Float>

    /// Applies `rule` to `n` numbers from each pointer (`m` and `v` are read only by the rules that use them).
    @inline(__always)
    static func apply(_ rule: Rule, _ k: Constants, x: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                      m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count n: Int) {
        let lr = k.lr, e = k.epsilon
        let lrV = V(repeating: lr), eV = V(repeating: e)
        var i = 0
        switch rule {
        case .gd:
            while i + 8 <= n {
                SIMDMath.store(SIMDMath.load(x + i) - lrV * SIMDMath.load(g + i), x + i)
                i += 8
            }
            while i < n { x[i] -= lr * g[i]; i += 1 }
        case .sgd:
            let mu = k.momentum, muV = V(repeating: mu)
            while i + 8 <= n {
                let mi = muV * SIMDMath.load(m + i) + SIMDMath.load(g + i)
                SIMDMath.store(mi, m + i)
                SIMDMath.store(SIMDMath.load(x + i) - lrV * mi, x + i)
                i += 8
            }
            while i < n {
                m[i] = mu * m[i] + g[i]
                x[i] -= lr * m[i]
                i += 1
            }
        case .adagrad:
            while i + 8 <= n {
                let gi = SIMDMath.load(g + i)
                let vi = SIMDMath.load(v + i) + gi * gi
                SIMDMath.store(vi, v + i)
                SIMDMath.store(SIMDMath.load(x + i) - lrV * gi / (vi + eV).squareRoot(), x + i)
                i += 8
            }
            while i < n {
                v[i] += g[i] * g[i]
                x[i] -= lr * g[i] / (v[i] + e).squareRoot()
                i += 1
            }
        case .rmsprop:
            let a = k.alpha, b = 1 - k.alpha, aV = V(repeating: a), bV = V(repeating: b)
            while i + 8 <= n {
                let gi = SIMDMath.load(g + i)
                let vi = aV * SIMDMath.load(v + i) + bV * gi * gi
                SIMDMath.store(vi, v + i)
                SIMDMath.store(SIMDMath.load(x + i) - lrV * gi / (vi.squareRoot() + eV), x + i)
                i += 8
            }
            while i < n {
                v[i] = a * v[i] + b * g[i] * g[i]
                x[i] -= lr * g[i] / (v[i].squareRoot() + e)
                i += 1
            }
        case .adam:
            let b1 = k.beta1, c1 = 1 - k.beta1, b2 = k.beta2, c2 = 1 - k.beta2, bc1 = k.bc1, bc2 = k.bc2
            let b1V = V(repeating: b1), c1V = V(repeating: c1), b2V = V(repeating: b2), c2V = V(repeating: c2)
            let bc1V = V(repeating: bc1), bc2V = V(repeating: bc2)
            while i + 8 <= n {
                let gi = SIMDMath.load(g + i)
                let mi = b1V * SIMDMath.load(m + i) + c1V * gi
                let vi = b2V * SIMDMath.load(v + i) + c2V * gi * gi
                SIMDMath.store(mi, m + i)
                SIMDMath.store(vi, v + i)
                SIMDMath.store(SIMDMath.load(x + i) - lrV * (mi / bc1V) / ((vi / bc2V).squareRoot() + eV), x + i)
                i += 8
            }
            while i < n {
                m[i] = b1 * m[i] + c1 * g[i]
                v[i] = b2 * v[i] + c2 * g[i] * g[i]
                x[i] -= lr * (m[i] / bc1) / ((v[i] / bc2).squareRoot() + e)
                i += 1
            }
        }
    }

    /// `apply` compiled for AVX2 (call only where `PanelKernel` may run).
    public static func applyAVX2(_ rule: Rule, _ k: Constants, x: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>,
                                 m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count n: Int) {
        apply(rule, k, x: x, g: g, m: m, v: v, count: n)
    }
}
