import RealModule
import LMCore

/// PyTorch's GRU step (gate order r, z, n) and its backward pass.
///
///     r = σ(xp_r + hp_r)   z = σ(xp_z + hp_z)   n = tanh(xp_n + r⊙hp_n)
///     h = (1 − z)⊙n + z⊙h_prev
/// Because r multiplies the hidden projection of n, the two projections get different gradients.
enum GRUKernel {
    /// σ for r and z over their blocks, then n's pre-activation and tanh, with `VectorMath`.
    static func forward(_ s: StepBuffers) {
        let h = s.hidden, g3 = 3 * h
        for b in 0..<s.batch {
            let z0 = b * g3, row = b * h
            let a = s.acts + z0, xp = s.xp + z0, hp = s.hp + z0
            for k in 0..<(2 * h) { a[k] = xp[k] + hp[k] }
            VectorMath.sigmoid(a, count: 2 * h)  // r, z
            for j in 0..<h { a[2 * h + j] = xp[2 * h + j] + a[j] * hp[2 * h + j] }
            VectorMath.tanh(a + 2 * h, count: h)  // n
            for j in 0..<h {
                let z = a[h + j], n = a[2 * h + j]
                s.h[row + j] = (1 - z) * n + z * s.hPrev[row + j]
            }
        }
    }

    ///     dn = dh⊙(1 − z);  dz = dh⊙(h_prev − n);  dh_prev (direct) = dh⊙z
    ///     dn_pre = dn⊙(1 − n²);  dr = dn_pre⊙hp_n;  d(xp_n) = dn_pre;  d(hp_n) = dn_pre⊙r
    static func backward(_ s: StepBuffers, _ d: StepGradients) {
        let h = s.hidden, g3 = 3 * h
        for b in 0..<s.batch {
            let z0 = b * g3, row = b * h
            for j in 0..<h {
                let r = s.acts[z0 + j], z = s.acts[z0 + h + j], n = s.acts[z0 + 2 * h + j]
                let dh = d.dh[row + j]
                let dnPre = dh * (1 - z) * (1 - n * n)
                let drPre = dnPre * s.hp[z0 + 2 * h + j] * r * (1 - r)
                let dzPre = dh * (s.hPrev[row + j] - n) * z * (1 - z)
                d.dxp[z0 + j] = drPre
                d.dxp[z0 + h + j] = dzPre
                d.dxp[z0 + 2 * h + j] = dnPre
                d.dhp[z0 + j] = drPre
                d.dhp[z0 + h + j] = dzPre
                d.dhp[z0 + 2 * h + j] = dnPre * r
                d.dhPrev[row + j] = dh * z
            }
        }
    }
}
