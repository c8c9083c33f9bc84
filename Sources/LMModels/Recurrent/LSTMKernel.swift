import RealModule
import LMCore

/// The standard LSTM step (PyTorch's gate order i, f, g, o) and its backward pass.
///
///     i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)      z = xp + hp
///     c = f⊙c_prev + i⊙g        h = o⊙tanh(c)
enum LSTMKernel {
    static func forward(_ s: StepBuffers) {
        let h = s.hidden, g4 = 4 * h
        for b in 0..<s.batch {
            let z = b * g4, r = b * h
            for j in 0..<h {
                let i = sigmoidValue(s.xp[z + j] + s.hp[z + j])
                let f = sigmoidValue(s.xp[z + h + j] + s.hp[z + h + j])
                let g = Float.tanh(s.xp[z + 2 * h + j] + s.hp[z + 2 * h + j])
                let o = sigmoidValue(s.xp[z + 3 * h + j] + s.hp[z + 3 * h + j])
                s.acts[z + j] = i
                s.acts[z + h + j] = f
                s.acts[z + 2 * h + j] = g
                s.acts[z + 3 * h + j] = o
                let c = f * s.cPrev[r + j] + i * g
                let tc = Float.tanh(c)
                s.c[r + j] = c
                s.aux[r + j] = tc
                s.h[r + j] = o * tc
            }
        }
    }

    ///     dc += dh⊙o⊙(1 − tanh²c);  do = dh⊙tanh c;  di = dc⊙g;  dg = dc⊙i;  df = dc⊙c_prev
    ///     dc_prev = dc⊙f;  dz = d(gate)⊙σ′ or ⊙tanh′
    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let h = s.hidden, g4 = 4 * h
        for b in 0..<s.batch {
            let z = b * g4, r = b * h
            for j in 0..<h {
                let i = s.acts[z + j], f = s.acts[z + h + j], g = s.acts[z + 2 * h + j], o = s.acts[z + 3 * h + j]
                let tc = s.aux[r + j], dh = d.dh[r + j]
                let dc = d.dc[r + j] + dh * o * (1 - tc * tc)
                d.dxp[z + j] = dc * g * i * (1 - i)
                d.dxp[z + h + j] = dc * s.cPrev[r + j] * f * (1 - f)
                d.dxp[z + 2 * h + j] = dc * i * (1 - g * g)
                d.dxp[z + 3 * h + j] = dh * tc * o * (1 - o)
                d.dc[r + j] = dc * f
                d.dhPrev[r + j] = 0
            }
        }
    }
}
