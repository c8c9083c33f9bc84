import LMCore
import RealModule

/// How to draw text from a model.
public struct SampleSettings: Sendable, Equatable {
    /// Characters to generate, not counting the prime.
    public var length = 300
    /// Logits are divided by it; 0 takes the most likely character every time (argmax).
    public var temperature: Float = 1
    /// Keep only the k most likely characters before drawing (0: all).
    public var topK = 0
    /// Text fed through the model first; it is echoed and conditions what follows.
    public var prime = ""
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        guard length >= 0 && length <= 10_000_000 else { throw ModelError("sample: length \(length) must be in 0...10000000") }
        guard temperature >= 0 && temperature.isFinite else { throw ModelError("sample: temp \(temperature) must be ≥ 0") }
        guard topK >= 0 else { throw ModelError("sample: topk \(topK) must be ≥ 0") }
    }
}

/// Runs a model one character at a time with batch 1, without building a graph: the fused layer
/// kernels with one step, so a character costs a few matrix-vector products.
public final class StepRunner {
    let model: RecurrentModel
    var tapes: [LayerTape]
    public var state: RecurrentState
    var logits: [Float]

    public init(_ model: RecurrentModel) {
        self.model = model
        let c = model.config
        tapes = (0..<c.layers).map { l in
            LayerTape(cell: c.cell, steps: 1, batch: 1, hidden: c.hidden, inputSize: c.inputSize(layer: l),
                      oneHot: l == 0 && c.embed == 0)
        }
        state = RecurrentState(config: c, batch: 1)
        logits = [Float](repeating: 0, count: c.vocabSize)
    }

    /// Feeds one symbol; returns the logits of the next one.
    @discardableResult
    public func feed(_ id: Int) throws -> [Float] {
        let c = model.config
        guard id >= 0 && id < c.vocabSize else { throw ModelError("sample: symbol id \(id) is outside the vocabulary") }
        if let encoder = model.encoder {
            for j in 0..<c.embed { tapes[0].input.p[j] = encoder.data[id * c.embed + j] }
        } else {
            tapes[0].ids = [id]
        }
        for l in 0..<c.layers {
            let tape = tapes[l]
            tape.forward(wih: model.weightIH(l), whh: model.weightHH(l), bih: model.biasIH(l), bhh: model.biasHH(l),
                         h0: state.h[l], c0: c.cell.hasCell ? state.c[l] : [])
            state.h[l] = tape.finalH
            if c.cell.hasCell { state.c[l] = tape.finalC }
            if l + 1 < c.layers { tapes[l + 1].input.p.update(from: tape.outputs, count: c.hidden) }
        }
        let top = tapes[c.layers - 1].outputs, h = c.hidden
        model.decoderWeight.data.withUnsafeBufferPointer { w in
            model.decoderBias.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                logits.withUnsafeMutableBufferPointer { out in
                    guard let out = out.baseAddress else { return }
                    out.update(from: b, count: c.vocabSize)
                    BLAS.sgemm(transB: true, m: 1, n: c.vocabSize, k: h, a: top, lda: h, b: w, ldb: h, beta: 1, c: out, ldc: c.vocabSize)
                }
            }
        }
        return logits
    }
}

/// Draws the next symbol from logits with a temperature, an optional top-k cut and a seeded generator.
public func drawSymbol(_ logits: [Float], temperature: Float, topK: Int, rng: inout RandomSource) -> Int {
    if temperature == 0 {
        var best = 0
        for i in 1..<logits.count where logits[i] > logits[best] { best = i }
        return best
    }
    var allowed = Array(logits.indices)
    if topK > 0 && topK < logits.count {
        allowed = Array(allowed.sorted { logits[$0] > logits[$1] }.prefix(topK))
    }
    let m = allowed.map { logits[$0] }.max() ?? 0
    let weights = allowed.map { Double(Float.exp((logits[$0] - m) / temperature)) }
    let total = weights.reduce(0, +)
    var u = rng.nextDouble() * total
    for (k, w) in weights.enumerated() {
        u -= w
        if u < 0 { return allowed[k] }
    }
    return allowed[allowed.count - 1]
}

extension RecurrentModel {
    /// Generates text, streaming each character through `emit` (which returns false to stop early).
    /// The prime is fed first and echoed; without one, the first character is drawn uniformly.
    @discardableResult
    public func sample(
        vocabulary: Vocabulary, _ settings: SampleSettings, emit: (String) -> Bool = { _ in true }
    ) throws -> String {
        try settings.validate()
        guard vocabulary.count == config.vocabSize else {
            throw ModelError("sample: the vocabulary has \(vocabulary.count) symbols, the model \(config.vocabSize)")
        }
        let primeIds = try vocabulary.encode(settings.prime).map(Int.init)
        var rng = RandomSource(seed: settings.seed)
        let runner = StepRunner(self)
        var out = settings.prime
        if !settings.prime.isEmpty && !emit(settings.prime) { return out }
        var current: Int
        if let last = primeIds.last {
            for id in primeIds.dropLast() { try runner.feed(id) }
            current = last
        } else {
            guard settings.length > 0 else { return out }
            current = rng.nextInt(below: config.vocabSize)
            let s = try vocabulary.decode([current])
            out += s
            if !emit(s) { return out }
        }
        let remaining = settings.prime.isEmpty ? settings.length - 1 : settings.length
        for _ in 0..<Swift.max(remaining, 0) {
            let logits = try runner.feed(current)
            current = drawSymbol(logits, temperature: settings.temperature, topK: settings.topK, rng: &rng)
            let s = try vocabulary.decode([current])
            out += s
            if !emit(s) { break }
        }
        return out
    }
}
