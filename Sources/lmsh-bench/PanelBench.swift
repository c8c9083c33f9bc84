import CBLAS
import Foundation
import LMCore
import LMModels

/// The packed panel kernel beside `cblas_sgemm` for the recurrent products (a few rows times W_hhᵀ),
/// one thread each; the BLAS figure includes its repacking of W_hh, which is the point.
func runPanelBench() throws {
    BLAS.setThreads(1)
    print("PanelKernel available: \(PackedMatrix.kernelAvailable)")
    for (m, k, n) in [(25, 128, 512), (16, 512, 2048), (32, 512, 2048), (25, 512, 128), (16, 2048, 512)] {
        let a = try Tensor.randn([m, k], seed: 1).data, w = try Tensor.randn([n, k], seed: 2).data
        var c1 = [Float](repeating: 0, count: m * n), c2 = c1
        let packed = PackedMatrix(k: k, n: n)
        w.withUnsafeBufferPointer { packed.pack(transposeOf: $0.baseAddress!, ld: k) }
        let flops = 2.0 * Double(m * k * n), inner = max(1, Int(1e8 / flops))
        let blas = medianTime(reps: 7) {
            a.withUnsafeBufferPointer { pa in w.withUnsafeBufferPointer { pw in c1.withUnsafeMutableBufferPointer { pc in
                for _ in 0..<inner {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(k),
                                pw.baseAddress, Int32(k), 0, pc.baseAddress, Int32(n))
                }
            } } }
        }
        let panel = medianTime(reps: 7) {
            a.withUnsafeBufferPointer { pa in c2.withUnsafeMutableBufferPointer { pc in
                for _ in 0..<inner {
                    pc.update(repeating: 0)
                    packed.multiplyAdd(m: m, a: pa.baseAddress!, lda: k, c: pc.baseAddress!, ldc: n)
                }
            } }
        }
        let diff = zip(c1, c2).map { abs($0 - $1) }.max() ?? 0
        print(String(format: "(%3d×%4d)·(%4d×%4d)ᵀ  sgemm %6.1f GFLOP/s   panel %6.1f GFLOP/s   max diff %.2e",
                     m, k, n, k, flops * Double(inner) / blas / 1e9, flops * Double(inner) / panel / 1e9, diff))
    }
}
