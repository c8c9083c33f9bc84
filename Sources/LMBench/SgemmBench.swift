import CBLAS
import LMCore

/// The machine's practical limit for the products a large model makes: `cblas_sgemm` on a
/// (32×512)·(512×2048) product (batch 32 against a 3×512 LSTM's stacked gate weights) at 1 and 2
/// OpenBLAS threads. The efficiency target compares (b)'s GFLOP/s with the better of the two.
enum SgemmBench {
    static func measure(m: Int, k: Int, n: Int, threads: Int) -> Double {
        BLAS.setThreads(threads)
        defer { BLAS.setThreads(1) }
        var rng = RandomSource(seed: 1)
        let a = (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 }, b = (0..<(k * n)).map { _ in rng.nextFloat() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2.0 * Double(m * k * n)
        let inner = Swift.max(1, Int(1e9 / flops))  // about 20 ms per measurement
        var times: [Double] = []
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pc = pc.baseAddress else { return }
                    for rep in 0..<12 {
                        let t0 = now()
                        for _ in 0..<inner {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                                        pa, Int32(k), pb, Int32(n), 0, pc, Int32(n))
                        }
                        if rep >= 2 { times.append(now() - t0) }
                    }
                }
            }
        }
        return flops * Double(inner) / median(times) / 1e9
    }

    static func run() -> BenchReport {
        let one = measure(m: 32, k: 512, n: 2048, threads: 1)
        let two = measure(m: 32, k: 512, n: 2048, threads: 2)
        var r = BenchReport()
        r.add("engine", "lmsh")
        r.add("mode", "sgemm")
        r.add("shape", "(32x512)x(512x2048)")
        r.add("core", String(cString: openblas_get_corename()))
        r.add("gflops_1_thread", one)
        r.add("gflops_2_threads", two)
        r.add("gflops", Swift.max(one, two))
        r.add("peak_rss_mb", peakResidentMB())
        return r
    }
}
