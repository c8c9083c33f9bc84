/// Everything that fixes a recurrent language model's shape and initialisation.
public struct ModelConfig: Sendable, Equatable, Codable {
    public var cell: CellKind
    public var vocabSize: Int
    public var hidden: Int
    public var layers: Int
    /// Size of a learned embedding; 0 means one-hot input (as char-rnn), done as a column gather.
    public var embed: Int
    /// Dropout probability on the output of every layer but the last (as PyTorch's nn.LSTM).
    public var dropout: Float
    public var initialization: Initialization
    /// How the decoder's weight is laid out: PyTorch's `decoder.weight` [V, H] (logits = h·Wᵀ + b), or [H, V]
    /// as a user writes it (logits = h @ W + b).
    public var decoder: DecoderLayout = .pytorch

    public enum DecoderLayout: String, Sendable, Codable {
        case pytorch
        case inputMajor = "h@W"
    }

    /// The width of the memory c of each layer (H for the built-in LSTMs).
    public var memoryWidth: Int { cell.definition.memoryWidth ?? hidden }
    /// Weight tying (Press & Wolf 2017): the decoder's weight is the embedding (`encoder.weight`), so
    /// there is no `decoder.weight`; needs `embed == hidden`.
    public var tie: Bool = false

    public enum Initialization: String, Sendable, Codable {
        /// char-rnn's: uniform ±0.08 for everything, forget-gate biases 1.
        case charRNN = "charrnn"
        /// PyTorch's: uniform ±1/√H for every recurrent weight and bias.
        case pytorch
    }

    public init(
        cell: CellKind = .lstm, vocabSize: Int, hidden: Int = 128, layers: Int = 2, embed: Int = 0,
        dropout: Float = 0, initialization: Initialization? = nil
    ) {
        self.cell = cell
        self.vocabSize = vocabSize
        self.hidden = hidden
        self.layers = layers
        self.embed = embed
        self.dropout = dropout
        self.initialization = initialization ?? (cell.hasCell ? .charRNN : .pytorch)
    }

    private enum CodingKeys: String, CodingKey { case cell, vocabSize, hidden, layers, embed, dropout, initialization, decoder, tie }

    public init(from d: any Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        cell = try c.decode(CellKind.self, forKey: .cell)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hidden = try c.decode(Int.self, forKey: .hidden)
        layers = try c.decode(Int.self, forKey: .layers)
        embed = try c.decode(Int.self, forKey: .embed)
        dropout = try c.decode(Float.self, forKey: .dropout)
        initialization = try c.decode(Initialization.self, forKey: .initialization)
        decoder = try c.decodeIfPresent(DecoderLayout.self, forKey: .decoder) ?? .pytorch
        tie = try c.decodeIfPresent(Bool.self, forKey: .tie) ?? false
    }

    /// Input size of layer `l`.
    public func inputSize(layer l: Int) -> Int {
        l > 0 ? hidden : (embed > 0 ? embed : vocabSize)
    }

    /// Checks the sizes a user may type.
    public func validate() throws {
        func bad(_ what: String) -> ModelError { ModelError(what) }
        guard vocabSize >= 1 else { throw bad("vocabulary size must be at least 1") }
        guard hidden >= 1 && hidden <= 16384 else { throw bad("hidden size \(hidden) must be in 1...16384") }
        guard layers >= 1 && layers <= 64 else { throw bad("layers \(layers) must be in 1...64") }
        guard embed >= 0 && embed <= 16384 else { throw bad("embed size \(embed) must be in 0...16384") }
        guard dropout >= 0 && dropout < 1 else { throw bad("dropout \(dropout) must be in [0, 1)") }
        guard !tie || embed == hidden else { throw bad("tie=true needs embed = hidden (the decoder reads h with the embedding's rows), got embed \(embed), hidden \(hidden)") }
    }
}

/// Errors of model building, training and sampling that a user can cause.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
