/// Which recurrent cell a model uses: a definition (`RecurrentCell`) behind a value that can be compared,
/// stored in a configuration and named in a checkpoint.
///
/// `builtIn` is the table of the cells lmsh ships; adding one is its file and a line here. Weights follow
/// PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU`: `weight_ih` is [gates·H, input], `weight_hh` is [gates·H, H],
/// each with its own bias, gate blocks stacked in the cell's `gates` order.
public struct CellKind: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let definition: any RecurrentCell

    public init(_ definition: any RecurrentCell) { self.definition = definition }

    public static let rnn = CellKind(TanhRNNCell())
    public static let lstm = CellKind(LSTMCell())
    public static let coupledLSTM = CellKind(CoupledLSTMCell())
    public static let gru = CellKind(GRUCell())
    public static let peephole = CellKind(PeepholeLSTMCell())

    /// The cells lmsh ships, in the order help lists them.
    public static let builtIn: [CellKind] = [.rnn, .lstm, .coupledLSTM, .gru, .peephole]

    /// A built-in cell (or one of `extra`) by its name.
    public static func named(_ name: String, among extra: [CellKind] = []) -> CellKind? {
        (extra + builtIn).first { $0.name == name }
    }

    public var name: String { definition.name }
    public var title: String { definition.title }
    /// The name, as checkpoints store it (the enum's raw value before cells became definitions).
    public var rawValue: String { name }
    public var description: String { name }
    /// Number of gate blocks stacked in the weight matrices.
    public var gates: Int { definition.gates.count }
    /// Names of the gate blocks, in weight order.
    public var gateNames: [String] { definition.gates.map(\.name) }
    public var hasCell: Bool { definition.hasCell }
    public var forgetGate: Int? { definition.forgetGate }
    public var kernel: FusedKernel? { definition.kernel }

    public static func == (a: CellKind, b: CellKind) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let cell = CellKind.named(name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown cell \(name)"))
        }
        self = cell
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}
