import RealModule
import LMCore

/// The lecture's coupled LSTM step, no peepholes (gate order f, o, g) and its backward pass.
///
///     f = σ(z_f)  o = σ(z_o)  g = tanh(z_g)                   z = xp + hp
///     c = c_prev⊙f + g⊙(1 − f)     h = tanh(c)⊙o
enum CoupledLSTMKernel {
    /// As `LSTMKernel.forward`: pre-activations, block nonlinearities with `VectorMath`, cell update.
    static func forward(_ s: StepBuffers) {
        let h = s.hidden, g3 = 3 * h
        let n = s.batch * g3
        if !s.summed { for k in 0..<n { s.acts[k] = s.xp[k] + s.hp[k] } }
        for b in 0..<s.batch {
            let a = s.acts + b * g3, r = b * h
            VectorMath.sigmoid(a, count: 2 * h)  // f, o
            VectorMath.tanh(a + 2 * h, count: h)  // g
            for j in 0..<h {
                let f = a[j]
                let c = s.cPrev[r + j] * f + a[2 * h + j] * (1 - f)
                s.c[r + j] = c
                s.aux[r + j] = c
            }
            VectorMath.tanh(s.aux + r, count: h)
            for j in 0..<h { s.h[r + j] = s.aux[r + j] * a[h + j] }
        }
    }

    ///     dc += dh⊙o⊙(1 − tanh²c);  do = dh⊙tanh c;  df = dc⊙(c_prev − g);  dg = dc⊙(1 − f);  dc_prev = dc⊙f
    ///
    /// Reads each gate value before it writes ∂z in its place, so ∂z may overwrite `acts`.
    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let h = s.hidden, g3 = 3 * h
        for b in 0..<s.batch {
            let z = b * g3, r = b * h
            for j in 0..<h {
                let f = s.acts[z + j], o = s.acts[z + h + j], g = s.acts[z + 2 * h + j]
                let tc = s.aux[r + j], dh = d.dh[r + j]
                let dc = d.dc[r + j] + dh * o * (1 - tc * tc)
                d.dxp[z + j] = dc * (s.cPrev[r + j] - g) * f * (1 - f)
                d.dxp[z + h + j] = dh * tc * o * (1 - o)
                d.dxp[z + 2 * h + j] = dc * (1 - f) * (1 - g * g)
                d.dc[r + j] = dc * f
                d.dhPrev[r + j] = 0
            }
        }
    }
}
