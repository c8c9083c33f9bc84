import LMKernels

/// The nonlinearities of the cell kernels and the softmax over whole blocks of floats: `SIMDMath`'s
/// AVX2 build where the CPU has it (the check `PanelKernel` uses), else the same code inlined here for
/// baseline x86-64. Both give the same bits.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// Whether the AVX2 entry points run (where the CPU has AVX2 and FMA).
    static let fast = PackedMatrix.kernelAvailable

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> V { SIMDMath.load(p) }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { SIMDMath.store(v, p) }

    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { return SIMDMath.sigmoidInPlace(p, count: n) }
        var i = 0
        while i + 8 <= n {
            store(SIMDMath.sigmoid(load(p + i)), p + i)
            i += 8
        }
        if i < n { SIMDMath.apply(p + i, n - i, SIMDMath.sigmoid) }
    }

    static func tanh(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { return SIMDMath.tanhInPlace(p, count: n) }
        var i = 0
        while i + 8 <= n {
            store(SIMDMath.tanh(load(p + i)), p + i)
            i += 8
        }
        if i < n { SIMDMath.apply(p + i, n - i, SIMDMath.tanh) }
    }

    static func exp(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { return SIMDMath.expInPlace(p, count: n) }
        var i = 0
        while i + 8 <= n {
            store(SIMDMath.exp(load(p + i)), p + i)
            i += 8
        }
        if i < n { SIMDMath.apply(p + i, n - i, SIMDMath.exp) }
    }
}
