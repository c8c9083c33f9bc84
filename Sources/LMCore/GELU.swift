/// GELU as PyTorch's default `nn.GELU()` (nanoGPT's MLP): x·Φ(x) with Φ the normal CDF through erf, not the
/// tanh approximation. Eight floats at a time: libm's scalar erff was a quarter of a transformer's training
/// step (perf, 4×128). erf is Abramowitz and Stegun's 7.1.26 (absolute error ≤ 1.5e-7, below float32's
/// resolution of Φ), and its e^{−x²/2} is also φ(x)·√(2π), so the derivative Φ(x) + x·φ(x) comes from the
/// same exponential and is kept for backward.
extension Tensor {
    public func gelu() -> Tensor {
        let n = count
        var y = [Float](repeating: 0, count: n), dy = [Float](repeating: 0, count: n)
        data.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                dy.withUnsafeMutableBufferPointer { pd in
                    guard let x = px.baseAddress, let yo = py.baseAddress, let d = pd.baseAddress else { return }
                    var i = 0
                    while i + 8 <= n {
                        let (v, dv) = Tensor.gelu8(SIMDMath.load(x + i))
                        SIMDMath.store(v, yo + i)
                        SIMDMath.store(dv, d + i)
                        i += 8
                    }
                    if i < n {
                        var t = SIMD8<Float>(repeating: 0)
                        for k in 0..<(n - i) { t[k] = x[i + k] }
                        let (v, dv) = Tensor.gelu8(t)
                        for k in 0..<(n - i) { yo[i + k] = v[k]; d[i + k] = dv[k] }
                    }
                }
            }
        }
        return Tensor.result("gelu", shape: shape, data: y, inputs: [self]) { [dy] g in
            var gx = g
            for i in 0..<gx.count { gx[i] *= dy[i] }
            return [gx]
        }
    }

    /// GELU and its derivative for eight floats.
    @inline(__always)
    static func gelu8(_ x: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let u = x * 0.707_106_78
        let a = u.replacing(with: -u, where: u .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var poly = SIMD8<Float>(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let e = SIMDMath.exp(-(u * u))  // e^{−x²/2}
        let erfAbs = 1 - poly * e
        let erf = erfAbs.replacing(with: -erfAbs, where: u .< 0)
        let phi = 0.5 * (1 + erf)
        return (x * phi, phi + x * e * 0.398_942_28)
    }
}
