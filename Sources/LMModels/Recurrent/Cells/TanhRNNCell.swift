import LMCore

/// The lecture's vanilla RNN: h = tanh(V_x x + V_h h_prev + c). PyTorch's `nn.RNN` (tanh), one block.
public struct TanhRNNCell: RecurrentCell {
    public init() {}
    public var name: String { "rnn" }
    public var title: String { "RNN" }
    public var equations: String { "h = tanh(V_x x + V_h h_prev + c)" }
    public var gates: [Gate] { [Gate("h", .tanh)] }
    public var hasCell: Bool { false }
    public var kernel: FusedKernel? { FusedKernel(forward: RNNKernel.forward, backward: RNNKernel.backward, backwardInPlace: true) }

    public func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let h = try (w.input(x) + w.recurrent(s.h)).tanh()
        return CellOutput(h: h)
    }
}
