import CBLAS
import Foundation
import LMCore

/// Our matmul (Tensor.matmul, with its allocation and graph bookkeeping) beside `cblas_sgemm` called
/// directly on the same buffers, for the shapes an RNN language model makes.
func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Median time of `reps` runs of `body` after one warm-up run.
func medianTime(reps: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<reps { times.append(seconds(body)) }
    times.sort()
    return times[times.count / 2]
}

func benchMatmul(m: Int, k: Int, n: Int, threads: Int) throws {
    BLAS.setThreads(threads)
    let a = try Tensor.randn([m, k], seed: 1), b = try Tensor.randn([k, n], seed: 2)
    var c = [Float](repeating: 0, count: m * n)
    let flops = 2.0 * Double(m * k * n)
    let inner = max(1, Int(2e8 / flops))  // about 0.2 s per measurement
    let reps = 9
    let direct = medianTime(reps: reps) {
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for _ in 0..<inner {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                    pa.baseAddress, Int32(k), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                    }
                }
            }
        }
    }
    var sink: Float = 0
    let ours = medianTime(reps: reps) {
        for _ in 0..<inner {
            if let y = try? a.matmul(b) { sink += y.data[0] }
        }
    }
    let gDirect = flops * Double(inner) / direct / 1e9
    let gOurs = flops * Double(inner) / ours / 1e9
    print(String(format: "matmul (%4d×%4d)·(%4d×%4d) %d thread%@  cblas_sgemm %6.1f GFLOP/s   Tensor.matmul %6.1f GFLOP/s   wrapper cost %+5.1f%%",
                 m, k, k, n, threads, threads == 1 ? " " : "s", gDirect, gOurs, (ours / direct - 1) * 100))
    if sink.isNaN { print("") }
}

func runMatmulBench() throws {
    print("lmsh bench: matrix products (median of 9 timed runs after a warm-up; OpenBLAS core \(String(cString: openblas_get_corename())))")
    for threads in [1, 2] {
        try benchMatmul(m: 256, k: 256, n: 256, threads: threads)
        try benchMatmul(m: 50, k: 128, n: 512, threads: threads)
        try benchMatmul(m: 512, k: 512, n: 512, threads: threads)
    }
    BLAS.setThreads(1)
}
