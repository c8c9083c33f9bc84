import LMCore

/// The LSTM with peephole connections (Gers & Schmidhuber 2000, as Graves 2013 writes it): the gates also
/// look at the cell, through a diagonal weight each. Gate blocks i, f, g, o as PyTorch's LSTM, plus three
/// vectors per layer that no PyTorch module has, named in its style: `rnn.weight_ci_l{k}`,
/// `rnn.weight_cf_l{k}`, `rnn.weight_co_l{k}` [H].
///
///     i = σ(W_i x + U_i h_prev + w_ci⊙c_prev + b_i)   f = σ(W_f x + U_f h_prev + w_cf⊙c_prev + b_f)
///     g = tanh(W_g x + U_g h_prev + b_g)              c = f⊙c_prev + i⊙g
///     o = σ(W_o x + U_o h_prev + w_co⊙c + b_o)        h = o⊙tanh(c)
/// The lecture's slide says "no peepholes"; this cell is here to compare. It has no fused kernel: it trains,
/// samples and is inspected on its definition (`m.plan` says so).
public struct PeepholeLSTMCell: RecurrentCell {
    public init() {}
    public var name: String { "peephole" }
    public var title: String { "peephole LSTM" }
    public var equations: String { "as the LSTM, with i, f = σ(… + w⊙c_prev) and o = σ(… + w_co⊙c)" }
    public var gates: [Gate] { [Gate("i", .sigmoid), Gate("f", .sigmoid), Gate("g", .tanh), Gate("o", .sigmoid)] }
    public var hasCell: Bool { true }
    public var forgetGate: Int? { 1 }
    public var extraParameters: [String] { ["weight_ci", "weight_cf", "weight_co"] }

    public func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let z = try w.input(x) + w.recurrent(s.h)
        let i = try (w.gate(z, 0) + w["weight_ci"] * s.c).sigmoid()
        let f = try (w.gate(z, 1) + w["weight_cf"] * s.c).sigmoid()
        let g = try w.gate(z, 2).tanh()
        let c = try f * s.c + i * g
        let o = try (w.gate(z, 3) + w["weight_co"] * c).sigmoid()
        let h = try o * c.tanh()
        return CellOutput(h: h, c: c, gates: [i, f, g, o])
    }
}
