import RealModule

/// The vanilla tanh RNN step: h = tanh(xp + hp), and its backward dz = dh ⊙ (1 − h²).
enum RNNKernel {
    /// tanh over the whole [B, H] block at once with `VectorMath`.
    static func forward(_ s: StepBuffers) {
        let n = s.batch * s.hidden
        if !s.summed { for i in 0..<n { s.acts[i] = s.xp[i] + s.hp[i] } }
        VectorMath.tanh(s.acts, count: n)
        s.h.update(from: s.acts, count: n)
    }

    /// Reads each gate value before it writes ∂z in its place, so ∂z may overwrite `acts`.
    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let n = s.batch * s.hidden
        for i in 0..<n {
            let a = s.acts[i]
            d.dxp[i] = d.dh[i] * (1 - a * a)
            d.dhPrev[i] = 0
        }
    }
}
