import LMCore

/// The lecture's coupled LSTM, no peepholes: the input gate is tied to the forget gate as 1 − f.
/// Gate blocks f, o, g (lmsh's own layout, in that order):
///
///     f = σ(W_f x + U_f h_prev + b_f)   o = σ(W_o x + U_o h_prev + b_o)   g = tanh(W_g x + U_g h_prev + b_g)
///     c = c_prev⊙f + g⊙(1 − f)          h = tanh(c)⊙o
public struct CoupledLSTMCell: RecurrentCell {
    public init() {}
    public var name: String { "coupled" }
    public var title: String { "coupled LSTM" }
    public var equations: String { "c = c_prev⊙f + g⊙(1−f), h = tanh(c)⊙o; gates f, o = σ(…), g = tanh(…)" }
    public var gates: [Gate] { [Gate("f", .sigmoid), Gate("o", .sigmoid), Gate("g", .tanh)] }
    public var hasCell: Bool { true }
    public var forgetGate: Int? { 0 }
    public var kernel: FusedKernel? { FusedKernel(forward: CoupledLSTMKernel.forward, backward: CoupledLSTMKernel.backward, backwardInPlace: true) }

    public func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let z = try w.input(x) + w.recurrent(s.h)
        let f = try w.gate(z, 0).sigmoid(), o = try w.gate(z, 1).sigmoid(), g = try w.gate(z, 2).tanh()
        let c = try s.c * f + g * f.complement
        let h = try c.tanh() * o
        return CellOutput(h: h, c: c, gates: [f, o, g])
    }
}
