import RealModule
import LMCore
import LMKernels

/// The standard LSTM step (PyTorch's gate order i, f, g, o) and its backward pass.
///
///     i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)      z = xp + hp
///     c = f⊙c_prev + i⊙g        h = o⊙tanh(c)
enum LSTMKernel {
    /// Pre-activations first (xp + hp into `acts`), then σ and tanh over whole gate blocks, then the
    /// cell update, eight lanes at a time: `LSTMStep` in LMKernels, compiled for AVX2 where the CPU has it.
    static func forward(_ s: StepBuffers, fast: Bool = VectorMath.fast) {
        if fast {
            LMKernels.LSTMStep.forwardAVX2(batch: s.batch, hidden: s.hidden, xp: s.summed ? nil : s.xp, hp: s.hp, acts: s.acts,
                                 cPrev: s.cPrev, c: s.c, aux: s.aux, h: s.h)
        } else {
            LSTMStep.forward(batch: s.batch, hidden: s.hidden, xp: s.summed ? nil : s.xp, hp: s.hp, acts: s.acts,
                             cPrev: s.cPrev, c: s.c, aux: s.aux, h: s.h)
        }
    }

    ///     dc += dh⊙o⊙(1 − tanh²c);  do = dh⊙tanh c;  di = dc⊙g;  dg = dc⊙i;  df = dc⊙c_prev
    ///     dc_prev = dc⊙f;  dz = d(gate)⊙σ′ or ⊙tanh′
    ///
    /// Eight lanes at a time with `VectorMath.load`/`store` (the pointers may alias as far as the
    /// compiler knows, so it would not vectorise the scalar loop); the tail runs the same arithmetic
    /// one lane at a time, so the result does not depend on where the tail starts.
    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let h = s.hidden, g4 = 4 * h
        typealias V = VectorMath.V
        for b in 0..<s.batch {
            let a = s.acts + b * g4, dz = d.dxp + b * g4, r = b * h
            let aux = s.aux + r, dhp = d.dh + r, dcp = d.dc + r, cPrev = s.cPrev + r
            var j = 0
            while j + 8 <= h {
                let i = VectorMath.load(a + j), f = VectorMath.load(a + h + j)
                let g = VectorMath.load(a + 2 * h + j), o = VectorMath.load(a + 3 * h + j)
                let tc = VectorMath.load(aux + j), dh = VectorMath.load(dhp + j)
                let dc = VectorMath.load(dcp + j) + dh * o * (1 - tc * tc)
                VectorMath.store(dc * g * i * (1 - i), dz + j)
                VectorMath.store(dc * VectorMath.load(cPrev + j) * f * (1 - f), dz + h + j)
                VectorMath.store(dc * i * (1 - g * g), dz + 2 * h + j)
                VectorMath.store(dh * tc * o * (1 - o), dz + 3 * h + j)
                VectorMath.store(dc * f, dcp + j)
                VectorMath.store(V(repeating: 0), d.dhPrev + r + j)
                j += 8
            }
            while j < h {
                let i = a[j], f = a[h + j], g = a[2 * h + j], o = a[3 * h + j]
                let tc = aux[j], dh = dhp[j]
                let dc = dcp[j] + dh * o * (1 - tc * tc)
                dz[j] = dc * g * i * (1 - i)
                dz[h + j] = dc * cPrev[j] * f * (1 - f)
                dz[2 * h + j] = dc * i * (1 - g * g)
                dz[3 * h + j] = dh * tc * o * (1 - o)
                dcp[j] = dc * f
                d.dhPrev[r + j] = 0
                j += 1
            }
        }
    }
}
