import LMCore

/// A character-level recurrent language model: input (one-hot or embedding) → `layers` recurrent
/// layers of one cell (`CellKind`, defined once as a `RecurrentCell`) → a linear decoder to the vocabulary.
///
/// Parameters are LMCore tensors under PyTorch's `RNNModel` names (word-language-model example):
/// `encoder.weight` [V, E] when there is an embedding; per layer `rnn.weight_ih_l{k}` [G·H, I],
/// `rnn.weight_hh_l{k}` [G·H, H], `rnn.bias_ih_l{k}`, `rnn.bias_hh_l{k}` [G·H]; `decoder.weight` [V, H],
/// `decoder.bias` [V]; a cell's extra parameters are `rnn.NAME_l{k}` [H] after the layer's four. The same tensors feed both the reference path (autodiff ops) and the fused path.
public final class RecurrentModel {
    public let config: ModelConfig
    public let parameters: NamedParameters

    public var cell: CellKind { config.cell }

    /// Builds a model with fresh weights drawn from `rng`.
    public init(_ config: ModelConfig, rng: inout RandomSource) throws {
        try config.validate()
        self.config = config
        let h = config.hidden, g = config.cell.gates * h, v = config.vocabSize
        var entries: [(name: String, tensor: Tensor)] = []
        let bound: Float = config.initialization == .charRNN ? 0.08 : 1 / Float(h).squareRoot()
        func uniform(_ shape: [Int], _ b: Float) throws -> Tensor {
            try Tensor.rand(shape, low: -b, high: b, rng: &rng, requiresGrad: true)
        }
        if config.embed > 0 {
            // PyTorch's nn.Embedding draws N(0, 1); char-rnn has no embedding. Use the layer bound for char-rnn.
            // Tied, it is also the decoder: uniform ±0.1 as PyTorch's word_language_model draws both (N(0, 1)
            // rows would start the logits far from uniform).
            let e = config.initialization == .charRNN ? try uniform([v, config.embed], bound)
                : config.tie ? try uniform([v, config.embed], 0.1) : try Tensor.randn([v, config.embed], rng: &rng, requiresGrad: true)
            entries.append(("encoder.weight", e))
        }
        guard config.cell.definition.usesLayerWeights && config.decoder == .pytorch else {
            throw ModelError("model: a \(config.cell.title) cell brings its own weights; build it from them")
        }
        for l in 0..<config.layers {
            let inSize = config.inputSize(layer: l)
            entries.append(("rnn.weight_ih_l\(l)", try uniform([g, inSize], bound)))
            entries.append(("rnn.weight_hh_l\(l)", try uniform([g, h], bound)))
            let bih = try uniform([g], bound), bhh = try uniform([g], bound)
            if config.initialization == .charRNN, let f = config.cell.forgetGate {
                // char-rnn sets the forget-gate block of its input-to-hidden bias to 1 so that memories
                // last from the start; the hidden-to-hidden bias keeps its uniform draw (as in char-rnn).
                for j in 0..<h { bih.data[f * h + j] = 1 }
            }
            entries.append(("rnn.bias_ih_l\(l)", bih))
            entries.append(("rnn.bias_hh_l\(l)", bhh))
            for name in config.cell.definition.extraParameters {
                entries.append(("rnn.\(name)_l\(l)", try uniform(config.cell.definition.extraShape(name, hidden: h, input: inSize), bound)))
            }
        }
        let decBound: Float = config.initialization == .charRNN ? 0.08 : 1 / Float(h).squareRoot()
        if !config.tie { entries.append(("decoder.weight", try uniform([v, h], decBound))) }
        entries.append(("decoder.bias", try uniform([v], decBound)))
        parameters = NamedParameters(entries)
    }

    /// A model around existing parameters (a loaded checkpoint); names and shapes are checked.
    public init(_ config: ModelConfig, parameters: NamedParameters) throws {
        try config.validate()
        self.config = config
        self.parameters = parameters
        for (name, shape) in RecurrentModel.expectedShapes(config) {
            guard let t = parameters[name] else { throw ModelError("model: parameter \(name) is missing") }
            guard t.shape == shape else {
                throw ModelError("model: \(name) has shape \(shapeString(t.shape)), a \(config.cell.rawValue) of this size needs \(shapeString(shape))")
            }
            t.requiresGrad = true
        }
    }

    /// Names and shapes of every parameter for a configuration, in model order.
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        let g = c.cell.gates * c.hidden
        var out: [(String, [Int])] = []
        if c.embed > 0 { out.append(("encoder.weight", [c.vocabSize, c.embed])) }
        let def = c.cell.definition
        for l in 0..<c.layers {
            if def.usesLayerWeights {
                out.append(("rnn.weight_ih_l\(l)", [g, c.inputSize(layer: l)]))
                out.append(("rnn.weight_hh_l\(l)", [g, c.hidden]))
                out.append(("rnn.bias_ih_l\(l)", [g]))
                out.append(("rnn.bias_hh_l\(l)", [g]))
            }
            for name in def.extraParameters {
                out.append(("rnn.\(name)_l\(l)", def.extraShape(name, hidden: c.hidden, input: c.inputSize(layer: l))))
            }
        }
        if !c.tie { out.append(("decoder.weight", c.decoder == .pytorch ? [c.vocabSize, c.hidden] : [c.hidden, c.vocabSize])) }
        out.append(("decoder.bias", [c.vocabSize]))
        return out
    }

    func param(_ name: String) -> Tensor {
        // Names come from `expectedShapes`, which both initialisers guarantee (a cell without layer weights
        // gets empty ones, which its step never reads).
        parameters[name] ?? Tensor(0)
    }

    var encoder: Tensor? { config.embed > 0 ? param("encoder.weight") : nil }
    func weightIH(_ l: Int) -> Tensor { param("rnn.weight_ih_l\(l)") }
    func weightHH(_ l: Int) -> Tensor { param("rnn.weight_hh_l\(l)") }
    func biasIH(_ l: Int) -> Tensor { param("rnn.bias_ih_l\(l)") }
    func biasHH(_ l: Int) -> Tensor { param("rnn.bias_hh_l\(l)") }
    /// Layer `l`'s parameters as its cell's step reads them.
    public func cellWeights(layer l: Int) -> CellWeights {
        var extras: [String: Tensor] = [:]
        for name in cell.definition.extraParameters { extras[name] = param("rnn.\(name)_l\(l)") }
        return CellWeights(weightIH: weightIH(l), weightHH: weightHH(l), biasIH: biasIH(l), biasHH: biasHH(l), extras: extras,
                           hidden: config.hidden, oneHotInput: l == 0 && config.embed == 0)
    }

    /// With tying, the embedding itself (its gradient gets both uses).
    var decoderWeight: Tensor { param(config.tie ? "encoder.weight" : "decoder.weight") }
    var decoderBias: Tensor { param("decoder.bias") }
}

/// The recurrent state carried from window to window: h (and c for LSTMs) per layer, each [B, H].
public struct RecurrentState {
    public var h: [[Float]]
    public var c: [[Float]]
    public let batch: Int

    public init(config: ModelConfig, batch: Int) {
        let zero = [Float](repeating: 0, count: batch * config.hidden)
        h = Array(repeating: zero, count: config.layers)
        c = config.cell.hasCell ? Array(repeating: [Float](repeating: 0, count: batch * config.memoryWidth), count: config.layers) : []
        self.batch = batch
    }
}
