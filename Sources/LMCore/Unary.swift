#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import RealModule

/// Elementwise functions of one tensor. Each forward sits beside its backward: the closure maps the
/// output's gradient g to the input's, using the input x and/or the output y.
extension Tensor {
    /// Applies `f` to every element; `df(x, y)` is the derivative at input x with output y.
    func unary(_ op: String, _ f: (Float) -> Float, _ df: @escaping (Float, Float) -> Float) -> Tensor {
        var y = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                for i in 0..<px.count { py[i] = f(px[i]) }
            }
        }
        return unaryResult(op, y, df)
    }

    /// The output `y` of an elementwise op on this tensor, with its backward g ↦ g·df(x, y).
    private func unaryResult(_ op: String, _ y: [Float], _ df: @escaping (Float, Float) -> Float) -> Tensor {
        let x = data
        return Tensor.result(op, shape: shape, data: y, inputs: [self]) { g in
            var gx = g
            gx.withUnsafeMutableBufferPointer { pg in
                x.withUnsafeBufferPointer { px in
                    y.withUnsafeBufferPointer { py in
                        for i in 0..<pg.count { pg[i] *= df(px[i], py[i]) }
                    }
                }
            }
            return [gx]
        }
    }

    /// `unary` with a forward that runs eight floats at a time in place (the gate nonlinearities: the same
    /// Cephes approximations as the fused kernels, relative error about 1e-7, so the reference path and the
    /// kernels compute the same values; with libm's scalar tanhf they were a quarter of a typed LSTM's step).
    func unary(_ op: String, vectorized f: (UnsafeMutablePointer<Float>, Int) -> Void, _ df: @escaping (Float, Float) -> Float) -> Tensor {
        var y = data
        y.withUnsafeMutableBufferPointer { py in
            if let base = py.baseAddress { f(base, py.count) }
        }
        return unaryResult(op, y, df)
    }

    public func neg() -> Tensor { unary("neg", { -$0 }, { _, _ in -1 }) }
    public func exp() -> Tensor { unary("exp", { Float.exp($0) }, { _, y in y }) }
    /// Natural log; log(0) = -inf and log of a negative number is NaN (IEEE).
    public func log() -> Tensor { unary("log", { Float.log($0) }, { x, _ in 1 / x }) }
    public func tanh() -> Tensor { unary("tanh", vectorized: SIMDMath.tanhInPlace, { _, y in 1 - y * y }) }
    public func sigmoid() -> Tensor { unary("sigmoid", vectorized: SIMDMath.sigmoidInPlace, { _, y in y * (1 - y) }) }
    public func relu() -> Tensor { unary("relu", { Swift.max($0, 0) }, { x, _ in x > 0 ? 1 : 0 }) }
    public func sqrt() -> Tensor { unary("sqrt", { $0.squareRoot() }, { _, y in 0.5 / y }) }
    /// |x|; its gradient at 0 is taken as 0, as PyTorch does.
    public func abs() -> Tensor { unary("abs", { Swift.abs($0) }, { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }
    public func square() -> Tensor { unary("square", { $0 * $0 }, { x, _ in 2 * x }) }

    /// x^p for a constant exponent (C's powf: a negative base with an integral exponent is fine).
    public func pow(_ p: Float) -> Tensor {
        unary("pow", { powf($0, p) }, { x, _ in p * powf(x, p - 1) })
    }

    /// Limits every element to [low, high]; the gradient passes only where x was inside.
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) -> Tensor {
        unary("clamp", { Swift.min(Swift.max($0, low), high) }, { x, _ in (x >= low && x <= high) ? 1 : 0 })
    }

    /// x * c for a constant.
    public func scaled(by c: Float) -> Tensor { unary("scale", { $0 * c }, { _, _ in c }) }

    /// x + c for a constant.
    public func shifted(by c: Float) -> Tensor { unary("shift", { $0 + c }, { _, _ in 1 }) }
}

/// A logistic sigmoid that does not overflow for large |x|.
public func sigmoidValue(_ x: Float) -> Float {
    if x >= 0 {
        return 1 / (1 + Float.exp(-x))
    }
    let e = Float.exp(x)
    return e / (1 + e)
}
