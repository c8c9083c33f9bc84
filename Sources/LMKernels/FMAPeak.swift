/// The machine's floating-point limit, measured: twelve independent chains of 8-lane fused multiply-adds
/// (a ← a·x + y), enough to cover the FMA units' latency (2 pipes × 5 cycles on Zen 2), with no memory
/// traffic. Compiled for Haswell (Package.swift), so each `addingProduct` is one `vfmadd…ps ymm`
/// (checked with objdump: the loop body is twelve vfmadd and the loop counter). Call only after
/// `PackedMatrix.kernelAvailable` (baseline code) has confirmed AVX2 and FMA.
public enum FMAPeak {
    public typealias V = SIMD8<Float>

    /// FLOPs one iteration of `spin` does: 12 chains × 8 lanes × 2 (multiply and add).
    public static let flopsPerIteration = 12 * 8 * 2

    /// Runs `iterations` of the twelve chains; returns their sum so the work cannot be dropped.
    @inline(never)
    public static func spin(iterations: Int, seed: Float) -> Float {
        // x < 1 keeps every chain bounded (it tends to y / (1 − x)), so no lane overflows or goes denormal.
        let x = V(repeating: 0.999_9), y = V(repeating: seed * 1e-3)
        var a0 = V(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4, a5 = a0 + 5
        var a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
        for _ in 0..<iterations {
            a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
            a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
            a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
            a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
        }
        let s = (a0 + a1) + (a2 + a3) + (a4 + a5) + (a6 + a7) + (a8 + a9) + (a10 + a11)
        return s.sum()
    }
}
