import LMCore

/// PyTorch's `nn.LSTM` (no peepholes), gate blocks i, f, g, o:
///
///     i = σ(W_i x + U_i h_prev + b_i)   f = σ(W_f x + U_f h_prev + b_f)
///     g = tanh(W_g x + U_g h_prev + b_g)   o = σ(W_o x + U_o h_prev + b_o)
///     c = f⊙c_prev + i⊙g               h = o⊙tanh(c)
public struct LSTMCell: RecurrentCell {
    public init() {}
    public var name: String { "lstm" }
    public var title: String { "LSTM" }
    public var equations: String { "c = f⊙c_prev + i⊙g, h = o⊙tanh(c); gates i, f, o = σ(…), g = tanh(…)" }
    public var gates: [Gate] { [Gate("i", .sigmoid), Gate("f", .sigmoid), Gate("g", .tanh), Gate("o", .sigmoid)] }
    public var hasCell: Bool { true }
    public var forgetGate: Int? { 1 }
    public var kernel: FusedKernel? { FusedKernel(forward: { LSTMKernel.forward($0) }, backward: { LSTMKernel.backward($0, $1) }, backwardInPlace: true) }

    public func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let z = try w.input(x) + w.recurrent(s.h)
        let i = try w.gate(z, 0).sigmoid(), f = try w.gate(z, 1).sigmoid()
        let g = try w.gate(z, 2).tanh(), o = try w.gate(z, 3).sigmoid()
        let c = try f * s.c + i * g
        let h = try o * c.tanh()
        return CellOutput(h: h, c: c, gates: [i, f, g, o])
    }
}
