import RealModule

/// The vanilla tanh RNN step: h = tanh(xp + hp), and its backward dz = dh ⊙ (1 − h²).
enum RNNKernel {
    static func forward(_ s: StepBuffers) {
        let n = s.batch * s.hidden
        for i in 0..<n {
            let a = Float.tanh(s.xp[i] + s.hp[i])
            s.acts[i] = a
            s.h[i] = a
        }
    }

    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let n = s.batch * s.hidden
        for i in 0..<n {
            let a = s.acts[i]
            d.dxp[i] = d.dh[i] * (1 - a * a)
            d.dhPrev[i] = 0
        }
    }
}
