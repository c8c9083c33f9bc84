import Foundation
import LMCore

/// A small decoder-only transformer, nanoGPT's GPT (Radford et al. 2019's GPT-2 layout) at any size:
///
///     x_0 = wte[token] + wpe[position]
///     x = x + attn(ln_1(x))      causal self-attention, `heads` heads of dim/heads
///     x = x + mlp(ln_2(x))       c_fc (4·dim) → GELU → c_proj       (each of `layers` blocks)
///     logits = ln_f(x) · wteᵀ    the head is tied to the token embedding, as nanoGPT does
///
/// Its forward is written in LMCore's autodiff ops (`linear`, `layerNorm`, `causalSoftmax`, `gelu`), so its
/// gradients come from the same engine as every other model. Parameters carry nanoGPT's state-dict names
/// and nn.Linear's [out, in] layout, so a checkpoint loads into PyTorch as it is.
public final class TransformerModel {
    public struct Config: Sendable, Equatable {
        public var vocabSize: Int
        public var layers: Int
        public var heads: Int
        public var dim: Int
        /// The longest text the model reads at once (nanoGPT's block_size): positions 0..<context.
        public var context: Int
        public init(vocabSize: Int, layers: Int, heads: Int, dim: Int, context: Int) {
            self.vocabSize = vocabSize
            self.layers = layers
            self.heads = heads
            self.dim = dim
            self.context = context
        }

        public func validate() throws {
            guard vocabSize >= 1 else { throw ModelError("transformer: the vocabulary size must be at least 1") }
            guard layers >= 1 && layers <= 48 else { throw ModelError("transformer: layers \(layers) must be in 1...48") }
            guard heads >= 1 && heads <= 64 else { throw ModelError("transformer: heads \(heads) must be in 1...64") }
            guard dim >= 1 && dim <= 2048 else { throw ModelError("transformer: dim \(dim) must be in 1...2048") }
            guard dim % heads == 0 else { throw ModelError("transformer: dim \(dim) must be a multiple of heads \(heads) (each head gets dim/heads)") }
            guard context >= 1 && context <= 2048 else { throw ModelError("transformer: context \(context) must be in 1...2048") }
            // All the weights together within one tensor's element budget, so that no size a user types exhausts memory.
            let total = shapes.reduce(0) { $0 + $1.1.reduce(1, *) }
            guard total <= Shape.elementBudget else {
                throw ModelError("transformer: \(total) parameters, over the budget of \(Shape.elementBudget); use fewer layers or a smaller dim")
            }
        }

        /// Names and shapes in nanoGPT's state-dict order (without lm_head.weight, which is wte's).
        public var shapes: [(String, [Int])] {
            let c = dim
            var s: [(String, [Int])] = [("transformer.wte.weight", [vocabSize, c]), ("transformer.wpe.weight", [context, c])]
            for i in 0..<layers {
                let p = "transformer.h.\(i)."
                s += [(p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                      (p + "attn.c_attn.weight", [3 * c, c]), (p + "attn.c_attn.bias", [3 * c]),
                      (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                      (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                      (p + "mlp.c_fc.weight", [4 * c, c]), (p + "mlp.c_fc.bias", [4 * c]),
                      (p + "mlp.c_proj.weight", [c, 4 * c]), (p + "mlp.c_proj.bias", [c])]
            }
            return s + [("transformer.ln_f.weight", [c]), ("transformer.ln_f.bias", [c])]
        }
    }

    public let config: Config
    public let parameters: NamedParameters
    /// The tensors by name, looked up once (the forward reads them for every block).
    private let byName: [String: Tensor]

    /// nanoGPT's initialisation: weights N(0, 0.02²), the residual projections (c_proj) N(0, (0.02/√(2·layers))²),
    /// biases 0, layer norms weight 1 and bias 0.
    public convenience init(_ config: Config, rng: inout RandomSource) throws {
        try config.validate()
        var entries: [(name: String, tensor: Tensor)] = []
        for (name, shape) in config.shapes {
            let t: Tensor
            if name.hasSuffix(".bias") {
                t = try Tensor.zeros(shape, requiresGrad: true)
            } else if name.contains("ln_") {
                t = try Tensor.ones(shape, requiresGrad: true)
            } else {
                let std: Float = name.hasSuffix("c_proj.weight") ? 0.02 / Float(2 * config.layers).squareRoot() : 0.02
                t = try Tensor.randn(shape, rng: &rng, requiresGrad: true)
                for i in 0..<t.count { t.data[i] *= std }
            }
            entries.append((name, t))
        }
        try self.init(config, parameters: NamedParameters(entries))
    }

    /// A model around existing parameters (a checkpoint); names and shapes are checked.
    public init(_ config: Config, parameters: NamedParameters) throws {
        try config.validate()
        var map: [String: Tensor] = [:]
        for (name, shape) in config.shapes {
            guard let t = parameters[name] else { throw ModelError("transformer: parameter \(name) is missing") }
            guard t.shape == shape else { throw ModelError("transformer: \(name) has shape \(shapeString(t.shape)), needs \(shapeString(shape))") }
            map[name] = t
        }
        self.config = config
        self.parameters = parameters
        byName = map
    }

    func p(_ name: String) -> Tensor { byName[name] ?? Tensor(0) }

    /// What a forward can keep for inspection: the input embeddings x_0 (with their gradient retained) and
    /// each layer's attention weights [B, heads, T, T].
    public final class Trace {
        public var input: Tensor?
        public var attention: [Tensor] = []
        public init() {}
    }

    /// Logits [B, T, V] for `batch` rows of T = ids.count / batch ids each (T ≤ context).
    public func logits(ids: [Int32], batch: Int, trace: Trace? = nil) throws -> Tensor {
        let c = config, C = c.dim, H = c.heads, hd = c.dim / c.heads
        guard batch >= 1, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError("transformer: \(ids.count) ids do not make \(batch) rows")
        }
        let T = ids.count / batch
        guard T <= c.context else { throw ModelError("transformer: \(T) positions, but the context is \(c.context)") }
        for id in ids where id < 0 || Int(id) >= c.vocabSize { throw ModelError("transformer: id \(id) is outside the vocabulary") }
        let tok = try p("transformer.wte.weight").gatherRows(Tensor(ids.map(Float.init))).reshape([batch, T, C])
        let pos = try p("transformer.wpe.weight").gatherRows(Tensor((0..<T).map(Float.init)))
        var x = try tok.add(pos)
        if let trace {
            x.retainsGrad = true
            trace.input = x
        }
        for i in 0..<c.layers {
            let pre = "transformer.h.\(i)."
            let h = try x.layerNorm(weight: p(pre + "ln_1.weight"), bias: p(pre + "ln_1.bias"))
            let qkv = try h.linear(weight: p(pre + "attn.c_attn.weight"), bias: p(pre + "attn.c_attn.bias")).split([C, C, C], axis: -1)
            // [B, T, C] → [B, H, T, hd]: the heads become a batch axis of the attention products.
            let q = try qkv[0].reshape([batch, T, H, hd]).permute([0, 2, 1, 3])
            let k = try qkv[1].reshape([batch, T, H, hd]).permute([0, 2, 1, 3])
            let v = try qkv[2].reshape([batch, T, H, hd]).permute([0, 2, 1, 3])
            let att = try Tensor.attentionWeights(q, k, causal: true)
            trace?.attention.append(att)
            let y = try att.matmul(v).permute([0, 2, 1, 3]).reshape([batch, T, C])
            x = try x.add(y.linear(weight: p(pre + "attn.c_proj.weight"), bias: p(pre + "attn.c_proj.bias")))
            let h2 = try x.layerNorm(weight: p(pre + "ln_2.weight"), bias: p(pre + "ln_2.bias"))
            let m = try h2.linear(weight: p(pre + "mlp.c_fc.weight"), bias: p(pre + "mlp.c_fc.bias")).gelu()
            x = try x.add(m.linear(weight: p(pre + "mlp.c_proj.weight"), bias: p(pre + "mlp.c_proj.bias")))
        }
        let f = try x.layerNorm(weight: p("transformer.ln_f.weight"), bias: p("transformer.ln_f.bias"))
        return try f.linear(weight: p("transformer.wte.weight"))
    }

    /// Mean cross-entropy of `targets` after `ids` (a graph: `backward()` fills the parameters' grads).
    public func loss(ids: [Int32], targets: [Int32], batch: Int) throws -> Tensor {
        try logits(ids: ids, batch: batch).crossEntropy(targets: Tensor(targets.map(Float.init)))
    }

    /// log p(ids[n+1] | ids[...n]) for every n of one text (at most `context` + 1 ids), in nats: what the
    /// PyTorch check compares.
    public func tokenLogProbs(_ ids: [Int32]) throws -> [Double] {
        guard ids.count >= 2 else { throw ModelError("transformer: log-probs need at least two ids") }
        let inputs = Array(ids.dropLast())
        let l = try Tensor.withoutGrad { try logits(ids: inputs, batch: 1).logSoftmax(axis: -1) }
        let V = config.vocabSize
        return (0..<inputs.count).map { Double(l.data[$0 * V + Int(ids[$0 + 1])]) }
    }

    /// P(next | the last `context` ids of `context`), as probabilities.
    public func distribution(after ids: [Int32]) throws -> [Double] {
        guard !ids.isEmpty else { throw ModelError("transformer: the context is empty") }
        let window = Array(ids.suffix(config.context))
        let l = try Tensor.withoutGrad { try logits(ids: window, batch: 1) }.data
        let V = config.vocabSize, last = Array(l[(l.count - V)...])
        let m = Double(last.max() ?? 0)
        let e = last.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Loss over a part with the predictions a recurrent model's `evaluate` makes with this batch and seq (every
    /// symbol once: the batcher's streams and the tail), each stream read in blocks of `context` from a fresh
    /// start, as nanoGPT's estimate_loss reads its blocks.
    public func evaluate(_ part: CorpusSplit, batch: Int, seq: Int, splitSummary: String = "", unit: String = "char",
                         shouldStop: () -> Bool = { false }) throws -> LossReport {
        let batcher = try Batcher(part, batch: batch, seq: seq)
        var total = 0.0, count = 0
        var full: [(ArraySlice<Int32>, ArraySlice<Int32>)] = []
        func run(_ rows: [(ArraySlice<Int32>, ArraySlice<Int32>)]) throws {
            guard let n = rows.first?.0.count, n > 0 else { return }
            let l = try Tensor.withoutGrad {
                try loss(ids: rows.flatMap { Array($0.0) }, targets: rows.flatMap { Array($0.1) }, batch: rows.count)
            }
            total += Double(try l.item()) * Double(n * rows.count)
            count += n * rows.count
        }
        for s in batcher.streams {
            var start = s.inputs.startIndex
            while start < s.inputs.endIndex {
                if shouldStop() { break }
                let end = Swift.min(start + config.context, s.inputs.endIndex)
                let block = (s.inputs[start..<end], s.targets[start..<end])
                if end - start == config.context {
                    full.append(block)
                    if full.count == 16 { try run(full); full = [] }
                } else {
                    try run([block])
                }
                start = end
            }
        }
        try run(full)
        guard count > 0 else { throw ModelError("evaluate: the split is empty") }
        return LossReport(nats: total / Double(count), characters: count, splitSummary: splitSummary, unit: unit)
    }
}
