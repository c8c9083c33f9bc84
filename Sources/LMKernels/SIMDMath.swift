/// exp, σ and tanh eight floats at a time, for the cell kernels and the softmax.
///
/// The gate nonlinearities were a third of a training step when each element went through libm's
/// scalar `expf`/`tanhf` (profile of config (a)). These are Cephes' single-precision approximations
/// (relative error about 1e-7, far inside the fused-versus-reference tolerance), written on
/// `SIMD8<Float>` with only multiply, add, divide, compare and integer bit operations. Loads and stores
/// go element by element (which LLVM merges into unaligned vector moves), so any pointer and any length
/// work; a tail shorter than eight is padded.
///
/// One source, two builds: this file is compiled into LMKernels (for AVX2, whose `…InPlace` entry
/// points take pointers) and, through a symbolic link, into LMModels (baseline x86-64). No SIMD value
/// ever crosses between the two modules, whose calling conventions for 256-bit vectors differ. Both
/// builds do the same operations in the same order (no contraction into FMAs) and give the same bits.
public enum SIMDMath {
    typealias V = SIMD8<Float>

    @_transparent
    static func load(_ p: UnsafePointer<Float>) -> V {
        V(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    }

    @_transparent
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        p[0] = v[0]; p[1] = v[1]; p[2] = v[2]; p[3] = v[3]
        p[4] = v[4]; p[5] = v[5]; p[6] = v[6]; p[7] = v[7]
    }

    /// eˣ: x = n·ln2 + r with |r| ≤ ln2/2 (n rounded to nearest with the 1.5·2²³ trick, since
    /// `rounded()` is a library call on SSE2), a degree-6 polynomial for eʳ, and 2ⁿ built in the
    /// exponent bits. x is clamped to [−87, 88] so 2ⁿ stays a normal float: exp(−87) ≈ 1.6e−38
    /// stands for anything smaller, exp(88) ≈ 1.65e38 for anything larger (σ and tanh saturate long before).
    @_transparent
    static func exp(_ x0: V) -> V {
        // Clamped with masks: `clamped`/`pointwiseMin` are generic, NaN-aware and scalar (10% of a step).
        var x = x0.replacing(with: -87, where: x0 .< -87)
        x.replace(with: 88, where: x .> 88)
        let magic = V(repeating: 12_582_912)  // 1.5·2²³: adding it rounds to an integer
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        let r2 = r * r
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let y = p * r2 + r + 1
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000  // n as an integer
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: V.self)
        return y * scale
    }

    /// σ(x) = 1 / (1 + e⁻ˣ); saturates cleanly at both ends (e⁻ˣ is clamped, never inf).
    @_transparent
    static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// tanh: an odd polynomial for |x| < 0.625 (where 1 − 2/(e²ˣ + 1) would lose relative accuracy),
    /// 1 − 2/(e^{2|x|} + 1) with x's sign beyond (Cephes' tanhf).
    @_transparent
    static func tanh(_ x: V) -> V {
        let ax = x.replacing(with: -x, where: x .< 0)
        let e = exp(2 * ax)
        var big = 1 - 2 / (e + 1)
        big.replace(with: -big, where: x .< 0)
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        return big.replacing(with: small, where: ax .< 0.625)
    }

    /// Applies `f` in place to `n` floats from `p`.
    @_transparent
    static func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        while i + 8 <= n {
            store(f(load(p + i)), p + i)
            i += 8
        }
        if i < n {
            var v = V(repeating: 0)
            for k in 0..<(n - i) { v[k] = p[i + k] }
            let y = f(v)
            for k in 0..<(n - i) { p[i + k] = y[k] }
        }
    }


    // The loops are written out rather than passed `sigmoid` as a closure: through a closure the
    // compiler merged the three into one loop with an indirect call per eight floats.

    @_transparent
    static func sigmoidLoop(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(sigmoid(load(p + i)), p + i)
            i += 8
        }
        if i < n { apply(p + i, n - i, sigmoid) }
    }

    @_transparent
    static func tanhLoop(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(tanh(load(p + i)), p + i)
            i += 8
        }
        if i < n { apply(p + i, n - i, tanh) }
    }

    @_transparent
    static func expLoop(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(exp(load(p + i)), p + i)
            i += 8
        }
        if i < n { apply(p + i, n - i, exp) }
    }

    /// σ over `n` floats in place, compiled for AVX2 (call only where `PanelKernel` may run).
    public static func sigmoidInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) { sigmoidLoop(p, n) }
    /// tanh over `n` floats in place, compiled for AVX2.
    public static func tanhInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) { tanhLoop(p, n) }
    /// eˣ over `n` floats in place, compiled for AVX2.
    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) { expLoop(p, n) }
}
