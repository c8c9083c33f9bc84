import RealModule
import LMCore

/// The lecture's coupled LSTM step, no peepholes (gate order f, o, g) and its backward pass.
///
///     f = σ(z_f)  o = σ(z_o)  g = tanh(z_g)                   z = xp + hp
///     c = c_prev⊙f + g⊙(1 − f)     h = tanh(c)⊙o
enum CoupledLSTMKernel {
    static func forward(_ s: StepBuffers) {
        let h = s.hidden, g3 = 3 * h
        for b in 0..<s.batch {
            let z = b * g3, r = b * h
            for j in 0..<h {
                let f = sigmoidValue(s.xp[z + j] + s.hp[z + j])
                let o = sigmoidValue(s.xp[z + h + j] + s.hp[z + h + j])
                let g = Float.tanh(s.xp[z + 2 * h + j] + s.hp[z + 2 * h + j])
                s.acts[z + j] = f
                s.acts[z + h + j] = o
                s.acts[z + 2 * h + j] = g
                let c = s.cPrev[r + j] * f + g * (1 - f)
                let tc = Float.tanh(c)
                s.c[r + j] = c
                s.aux[r + j] = tc
                s.h[r + j] = tc * o
            }
        }
    }

    ///     dc += dh⊙o⊙(1 − tanh²c);  do = dh⊙tanh c;  df = dc⊙(c_prev − g);  dg = dc⊙(1 − f);  dc_prev = dc⊙f
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
