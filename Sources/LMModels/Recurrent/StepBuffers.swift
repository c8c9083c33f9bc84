/// Pointers to one time step's slices of a layer's buffers, handed to a cell kernel.
///
/// Shapes (B = batch, H = hidden, G = gates): `xp`, `hp`, `acts`, `dxp`, `dhp` are [B, G·H];
/// the others [B, H]. `xp` holds x·W_ihᵀ + b_ih, `hp` holds h_prev·W_hhᵀ + b_hh. `aux` is the cell's
/// scratch that the backward pass reuses (tanh(c) for LSTMs).
struct StepBuffers {
    var batch: Int
    var hidden: Int
    var xp: UnsafeMutablePointer<Float>
    var hp: UnsafeMutablePointer<Float>
    var acts: UnsafeMutablePointer<Float>
    var hPrev: UnsafeMutablePointer<Float>
    var h: UnsafeMutablePointer<Float>
    var cPrev: UnsafeMutablePointer<Float>
    var c: UnsafeMutablePointer<Float>
    var aux: UnsafeMutablePointer<Float>
    /// `acts` already holds the pre-activation z (made step by step); xp and hp are not read.
    var summed = false
}

/// Gradient pointers for one step's backward pass.
///
/// In: `dh` (∂L/∂h_t, all paths) and `dc` (∂L/∂c_t through c_{t+1}). Out: `dc` becomes ∂L/∂c_{t−1};
/// `dxp` and `dhp` receive the gradients of the two projections (the same buffer for every cell but the
/// GRU, where they differ because r multiplies the hidden projection); `dhPrev` receives the part of
/// ∂L/∂h_{t−1} that does not go through W_hh (only the GRU's z⊙dh; zero otherwise).
struct StepGradients {
    var dh: UnsafeMutablePointer<Float>
    var dc: UnsafeMutablePointer<Float>
    var dxp: UnsafeMutablePointer<Float>
    var dhp: UnsafeMutablePointer<Float>
    var dhPrev: UnsafeMutablePointer<Float>
}
