import Dispatch
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

    /// The most characters one `sample` may ask for; the shell's `Limits.sampleLength` starts from it.
    public static let maxLength = 10_000_000

    public func validate() throws {
        guard length >= 0 && length <= Self.maxLength else { throw ModelError("sample: length \(length) must be in 0...\(Self.maxLength)") }
        guard temperature >= 0 && temperature.isFinite else { throw ModelError("sample: temp \(temperature) must be ≥ 0") }
        guard topK >= 0 else { throw ModelError("sample: topk \(topK) must be ≥ 0") }
    }
}

/// Runs a model one character at a time with batch 1, without building a graph: the fused cell
/// kernels with one step, so a character costs a few matrix-vector products.
///
/// Batch 1 is where per-call overhead shows, so a character allocates nothing: the products are
/// `BLAS.sgemv` (an sgemm with m = 1 repacks the whole weight matrix on every call; that was 70% of
/// sampling's time), the weights are looked up once, and the state lives in the tapes' slot 0 (slot 1
/// receives the new state, which is copied back after each layer).
public final class StepRunner {
    let model: RecurrentModel
    var tapes: [LayerTape]
    var logits: [Float]
    /// Per layer W_ih, W_hh, b_ih, b_hh, then the decoder's weight and bias, fetched once.
    let layerWeights: [(wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor)]
    let decoderWeight: Tensor, decoderBias: Tensor

    /// Cores to split a layer's rows across (`FusedWindow.defaultThreads`), for layers with at least
    /// `splitThreshold` weights: below that, waking a second thread costs more than it saves.
    let parts: Int
    static let splitThreshold = 1 << 19
    /// For a cell without a fused kernel: its definition runs each step (`feedByDefinition`), with this state.
    var definitionState: RecurrentState?
    lazy var definitionWeights: [CellWeights] = (0..<model.config.layers).map { model.cellWeights(layer: $0) }

    /// The cores a large layer's rows are split across.
    public var threads: Int { parts }

    public init(_ model: RecurrentModel, threads: Int = FusedWindow.defaultThreads) {
        parts = Swift.max(1, Swift.min(threads, 8))
        self.model = model
        let c = model.config
        tapes = (0..<c.layers).map { l in
            LayerTape(cell: c.cell, steps: 1, batch: 1, hidden: c.hidden, inputSize: c.inputSize(layer: l),
                      oneHot: l == 0 && c.embed == 0)
        }
        layerWeights = (0..<c.layers).map { l in (model.weightIH(l), model.weightHH(l), model.biasIH(l), model.biasHH(l)) }
        decoderWeight = model.decoderWeight
        decoderBias = model.decoderBias
        logits = [Float](repeating: 0, count: c.vocabSize)
        if c.cell.kernel == nil {
            tapes = []
            definitionState = RecurrentState(config: c, batch: 1)
        }
        // sgemv is called directly: make sure OpenBLAS has had lmsh's one-thread setting first (a
        // threaded sgemv per character spends its time waking threads).
        _ = BLAS.threads
    }

    /// The carried state (h and, for LSTMs, c per layer), read from and written to the tapes.
    public var state: RecurrentState {
        get {
            if let definitionState { return definitionState }
            let c = model.config
            var s = RecurrentState(config: c, batch: 1)
            for l in 0..<c.layers {
                s.h[l] = tapes[l].hs.array(offset: 0, count: c.hidden)
                if c.cell.hasCell { s.c[l] = tapes[l].cs.array(offset: 0, count: c.hidden) }
            }
            return s
        }
        set {
            if definitionState != nil {
                definitionState = newValue
                return
            }
            let c = model.config
            for l in 0..<c.layers {
                if newValue.h.count > l { tapes[l].hs.copy(from: newValue.h[l]) }
                if c.cell.hasCell && newValue.c.count > l { tapes[l].cs.copy(from: newValue.c[l]) }
            }
        }
    }

    /// Back to the zero state, keeping the buffers.
    public func reset() {
        if definitionState != nil { definitionState = RecurrentState(config: model.config, batch: 1) }
        for t in tapes {
            t.hs.zero()
            t.cs.zero()
        }
    }

    /// Feeds one symbol; returns the logits of the next one.
    @discardableResult
    public func feed(_ id: Int) throws -> [Float] {
        let c = model.config
        guard id >= 0 && id < c.vocabSize else { throw ModelError("sample: symbol id \(id) is outside the vocabulary") }
        if definitionState != nil { return try feedByDefinition(id) }
        let h = c.hidden, g = c.cell.gates * h
        for l in 0..<c.layers {
            let tape = tapes[l], w = layerWeights[l], s = tape.step(0)
            let inSize = c.inputSize(layer: l)
            // The input: a one-hot id, an embedding row, or the layer below's new h.
            var input: UnsafePointer<Float>? = nil
            if l > 0 {
                input = UnsafePointer(tapes[l - 1].hs.p)
            } else if let encoder = model.encoder {
                encoder.data.withUnsafeBufferPointer { e in
                    if let e = e.baseAddress { tape.input.p.update(from: e + id * inSize, count: inSize) }
                }
                input = UnsafePointer(tape.input.p)
            }
            w.wih.data.withUnsafeBufferPointer { wih in
                w.bih.data.withUnsafeBufferPointer { bih in
                    w.whh.data.withUnsafeBufferPointer { whh in
                        w.bhh.data.withUnsafeBufferPointer { bhh in
                            guard let wih = wih.baseAddress, let bih = bih.baseAddress,
                                  let whh = whh.baseAddress, let bhh = bhh.baseAddress else { return }
                            let rows = RowProjection(g: g, inSize: inSize, hidden: h, id: id, input: input, wih: wih, bih: bih,
                                                     whh: whh, bhh: bhh, hPrev: s.hPrev, xp: s.xp, hp: s.hp)
                            if parts > 1 && g * (inSize + h) >= Self.splitThreshold {
                                // Two halves of the rows on two cores: at batch 1 the products are memory-bound,
                                // and each core streams half of the weights.
                                let shared = Unchecked(rows), parts = self.parts
                                DispatchQueue.concurrentPerform(iterations: parts) { k in
                                    let r0 = (g * k / parts) & ~15, r1 = k + 1 == parts ? g : (g * (k + 1) / parts) & ~15
                                    shared.value.run(rows: r0..<r1)
                                }
                            } else {
                                rows.run(rows: 0..<g)
                            }
                        }
                    }
                }
            }
            tape.runCell(s)
            // The new state becomes slot 0, where the next character (and the layer above) reads it.
            s.hPrev.update(from: s.h, count: h)
            if c.cell.hasCell { s.cPrev.update(from: s.c, count: h) }
        }
        let top = UnsafePointer(tapes[c.layers - 1].hs.p), v = c.vocabSize
        decoderWeight.data.withUnsafeBufferPointer { w in
            decoderBias.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                logits.withUnsafeMutableBufferPointer { out in
                    guard let out = out.baseAddress else { return }
                    out.update(from: b, count: v)
                    BLAS.sgemv(m: v, n: h, a: w, lda: h, x: top, beta: 1, y: out)
                }
            }
        }
        return logits
    }
}

/// One layer's two projections for one character, xp = b_ih + W_ih·x and hp = b_hh + W_hh·h_prev, over
/// a range of gate rows (so that the rows can be split across cores).
struct RowProjection {
    let g: Int, inSize: Int, hidden: Int, id: Int
    let input: UnsafePointer<Float>?
    let wih: UnsafePointer<Float>, bih: UnsafePointer<Float>, whh: UnsafePointer<Float>, bhh: UnsafePointer<Float>
    let hPrev: UnsafePointer<Float>
    let xp: UnsafeMutablePointer<Float>, hp: UnsafeMutablePointer<Float>

    func run(rows: Range<Int>) {
        let r0 = rows.lowerBound, n = rows.count
        guard n > 0 else { return }
        if let input {
            (xp + r0).update(from: bih + r0, count: n)
            BLAS.sgemv(m: n, n: inSize, a: wih + r0 * inSize, lda: inSize, x: input, beta: 1, y: xp + r0)
        } else {
            // One-hot input: column `id` of W_ih.
            for k in rows { xp[k] = wih[k * inSize + id] + bih[k] }
        }
        (hp + r0).update(from: bhh + r0, count: n)
        BLAS.sgemv(m: n, n: hidden, a: whh + r0 * hidden, lda: hidden, x: hPrev, beta: 1, y: hp + r0)
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
            let s = vocabulary.piece(current, after: nil)
            out += s
            if !emit(s) { return out }
        }
        let remaining = settings.prime.isEmpty ? settings.length - 1 : settings.length
        for _ in 0..<Swift.max(remaining, 0) {
            let logits = try runner.feed(current)
            let previous = current
            current = drawSymbol(logits, temperature: settings.temperature, topK: settings.topK, rng: &rng)
            let s = vocabulary.piece(current, after: previous)
            out += s
            if !emit(s) { break }
        }
        return out
    }
}
