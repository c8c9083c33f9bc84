import LMCore

/// PyTorch's `nn.GRU`, gate blocks r, z, n:
///
///     r = σ(W_r x + b_ir + U_r h_prev + b_hr)   z = σ(W_z x + b_iz + U_z h_prev + b_hz)
///     n = tanh(W_n x + b_in + r⊙(U_n h_prev + b_hn))
///     h = (1 − z)⊙n + z⊙h_prev
/// r multiplies the hidden projection of n alone, so the two projections are kept apart.
public struct GRUCell: RecurrentCell {
    public init() {}
    public var name: String { "gru" }
    public var title: String { "GRU" }
    public var equations: String { "h = (1−z)⊙n + z⊙h_prev, n = tanh(W_n x + r⊙(U_n h_prev)); gates r, z = σ(…)" }
    public var gates: [Gate] { [Gate("r", .sigmoid), Gate("z", .sigmoid), Gate("n", .tanh)] }
    public var hasCell: Bool { false }
    public var kernel: FusedKernel? {
        FusedKernel(forward: GRUKernel.forward, backward: GRUKernel.backward, separateProjections: true)
    }

    public func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let xp = try w.input(x), hp = try w.recurrent(s.h)
        let r = try (w.gate(xp, 0) + w.gate(hp, 0)).sigmoid()
        let z = try (w.gate(xp, 1) + w.gate(hp, 1)).sigmoid()
        let n = try (w.gate(xp, 2) + r * w.gate(hp, 2)).tanh()
        let h = try z.complement * n + z * s.h
        return CellOutput(h: h, gates: [r, z, n])
    }
}
