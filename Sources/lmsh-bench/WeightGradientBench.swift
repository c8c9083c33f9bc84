import CBLAS
import Foundation
import LMCore

/// The window's weight-gradient product ∂W = ∂Zᵀ·H (one thread, OpenBLAS) at the shapes of one shard of the
/// 3×512 (batch 16 × seq 100) and of char-rnn's 2×128 (25 × 50), and the same product as (Hᵀ·∂Z)ᵀ: its speed,
/// and whether the two give the same bits (they do here, so either orientation keeps training's numbers).
func runWGBench() throws {
    BLAS.setThreads(1)
    for (g, h, tb) in [(2048, 512, 1600), (512, 128, 1250)] {
        let dz = try Tensor.randn([tb, g], seed: 1).data, hs = try Tensor.randn([tb, h], seed: 2).data
        var c1 = [Float](repeating: 0, count: g * h), c2 = c1
        let flops = 2.0 * Double(g * h * tb)
        for round in 0..<3 {
            let a = medianTime(reps: 5) {
                dz.withUnsafeBufferPointer { pa in hs.withUnsafeBufferPointer { pb in c1.withUnsafeMutableBufferPointer { pc in
                    pc.update(repeating: 0)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(g), Int32(h), Int32(tb), 1, pa.baseAddress, Int32(g),
                                pb.baseAddress, Int32(h), 1, pc.baseAddress, Int32(h))
                } } }
            }
            let b = medianTime(reps: 5) {
                dz.withUnsafeBufferPointer { pa in hs.withUnsafeBufferPointer { pb in c2.withUnsafeMutableBufferPointer { pc in
                    pc.update(repeating: 0)
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(h), Int32(g), Int32(tb), 1, pb.baseAddress, Int32(h),
                                pa.baseAddress, Int32(g), 1, pc.baseAddress, Int32(g))
                } } }
            }
            var same = true
            for i in 0..<g { for j in 0..<h where c1[i * h + j].bitPattern != c2[j * g + i].bitPattern { same = false } }
            print(String(format: "%d: dW[%d×%d] K=%d  dZᵀ·H %.1f GFLOP/s   (Hᵀ·dZ)ᵀ %.1f GFLOP/s  same bits %@", round, g, h, tb,
                         flops / a / 1e9, flops / b / 1e9, "\(same)"))
        }
    }
}

/// Whether OpenBLAS's ∂Zᵀ·H is, element by element, one FMA chain from zero over each of its blocks of k (320, the
/// last two evened out to a multiple of 16: `SGEMM_DEFAULT_Q` and `driver/level3/level3.c` in 0.3.21) added into C.
/// It is here, so a kernel of our own that keeps that order keeps training's numbers.
func runWGRepro() throws {
    BLAS.setThreads(1)
    for (g, h, tb) in [(512, 128, 1250), (2048, 512, 1600), (64, 48, 333)] {
        let dz = try Tensor.randn([tb, g], seed: 1).data, hs = try Tensor.randn([tb, h], seed: 2).data
        var c1 = [Float](repeating: 0, count: g * h)
        dz.withUnsafeBufferPointer { pa in hs.withUnsafeBufferPointer { pb in c1.withUnsafeMutableBufferPointer { pc in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(g), Int32(h), Int32(tb), 1, pa.baseAddress, Int32(g),
                        pb.baseAddress, Int32(h), 1, pc.baseAddress, Int32(h))
        } } }
        var blocks: [Range<Int>] = [], ls = 0
        let q = 320, u = 16
        while ls < tb {
            var l = tb - ls
            if l >= 2 * q { l = q } else if l > q { l = ((l / 2 + u - 1) / u) * u }
            blocks.append(ls..<(ls + l)); ls += l
        }
        var mismatches = 0
        for i in 0..<g where i % 7 == 0 {
            for j in 0..<h {
                var c: Float = 0
                for b in blocks {
                    var acc: Float = 0
                    for k in b { acc = acc.addingProduct(dz[k * g + i], hs[k * h + j]) }
                    c = c + acc
                }
                if c.bitPattern != c1[i * h + j].bitPattern { mismatches += 1 }
            }
        }
        print("dW[\(g)×\(h)] K=\(tb), blocks \(blocks.map(\.count)): \(mismatches) of \((g + 6) / 7 * h) elements differ from OpenBLAS's bits")
    }
}
