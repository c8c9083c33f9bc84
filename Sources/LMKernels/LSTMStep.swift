/// The standard LSTM's step over a batch, forward and backward (PyTorch's gate order i, f, g, o), on raw pointers:
///
///     z = xp + hp;  i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o);  c = f⊙c_prev + i⊙g;  h = o⊙tanh(c)
///
/// Without `xp`, `acts` already holds z on entry. `acts` [B, 4H] receives the gate values, `c` and
/// `aux` (= tanh c) and `h` [B, H]. Like `SIMDMath` this file is compiled twice: in LMKernels, where
/// `forwardAVX2` and `backwardAVX2` are the AVX2 build, and through a symbolic link in LMModels, where
/// `LSTMKernel` calls `forward` and `backward` as baseline code. Same bits either way.
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

    ///     dc += dh⊙o⊙(1 − tanh²c);  do = dh⊙tanh c;  di = dc⊙g;  dg = dc⊙i;  df = dc⊙c_prev
    ///     dc_prev = dc⊙f;  dz = d(gate)⊙σ′ or ⊙tanh′
    ///
    /// In: `dh` (∂L/∂h_t, all paths) and `dc` (∂L/∂c_t through c_{t+1}); out: `dz` [B, 4H] (the gradient of
    /// both projections), `dc` becomes ∂L/∂c_{t−1}, `dhPrev` (the part of ∂L/∂h_{t−1} not through W_hh) is 0.
    /// Eight lanes at a time; the tail runs the same arithmetic one lane at a time. Each lane's four gate
    /// values are read before ∂z is written in their places, so `dz` may be `acts` (`FusedKernel.backwardInPlace`).
    @inline(__always)
    static func backward(
        batch: Int, hidden h: Int, acts: UnsafePointer<Float>, aux: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
        dh dhIn: UnsafePointer<Float>, dc dcIn: UnsafeMutablePointer<Float>, dz dzOut: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>
    ) {
        let g4 = 4 * h
        for b in 0..<batch {
            let a = acts + b * g4, dz = dzOut + b * g4, r = b * h
            let tcp = aux + r, dhp = dhIn + r, dcp = dcIn + r, cp = cPrev + r
            var j = 0
            while j + 8 <= h {
                let i = SIMDMath.load(a + j), f = SIMDMath.load(a + h + j)
                let g = SIMDMath.load(a + 2 * h + j), o = SIMDMath.load(a + 3 * h + j)
                let tc = SIMDMath.load(tcp + j), dh = SIMDMath.load(dhp + j)
                let dc = SIMDMath.load(dcp + j) + dh * o * (1 - tc * tc)
                SIMDMath.store(dc * g * i * (1 - i), dz + j)
                SIMDMath.store(dc * SIMDMath.load(cp + j) * f * (1 - f), dz + h + j)
                SIMDMath.store(dc * i * (1 - g * g), dz + 2 * h + j)
                SIMDMath.store(dh * tc * o * (1 - o), dz + 3 * h + j)
                SIMDMath.store(dc * f, dcp + j)
                SIMDMath.store(SIMD8<Float>(repeating: 0), dhPrev + r + j)
                j += 8
            }
            while j < h {
                let i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j]
                let tc = tcp[j], dh = dhp[j]
                let dc = dcp[j] + dh * o * (1 - tc * tc)
                dz[j] = dc * g * i * (1 - i)
                dz[h + j] = dc * cp[j] * f * (1 - f)
                dz[2 * h + j] = dc * i * (1 - g * g)
                dz[3 * h + j] = dh * tc * o * (1 - o)
                dcp[j] = dc * f
                dhPrev[r + j] = 0
                j += 1
            }
        }
    }

    /// `backward` compiled for AVX2 (call only where `PanelKernel` may run).
    public static func backwardAVX2(
        batch: Int, hidden: Int, acts: UnsafePointer<Float>, aux: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
        dh: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>
    ) {
        backward(batch: batch, hidden: hidden, acts: acts, aux: aux, cPrev: cPrev, dh: dh, dc: dc, dz: dz, dhPrev: dhPrev)
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
