import LMCore
import RealModule

/// The fused path for a whole model over one window: embedding or one-hot input, every layer's
/// forward, the decoder with a fused softmax cross-entropy, and the backward pass into every
/// parameter's `grad`. Buffers are kept between windows of the same size, so a training step
/// allocates nothing but its results.
public final class FusedWindow {
    var tapes: [LayerTape] = []
    var logits = FloatBuffer(0)
    var dTop = FloatBuffer(0), dBelow = FloatBuffer(0)
    var ids: [Int] = []
    var targets: [Int] = []
    var lastMasks: DropoutMasks?

    public init() {}

    public struct Result {
        /// Mean cross-entropy over the window, nats per character.
        public var loss: Float
        public var finalState: RecurrentState
    }

    func prepare(_ model: RecurrentModel, steps: Int, batch: Int) {
        let c = model.config
        let fresh = tapes.count == c.layers && tapes.enumerated().allSatisfy { l, t in
            t.matches(cell: c.cell, steps: steps, batch: batch, hidden: c.hidden, inputSize: c.inputSize(layer: l))
                && t.oneHot == (l == 0 && c.embed == 0)
        }
        if !fresh {
            tapes = (0..<c.layers).map { l in
                LayerTape(cell: c.cell, steps: steps, batch: batch, hidden: c.hidden,
                          inputSize: c.inputSize(layer: l), oneHot: l == 0 && c.embed == 0)
            }
        }
        let tb = steps * batch
        logits = FloatBuffer.reuse(logits, tb * c.vocabSize)
        dTop = FloatBuffer.reuse(dTop, tb * c.hidden)
        dBelow = FloatBuffer.reuse(dBelow, tb * Swift.max(c.hidden, c.embed))
    }

    /// Forward (and, when `train` is set, backward with gradients accumulated into the parameters'
    /// `grad`) over a window of time-major `ids` and `targets` (`ids[t·batch + b]`).
    public func run(
        _ model: RecurrentModel, ids: [Int], targets: [Int], batch: Int, state: RecurrentState,
        dropoutMasks: DropoutMasks? = nil, train: Bool
    ) throws -> Result {
        let c = model.config
        guard batch > 0, ids.count % batch == 0, ids.count > 0, targets.count == ids.count else {
            throw ModelError("window: \(ids.count) ids and \(targets.count) targets do not fill batch \(batch)")
        }
        guard state.batch == batch, state.h.count == c.layers else {
            throw ModelError("window: the state is for batch \(state.batch), the window has batch \(batch)")
        }
        for id in ids + targets where id < 0 || id >= c.vocabSize {
            throw ModelError("window: symbol id \(id) is outside the vocabulary of \(c.vocabSize)")
        }
        let steps = ids.count / batch, tb = ids.count, h = c.hidden, v = c.vocabSize
        prepare(model, steps: steps, batch: batch)
        self.ids = ids
        self.targets = targets
        lastMasks = dropoutMasks

        // Input of layer 0.
        if let encoder = model.encoder {
            let e = c.embed
            encoder.data.withUnsafeBufferPointer { w in
                guard let w = w.baseAddress else { return }
                for (r, id) in ids.enumerated() { (tapes[0].input.p + r * e).update(from: w + id * e, count: e) }
            }
        } else {
            tapes[0].ids = ids
        }
        // Layers, with dropout between them.
        var final = RecurrentState(config: c, batch: batch)
        for l in 0..<c.layers {
            let tape = tapes[l]
            tape.forward(wih: model.weightIH(l), whh: model.weightHH(l), bih: model.biasIH(l), bhh: model.biasHH(l),
                         h0: state.h[l], c0: c.cell.hasCell ? state.c[l] : [])
            final.h[l] = tape.finalH
            if c.cell.hasCell { final.c[l] = tape.finalC }
            if l + 1 < c.layers {
                let next = tapes[l + 1].input.p
                next.update(from: tape.outputs, count: tb * h)
                if let mask = dropoutMasks?.masks[l] {
                    for i in 0..<(tb * h) { next[i] *= mask[i] }
                }
            }
        }
        // Decoder and fused softmax cross-entropy; logits become ∂L/∂logits in place.
        let top = tapes[c.layers - 1].outputs
        let scale = 1 / Float(tb)
        var loss: Double = 0
        model.decoderWeight.data.withUnsafeBufferPointer { w in
            model.decoderBias.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                fillRows(logits.p, rows: tb, cols: v, with: b)
                BLAS.sgemm(transB: true, m: tb, n: v, k: h, a: top, lda: h, b: w, ldb: h, beta: 1, c: logits.p, ldc: v)
            }
        }
        for r in 0..<tb {
            let row = logits.p + r * v
            var m = -Float.infinity
            for j in 0..<v { m = Swift.max(m, row[j]) }
            var s: Float = 0
            for j in 0..<v {
                let e = Float.exp(row[j] - m)
                row[j] = e
                s += e
            }
            let t = targets[r]
            loss -= Double(Float.log(row[t] / s))
            if train {
                let inv = scale / s
                for j in 0..<v { row[j] *= inv }
                row[t] -= scale
            }
        }
        let result = Result(loss: Float(loss / Double(tb)), finalState: final)
        guard train else { return result }
        try backward(model, top: top)
        return result
    }

    /// Backward from ∂L/∂logits (held in `logits`) to every parameter.
    func backward(_ model: RecurrentModel, top: UnsafeMutablePointer<Float>) throws {
        let c = model.config
        let tapeSteps = tapes[0].steps, batch = tapes[0].batch
        let tb = tapeSteps * batch, h = c.hidden, v = c.vocabSize
        // Decoder.
        let gDecW = FloatBuffer(v * h), gDecB = FloatBuffer(v)
        BLAS.sgemm(transA: true, m: v, n: h, k: tb, a: logits.p, lda: v, b: top, ldb: h, c: gDecW.p, ldc: h)
        addColumnSums(logits.p, rows: tb, cols: v, into: gDecB.p)
        model.decoderWeight.data.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            BLAS.sgemm(m: tb, n: h, k: v, a: logits.p, lda: v, b: w, ldb: h, c: dTop.p, ldc: h)
        }
        model.decoderWeight.addToGrad(gDecW)
        model.decoderBias.addToGrad(gDecB)

        // Layers, top to bottom. dTop holds ∂L/∂(outputs of layer l).
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let tape = tapes[l]
            let inSize = c.inputSize(layer: l), g = c.cell.gates * h
            let grads = (wih: FloatBuffer(g * inSize), whh: FloatBuffer(g * h), bih: FloatBuffer(g), bhh: FloatBuffer(g))
            let needInput = l > 0 || model.encoder != nil
            tape.backward(dOut: dTop.p, wih: model.weightIH(l), whh: model.weightHH(l), grads: grads,
                          dInput: needInput ? dBelow : nil)
            model.weightIH(l).addToGrad(grads.wih)
            model.weightHH(l).addToGrad(grads.whh)
            model.biasIH(l).addToGrad(grads.bih)
            model.biasHH(l).addToGrad(grads.bhh)
            if l > 0 {
                // Through the dropout mask of the layer below's output.
                dTop.p.update(from: dBelow.p, count: tb * h)
                if let mask = lastMasks?.masks[l - 1] {
                    for i in 0..<(tb * h) { dTop.p[i] *= mask[i] }
                }
            } else if let encoder = model.encoder {
                let e = c.embed
                let gEnc = FloatBuffer(encoder.count)
                for (r, id) in ids.enumerated() {
                    let src = dBelow.p + r * e, dst = gEnc.p + id * e
                    for j in 0..<e { dst[j] += src[j] }
                }
                encoder.addToGrad(gEnc)
            }
        }
    }

}

extension Tensor {
    /// Adds a fused kernel's gradient buffer into `grad` (creating it at zero first).
    func addToGrad(_ b: FloatBuffer) {
        if grad == nil { grad = try? Tensor.zeros(shape) }
        guard let grad, grad.count == b.count else { return }
        grad.data.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] += b.p[i] }
        }
    }
}
