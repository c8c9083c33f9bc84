import LMCore

/// The reference path: the lecture's equations line by line with LMCore's autodiff ops.
///
/// It is readable rather than fast, and it is the yardstick the fused kernels are tested against
/// (forward values and every gradient). Inputs are time-major: `ids[t * batch + b]`.
extension RecurrentModel {
    public struct ReferenceResult {
        /// Mean cross-entropy over the window (nats/char); call `backward()` on it.
        public var loss: Tensor
        /// Hidden states per layer and time step, each [B, H] (retainsGrad set, for inspection).
        public var hidden: [[Tensor]]
        /// Cell states per layer and step for LSTMs (retainsGrad set, for inspection).
        public var cells: [[Tensor]]
        /// The state after the last step (values only).
        public var finalState: RecurrentState
    }

    /// `lastStepOnly` scores only the last time step (the lecture's cost_N), so that ∂cost_N/∂h_n can be
    /// read from `hidden[l][n].grad` after `backward()`.
    public func referenceForward(
        ids: [Int], targets: [Int], batch: Int, state: RecurrentState, dropoutMasks: DropoutMasks? = nil,
        lastStepOnly: Bool = false
    ) throws -> ReferenceResult {
        let steps = ids.count / batch
        let h = config.hidden
        guard ids.count == steps * batch, targets.count == ids.count else {
            throw ModelError("reference: \(ids.count) ids and \(targets.count) targets for batch \(batch)")
        }
        var layerInputs: [Tensor] = []  // per step, the input to the current layer
        for t in 0..<steps {
            let stepIds = Tensor(ids[(t * batch)..<((t + 1) * batch)].map(Float.init))
            if let encoder {
                layerInputs.append(try encoder.gatherRows(stepIds))
            } else {
                layerInputs.append(stepIds)  // one-hot: the projection is a gather of W_ih's columns
            }
        }
        var hidden: [[Tensor]] = [], cells: [[Tensor]] = []
        var final = state
        for l in 0..<config.layers {
            let wih = weightIH(l), whh = weightHH(l), bih = biasIH(l), bhh = biasHH(l)
            var hPrev = try Tensor(shape: [batch, h], data: state.h[l])
            var cPrev = cell.hasCell ? try Tensor(shape: [batch, h], data: state.c[l]) : Tensor(0)
            var hs: [Tensor] = [], cs: [Tensor] = []
            for t in 0..<steps {
                let x = layerInputs[t]
                // x W_ihᵀ: for one-hot input, row `id` of W_ihᵀ.
                let xp = try (l == 0 && encoder == nil ? wih.T.gatherRows(x) : x.matmul(wih.T)).add(bih)
                let hp = try hPrev.matmul(whh.T).add(bhh)
                func block(_ p: Tensor, _ k: Int) throws -> Tensor { try p.slice([.all, .range(k * h, (k + 1) * h)]) }
                let hNew: Tensor
                switch cell {
                case .rnn:
                    hNew = try xp.add(hp).tanh()
                case .lstm:
                    let z = try xp.add(hp)
                    let i = try block(z, 0).sigmoid(), f = try block(z, 1).sigmoid()
                    let g = try block(z, 2).tanh(), o = try block(z, 3).sigmoid()
                    let c = try f.mul(cPrev).add(i.mul(g))
                    hNew = try o.mul(c.tanh())
                    cPrev = c
                case .coupledLSTM:
                    let z = try xp.add(hp)
                    let f = try block(z, 0).sigmoid(), o = try block(z, 1).sigmoid(), g = try block(z, 2).tanh()
                    let c = try cPrev.mul(f).add(g.mul(f.neg().shifted(by: 1)))
                    hNew = try c.tanh().mul(o)
                    cPrev = c
                case .gru:
                    let r = try block(xp, 0).add(block(hp, 0)).sigmoid()
                    let z = try block(xp, 1).add(block(hp, 1)).sigmoid()
                    let n = try block(xp, 2).add(r.mul(block(hp, 2))).tanh()
                    hNew = try z.neg().shifted(by: 1).mul(n).add(z.mul(hPrev))
                }
                hNew.retainsGrad = true
                if cell.hasCell { cPrev.retainsGrad = true }
                hs.append(hNew)
                if cell.hasCell { cs.append(cPrev) }
                hPrev = hNew
            }
            final.h[l] = hPrev.data
            if cell.hasCell { final.c[l] = cPrev.data }
            hidden.append(hs)
            cells.append(cs)
            // The next layer reads this layer's outputs, through dropout when training asks for it.
            layerInputs = try hs.enumerated().map { t, ht in
                guard let mask = dropoutMasks?.mask(layer: l, step: t, batch: batch, hidden: h) else { return ht }
                return try ht.mul(Tensor(shape: [batch, h], data: mask))
            }
        }
        let scored = lastStepOnly ? [layerInputs[steps - 1]] : layerInputs
        let scoredTargets = lastStepOnly ? Array(targets.suffix(batch)) : targets
        let top = try Tensor.concat(scored, axis: 0)  // [T·B, H], time-major
        let logits = try top.matmul(decoderWeight.T).add(decoderBias)
        let loss = try logits.crossEntropy(targets: Tensor(scoredTargets.map(Float.init)))
        return ReferenceResult(loss: loss, hidden: hidden, cells: cells, finalState: final)
    }
}

/// Dropout masks for a window: for each layer but the last, [T, B, H] values that are 0 or 1/(1−p).
/// Both paths take the same masks, so they can be compared with dropout on.
public struct DropoutMasks {
    public var masks: [[Float]]

    public init(config: ModelConfig, steps: Int, batch: Int, rng: inout RandomSource) {
        let n = steps * batch * config.hidden
        let p = config.dropout
        let keep = 1 / (1 - p)
        masks = (0..<Swift.max(config.layers - 1, 0)).map { _ in
            (0..<n).map { _ in rng.nextFloat() < p ? 0 : keep }
        }
    }

    func mask(layer: Int, step: Int, batch: Int, hidden: Int) -> [Float]? {
        guard layer < masks.count else { return nil }
        let n = batch * hidden
        return Array(masks[layer][(step * n)..<((step + 1) * n)])
    }
}
