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

/// Both cores on one recurrent step of a 3×512 LSTM's layer (batch 32): as batch shards (each core 16 rows
/// times all of W_hhᵀ, which both read) or as column halves (each core all 32 rows times half of W_hhᵀ).
func runPanelPairBench() throws {
    BLAS.setThreads(1)
    let k = 512, n = 2048, batch = 32
    let a = try Tensor.randn([batch, k], seed: 1).data, w = try Tensor.randn([n, k], seed: 2).data
    let whole = PackedMatrix(k: k, n: n)
    w.withUnsafeBufferPointer { whole.pack(transposeOf: $0.baseAddress!, ld: k) }
    let halves = (0..<2).map { h in
        let p = PackedMatrix(k: k, n: n / 2)
        w.withUnsafeBufferPointer { p.pack(transposeOf: $0.baseAddress! + h * (n / 2) * k, ld: k) }
        return p
    }
    let flops = 2.0 * Double(batch * k * n), inner = 400
    let outs = (0..<2).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: batch * n) }
    for layout in ["batch shards (16 rows × 2048 cols each)", "column halves (32 rows × 1024 cols each)"] {
        let columns = layout.hasPrefix("column")
        let t = medianTime(reps: 7) {
            a.withUnsafeBufferPointer { pa in
                let shared = PairShared(value: (pa.baseAddress!, halves, whole, outs))
                DispatchQueue.concurrentPerform(iterations: 2) { s in
                    let (pa, halves, whole, outs) = shared.value
                    for _ in 0..<inner {
                        if columns {
                            halves[s].multiplyAdd(m: batch, a: pa, lda: k, c: outs[s], ldc: n / 2)
                        } else {
                            whole.multiplyAdd(m: batch / 2, a: pa + s * (batch / 2) * k, lda: k, c: outs[s], ldc: n)
                        }
                    }
                }
            }
        }
        print(String(format: "%@: %6.1f GFLOP/s on two cores", layout, flops * Double(inner) / t / 1e9))
    }
}

/// The bench's operands handed to both threads (each writes only its own output).
private struct PairShared: @unchecked Sendable {
    let value: (UnsafePointer<Float>, [PackedMatrix], PackedMatrix, [UnsafeMutablePointer<Float>])
}
