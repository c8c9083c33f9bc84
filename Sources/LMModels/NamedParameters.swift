import LMCore

/// A model's trainable tensors in a fixed order, each under the name it has in a checkpoint
/// (PyTorch's state-dict names: `rnn.weight_ih_l0`, `decoder.bias`, …).
public struct NamedParameters {
    public var entries: [(name: String, tensor: Tensor)]

    public init(_ entries: [(name: String, tensor: Tensor)] = []) {
        self.entries = entries
    }

    public var names: [String] { entries.map(\.name) }
    public var tensors: [Tensor] { entries.map(\.tensor) }

    public subscript(name: String) -> Tensor? {
        entries.first { $0.name == name }?.tensor
    }

    /// Total number of scalars.
    public var scalarCount: Int { entries.reduce(0) { $0 + $1.tensor.count } }

    /// Forgets every gradient.
    public func zeroGrads() {
        for e in entries { e.tensor.zeroGrad() }
    }
}
