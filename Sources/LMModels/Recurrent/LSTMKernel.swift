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

    /// The backward step (equations at `LSTMStep.backward`), compiled for AVX2 where the CPU has it.
    static func backward(_ s: StepBuffers, _ d: StepGradients, fast: Bool = VectorMath.fast) {
        if fast {
            LMKernels.LSTMStep.backwardAVX2(batch: s.batch, hidden: s.hidden, acts: s.acts, aux: s.aux, cPrev: s.cPrev,
                                            dh: d.dh, dc: d.dc, dz: d.dxp, dhPrev: d.dhPrev)
        } else {
            LSTMStep.backward(batch: s.batch, hidden: s.hidden, acts: s.acts, aux: s.aux, cPrev: s.cPrev,
                              dh: d.dh, dc: d.dc, dz: d.dxp, dhPrev: d.dhPrev)
        }
    }
}
