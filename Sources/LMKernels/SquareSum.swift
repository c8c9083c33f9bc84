/// Σx² (or Σ(x − y)²) of floats in double precision, in four running sums: sum j takes the numbers at
/// positions ≡ j (mod 4), in order, and a tail shorter than four goes into sum 0.
///
/// Why: the norms of clipping, the finite check and the update ratios each read every parameter after every window,
/// and baseline code added the four sums one number at a time. One vector of four doubles holds the four sums,
/// lane j being sum j, so the result is the same bits as the four scalar sums. Like
/// `LSTMStep` this file is compiled twice: in LMKernels, where `addAVX2` is the AVX2 build, and through a
/// symbolic link in LMModels as baseline code.
public enum SquareSum {
    /// Adds the squares of `n` numbers from `x` (minus `y`'s) into the four sums at `sums`.
    @inline(__always)
    static func add(_ sums: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Float>, minus y: UnsafePointer<Float>?, count n: Int) {
        var acc = SIMD4<Double>(sums[0], sums[1], sums[2], sums[3])
        var i = 0
        if let y {
            while i + 4 <= n {
                let d = SIMD4<Float>(x[i], x[i + 1], x[i + 2], x[i + 3]) - SIMD4<Float>(y[i], y[i + 1], y[i + 2], y[i + 3])
                let w = SIMD4<Double>(Double(d[0]), Double(d[1]), Double(d[2]), Double(d[3]))
                acc += w * w
                i += 4
            }
            while i < n {
                let d = Double(x[i] - y[i])
                acc[0] += d * d
                i += 1
            }
        } else {
            while i + 4 <= n {
                let w = SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
                acc += w * w
                i += 4
            }
            while i < n {
                let d = Double(x[i])
                acc[0] += d * d
                i += 1
            }
        }
        sums[0] = acc[0]; sums[1] = acc[1]; sums[2] = acc[2]; sums[3] = acc[3]
    }

    /// `add` compiled for AVX2 (call only where `PanelKernel` may run).
    public static func addAVX2(_ sums: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Float>, minus y: UnsafePointer<Float>?, count n: Int) {
        add(sums, x, minus: y, count: n)
    }
}
