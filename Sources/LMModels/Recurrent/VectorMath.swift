import LMKernels

/// The nonlinearities of the cell kernels and the softmax over whole blocks of floats: `SIMDMath`'s
/// AVX2 build in LMKernels where the CPU has it (the check `PanelKernel` uses), else this module's own
/// baseline build of the same file. Both give the same bits.
enum VectorMath {
    /// Whether the AVX2 entry points run (where the CPU has AVX2 and FMA).
    static let fast = PackedMatrix.kernelAvailable

    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { LMKernels.SIMDMath.sigmoidInPlace(p, count: n) } else { SIMDMath.sigmoidLoop(p, n) }
    }

    static func tanh(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { LMKernels.SIMDMath.tanhInPlace(p, count: n) } else { SIMDMath.tanhLoop(p, n) }
    }

    static func exp(_ p: UnsafeMutablePointer<Float>, count n: Int, fast: Bool = VectorMath.fast) {
        if fast { LMKernels.SIMDMath.expInPlace(p, count: n) } else { SIMDMath.expLoop(p, n) }
    }
}
