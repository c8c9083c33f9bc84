import Foundation
import LMKernels

/// A weight matrix packed once for `PanelKernel`: the B operand of C += A·B in panels of 16 columns
/// (per panel, k rows of 16 floats), 64-byte aligned and zero-padded to a whole panel.
///
/// The recurrent products of a window reuse W_hh at every step: packing it here once per window (and
/// again after every optimizer step, since the weights change) replaces one repacking per BLAS call.
public final class PackedMatrix {
    public let k: Int, n: Int
    let panels: Int
    private let storage: UnsafeMutableRawPointer

    public init(k: Int, n: Int) {
        self.k = k
        self.n = n
        panels = (n + 15) / 16
        storage = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, panels * k * 16) * 4, alignment: 64)
        floats.initialize(repeating: 0, count: panels * k * 16)
    }

    deinit { storage.deallocate() }

    private var floats: UnsafeMutablePointer<Float> { storage.assumingMemoryBound(to: Float.self) }

    /// B = Wᵀ for W [n × k] row-major (row stride `ld`): the forward recurrent product h·W_hhᵀ.
    public func pack(transposeOf w: UnsafePointer<Float>, ld: Int) {
        let out = floats
        for p in 0..<panels {
            let panel = out + p * k * 16
            for j in 0..<16 {
                let col = p * 16 + j
                if col < n {
                    let row = w + col * ld
                    for kk in 0..<k { panel[kk * 16 + j] = row[kk] }
                } else {
                    for kk in 0..<k { panel[kk * 16 + j] = 0 }
                }
            }
        }
    }

    /// B = W for W [k × n] row-major (row stride `ld`): the backward product ∂L/∂hp · W_hh.
    public func pack(_ w: UnsafePointer<Float>, ld: Int) {
        let out = floats
        for p in 0..<panels {
            let panel = out + p * k * 16, n0 = p * 16, width = Swift.min(16, n - n0)
            for kk in 0..<k {
                let src = w + kk * ld + n0, dst = panel + kk * 16
                for j in 0..<width { dst[j] = src[j] }
                for j in width..<16 { dst[j] = 0 }
            }
        }
    }

    /// C[m × n] += A[m × k] · B.
    public func multiplyAdd(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        PanelKernel.multiplyAdd(m: m, n: n, k: k, a: a, lda: lda,
                                packed: UnsafePointer(storage.assumingMemoryBound(to: PanelKernel.V.self)), c: c, ldc: ldc)
    }

    /// Whether this CPU has the instructions `PanelKernel` is compiled for (Haswell's: AVX2, FMA, BMI) (read from
    /// /proc/cpuinfo by baseline code; elsewhere, or when `LMSH_PANEL_KERNEL=0`, the BLAS path is used).
    public static let kernelAvailable: Bool = {
        if ProcessInfo.processInfo.environment["LMSH_PANEL_KERNEL"] == "0" { return false }
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        // What `-target-cpu haswell` may emit: AVX2 and FMA, and the bit-manipulation extensions.
        let have = Set(flags.split(separator: " ").map(String.init))
        return ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm", "popcnt"].allSatisfy(have.contains)
        #else
        return false
        #endif
    }()
}
