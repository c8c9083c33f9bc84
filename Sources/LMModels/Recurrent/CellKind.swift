/// The recurrent cells lmsh trains, with their gate layouts.
///
/// Weights follow PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU`: `weight_ih` is [gates·H, input], `weight_hh` is
/// [gates·H, H], each with its own bias, and the gate blocks are stacked in the order below.
public enum CellKind: String, Sendable, CaseIterable, Codable {
    /// The lecture's vanilla RNN: h = tanh(V_x x + V_h h_prev + c). One block.
    case rnn
    /// PyTorch's LSTM: gates i, f, g, o; c = f⊙c_prev + i⊙g; h = o⊙tanh(c).
    case lstm
    /// The lecture's coupled LSTM, no peepholes: gates f, o, g (lmsh's own layout, in that order);
    /// c = c_prev⊙f + g⊙(1−f); h = tanh(c)⊙o. The input gate is tied to the forget gate as 1 − f.
    case coupledLSTM = "coupled"
    /// PyTorch's GRU: gates r, z, n; n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); h = (1−z)⊙n + z⊙h_prev.
    case gru

    /// Number of gate blocks stacked in the weight matrices.
    public var gates: Int {
        switch self {
        case .rnn: return 1
        case .lstm: return 4
        case .coupledLSTM, .gru: return 3
        }
    }

    /// Whether the cell carries a memory c besides h.
    public var hasCell: Bool { self == .lstm || self == .coupledLSTM }

    /// Names of the gate blocks, in weight order.
    public var gateNames: [String] {
        switch self {
        case .rnn: return ["h"]
        case .lstm: return ["i", "f", "g", "o"]
        case .coupledLSTM: return ["f", "o", "g"]
        case .gru: return ["r", "z", "n"]
        }
    }

    /// The block whose bias char-rnn sets to 1 at initialisation (the forget gate), if any.
    public var forgetGate: Int? {
        switch self {
        case .lstm: return 1
        case .coupledLSTM: return 0
        default: return nil
        }
    }
}
