import Foundation
import LMCore
import LMKernels

/// The LSTM's gate math (`LSTMStep`, AVX2 build) on one shard's step of a 3×512 layer (16 rows × 2,048 gates)
/// and of char-rnn's 2×128 (25 × 512), one thread, with its buffers in the caches: nanoseconds per gate value,
/// forward and backward. Inside a training step the backward reads its tape from memory and is slower.
func runGateBench() throws {
    for (batch, hidden) in [(16, 512), (25, 128)] {
        let g = 4 * hidden, n = batch * g, bh = batch * hidden
        let z = try Tensor.randn([n], seed: 1).data.map { $0 * 2 }
        let cPrev = try Tensor.randn([bh], seed: 2).data, dh = try Tensor.randn([bh], seed: 3).data
        let acts = UnsafeMutablePointer<Float>.allocate(capacity: n), dz = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let hp = UnsafeMutablePointer<Float>.allocate(capacity: n)
        hp.initialize(repeating: 0, count: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: bh), aux = UnsafeMutablePointer<Float>.allocate(capacity: bh)
        let h = UnsafeMutablePointer<Float>.allocate(capacity: bh), dc = UnsafeMutablePointer<Float>.allocate(capacity: bh)
        let dhPrev = UnsafeMutablePointer<Float>.allocate(capacity: bh)
        defer { for p in [acts, dz, hp, c, aux, h, dc, dhPrev] { p.deallocate() } }
        let inner = 200
        let copy = medianTime(reps: 9) { for _ in 0..<inner { acts.update(from: z, count: n) } }
        let forward = medianTime(reps: 9) {
            cPrev.withUnsafeBufferPointer { cp in
                for _ in 0..<inner {
                    acts.update(from: z, count: n)
                    LSTMStep.forwardAVX2(batch: batch, hidden: hidden, xp: nil, hp: hp, acts: acts, cPrev: cp.baseAddress!,
                                         c: c, aux: aux, h: h)
                }
            }
        }
        let backward = medianTime(reps: 9) {
            cPrev.withUnsafeBufferPointer { cp in dh.withUnsafeBufferPointer { dhp in
                for _ in 0..<inner {
                    dc.initialize(repeating: 0.1, count: bh)
                    LSTMStep.backwardAVX2(batch: batch, hidden: hidden, acts: acts, aux: aux, cPrev: cp.baseAddress!,
                                          dh: dhp.baseAddress!, dc: dc, dz: dz, dhPrev: dhPrev)
                }
            } }
        }
        let per = Double(inner * n) / 1e9
        print(String(format: "LSTM gates %2d × %4d (one thread): forward %.3f ns per gate value, backward %.3f", batch, g,
                     (forward - copy) / per, backward / per))
    }
}
