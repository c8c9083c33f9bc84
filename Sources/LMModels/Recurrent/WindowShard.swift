import LMCore
import RealModule

/// One slice of a window's batch on the fused path: embedding or one-hot input, every layer's forward,
/// the decoder with a fused softmax cross-entropy, and the backward pass into its own gradient buffers.
/// `FusedWindow` runs one shard per core and sums their gradients; buffers are kept between windows of
/// the same size, so a training step allocates nothing but its results.
final class WindowShard {
    var tapes: [LayerTape] = []
    var logits = FloatBuffer(0)
    var dTop = FloatBuffer(0), dBelow = FloatBuffer(0)
    /// Gradients of every parameter, in the model's parameter order.
    var grads: [FloatBuffer] = []
    var ids: [Int] = []
    var targets: [Int] = []
    var masks: [[Float]]?
    /// Sum (not mean) of the shard's cross-entropies, and its final state.
    var lossSum: Double = 0
    var finalH: [[Float]] = [], finalC: [[Float]] = []

    func prepare(_ model: RecurrentModel, steps: Int, batch: Int, train: Bool) {
        let c = model.config
        let fresh = tapes.count == c.layers && tapes.enumerated().allSatisfy { l, t in
            t.matches(cell: c.cell, steps: steps, batch: batch, hidden: c.hidden, inputSize: c.inputSize(layer: l), rolling: !train)
                && t.oneHot == (l == 0 && c.embed == 0)
        }
        if !fresh {
            tapes = (0..<c.layers).map { l in
                LayerTape(cell: c.cell, steps: steps, batch: batch, hidden: c.hidden,
                          inputSize: c.inputSize(layer: l), oneHot: l == 0 && c.embed == 0, rolling: !train)
            }
        }
        let tb = steps * batch
        logits = FloatBuffer.reuse(logits, tb * c.vocabSize)
        dTop = FloatBuffer.reuse(dTop, tb * c.hidden)
        dBelow = FloatBuffer.reuse(dBelow, tb * Swift.max(c.hidden, c.embed))
        if train {
            let counts = model.parameters.tensors.map(\.count)
            if grads.map(\.count) != counts { grads = counts.map { FloatBuffer($0) } }
            for g in grads { g.zero() }
        }
    }

    /// Forward, and backward when `train` is set, over time-major `ids`/`targets` of this shard's
    /// `batch` streams; ∂L/∂logits is scaled by `scale` (1 / characters in the whole window). With `profiler`,
    /// the phases' times are added to it.
    func run(_ model: RecurrentModel, ids: [Int], targets: [Int], batch: Int, h0: [[Float]], c0: [[Float]],
             masks: [[Float]]?, train: Bool, scale: Float, packed: [RecurrentPacks] = [], plan: ExecutionPlan? = nil,
             profiler: StepProfiler? = nil) {
        let c = model.config
        let steps = ids.count / batch, tb = ids.count, h = c.hidden, v = c.vocabSize
        prepare(model, steps: steps, batch: batch, train: train)
        self.ids = ids
        self.targets = targets
        self.masks = masks

        if let encoder = model.encoder {
            let e = c.embed
            encoder.data.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                for (r, id) in ids.enumerated() { (tapes[0].input.p + r * e).update(from: w + id * e, count: e) }
            }
        } else {
            tapes[0].ids = ids
        }
        finalH = []
        finalC = []
        for l in 0..<c.layers {
            let tape = tapes[l]
            tape.forward(wih: model.weightIH(l), whh: model.weightHH(l), bih: model.biasIH(l), bhh: model.biasHH(l),
                         h0: h0[l], c0: c.cell.hasCell ? c0[l] : [], packed: l < packed.count ? packed[l].forward : nil,
                         packedInput: l < packed.count ? packed[l].input : nil,
                         byStep: plan.map { l < $0.layers.count && $0.layers[l].stepByStep } ?? false, profiler: profiler)
            finalH.append(tape.finalH)
            if c.cell.hasCell { finalC.append(tape.finalC) }
            if l + 1 < c.layers {
                if let mask = masks?[l] {
                    let next = tapes[l + 1].input.p, out = tape.outputs
                    for i in 0..<(tb * h) { next[i] = out[i] * mask[i] }
                    tapes[l + 1].source = nil
                } else {
                    tapes[l + 1].source = tape.outputs
                }
            }
        }
        // Decoder and fused softmax cross-entropy; logits become ∂L/∂logits in place.
        let top = tapes[c.layers - 1].outputs
        var mark = profiler?.now()
        model.decoderWeight.data.withUnsafeBufferPointer { w in
            model.decoderBias.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                fillRows(logits.p, rows: tb, cols: v, with: b)
                BLAS.sgemm(transB: true, m: tb, n: v, k: h, a: top, lda: h, b: w, ldb: h, beta: 1, c: logits.p, ldc: v)
            }
        }
        mark = profiler?.lap(.decoderForward, since: mark)
        var loss: Double = 0
        for r in 0..<tb {
            let row = logits.p + r * v
            var m = -Float.infinity
            for j in 0..<v { m = Swift.max(m, row[j]) }
            for j in 0..<v { row[j] -= m }
            VectorMath.exp(row, count: v)
            var s: Float = 0
            for j in 0..<v { s += row[j] }
            let t = targets[r]
            loss -= Double(Float.log(row[t] / s))
            if train {
                let inv = scale / s
                for j in 0..<v { row[j] *= inv }
                row[t] -= scale
            }
        }
        lossSum = loss
        profiler?.lap(.softmaxLoss, since: mark)
        if train { backward(model, top: top, packed: packed, profiler: profiler) }
    }

    /// Backward from ∂L/∂logits (held in `logits`) into `grads`.
    func backward(_ model: RecurrentModel, top: UnsafeMutablePointer<Float>, packed: [RecurrentPacks], profiler: StepProfiler? = nil) {
        let c = model.config
        let batch = tapes[0].batch, tb = tapes[0].steps * batch, h = c.hidden, v = c.vocabSize
        let slot = ParameterSlots(c)
        let mark = profiler?.now()
        BLAS.sgemm(transA: true, m: v, n: h, k: tb, a: logits.p, lda: v, b: top, ldb: h, beta: 1,
                   c: grads[slot.decoderWeight].p, ldc: h)
        addColumnSums(logits.p, rows: tb, cols: v, into: grads[slot.decoderBias].p)
        model.decoderWeight.data.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            BLAS.sgemm(m: tb, n: h, k: v, a: logits.p, lda: v, b: w, ldb: h, c: dTop.p, ldc: h)
        }
        profiler?.lap(.decoderBackward, since: mark)
        // Layers, top to bottom. dTop holds ∂L/∂(outputs of layer l).
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let s = slot.layer(l)
            let needInput = l > 0 || model.encoder != nil
            tapes[l].backward(dOut: dTop.p, wih: model.weightIH(l), whh: model.weightHH(l),
                              grads: (wih: grads[s.wih], whh: grads[s.whh], bih: grads[s.bih], bhh: grads[s.bhh]),
                              dInput: needInput ? dBelow : nil, packed: l < packed.count ? packed[l].backward : nil, profiler: profiler)
            if l > 0 {
                // Through the dropout mask of the layer below's output.
                dTop.p.update(from: dBelow.p, count: tb * h)
                if let mask = masks?[l - 1] {
                    for i in 0..<(tb * h) { dTop.p[i] *= mask[i] }
                }
            } else if model.encoder != nil {
                let e = c.embed
                let gEnc = grads[slot.encoder].p
                for (r, id) in ids.enumerated() {
                    let src = dBelow.p + r * e, dst = gEnc + id * e
                    for j in 0..<e { dst[j] += src[j] }
                }
            }
        }
    }
}

/// Where each parameter sits in the model's parameter order (see `RecurrentModel.expectedShapes`).
struct ParameterSlots {
    let first: Int, layers: Int, perLayer: Int, tie: Bool
    init(_ c: ModelConfig) {
        tie = c.tie
        first = c.embed > 0 ? 1 : 0
        layers = c.layers
        perLayer = 4 + c.cell.definition.extraParameters.count
    }
    var encoder: Int { 0 }
    func layer(_ l: Int) -> (wih: Int, whh: Int, bih: Int, bhh: Int) {
        let b = first + perLayer * l
        return (b, b + 1, b + 2, b + 3)
    }
    /// Tied: the embedding's slot, which then sums the decoder's and the embedding's gradients.
    var decoderWeight: Int { tie ? encoder : first + perLayer * layers }
    var decoderBias: Int { first + perLayer * layers + (tie ? 0 : 1) }
}
