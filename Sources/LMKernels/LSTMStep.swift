/// The standard LSTM's forward step over a batch (PyTorch's gate order i, f, g, o), on raw pointers:
///
///     z = xp + hp;  i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o);  c = f⊙c_prev + i⊙g;  h = o⊙tanh(c)
///
/// Without `xp`, `acts` already holds z on entry. `acts` [B, 4H] receives the gate values, `c` and `aux` (= tanh c) and `h` [B, H]. Like `SIMDMath`
/// this file is compiled twice: in LMKernels, where `forwardAVX2` is the AVX2 build, and through a
/// symbolic link in LMModels, where `LSTMKernel` calls `forward` as baseline code. Same bits either way.
public enum LSTMStep {
    @inline(__always)
    static func forward(
        batch: Int, hidden h: Int, xp: UnsafePointer<Float>?, hp: UnsafePointer<Float>, acts: UnsafeMutablePointer<Float>,
        cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, aux: UnsafeMutablePointer<Float>,
        h out: UnsafeMutablePointer<Float>
    ) {
        let g4 = 4 * h, n = batch * g4
        if let xp {
            var k = 0
            while k + 8 <= n {
                SIMDMath.store(SIMDMath.load(xp + k) + SIMDMath.load(hp + k), acts + k)
                k += 8
            }
            while k < n {
                acts[k] = xp[k] + hp[k]
                k += 1
            }
        }
        for b in 0..<batch {
            let a = acts + b * g4, r = b * h
            SIMDMath.sigmoidLoop(a, 2 * h)  // i, f
            SIMDMath.tanhLoop(a + 2 * h, h)  // g
            SIMDMath.sigmoidLoop(a + 3 * h, h)  // o
            var j = 0
            while j + 8 <= h {
                let cv = SIMDMath.load(a + h + j) * SIMDMath.load(cPrev + r + j) + SIMDMath.load(a + j) * SIMDMath.load(a + 2 * h + j)
                SIMDMath.store(cv, c + r + j)
                let t = SIMDMath.tanh(cv)
                SIMDMath.store(t, aux + r + j)
                SIMDMath.store(SIMDMath.load(a + 3 * h + j) * t, out + r + j)
                j += 8
            }
            if j < h {
                for q in j..<h {
                    let cv = a[h + q] * cPrev[r + q] + a[q] * a[2 * h + q]
                    c[r + q] = cv
                    aux[r + q] = cv
                }
                SIMDMath.apply(aux + r + j, h - j, SIMDMath.tanh)
                for q in j..<h { out[r + q] = a[3 * h + q] * aux[r + q] }
            }
        }
    }

    /// `forward` compiled for AVX2 (call only where `PanelKernel` may run).
    public static func forwardAVX2(
        batch: Int, hidden: Int, xp: UnsafePointer<Float>?, hp: UnsafePointer<Float>, acts: UnsafeMutablePointer<Float>,
        cPrev: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, aux: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>
    ) {
        forward(batch: batch, hidden: hidden, xp: xp, hp: hp, acts: acts, cPrev: cPrev, c: c, aux: aux, h: h)
    }
}
