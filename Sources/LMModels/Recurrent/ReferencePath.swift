import LMCore

/// The reference path: every layer's cell run step by step through its definition (`RecurrentCell.step`)
/// with LMCore's autodiff ops. It trains and evaluates cells that have no fused kernel, it is the yardstick
/// the fused kernels are tested against (forward values and every gradient), and every inspection is
/// derived from it. Inputs are time-major: `ids[t * batch + b]`.
extension RecurrentModel {
    public struct ReferenceResult {
        /// Mean cross-entropy over the window (nats/char); call `backward()` on it.
        public var loss: Tensor
        /// Hidden states per layer and time step, each [B, H] (retainsGrad set, for inspection).
        public var hidden: [[Tensor]]
        /// Cell states per layer and step for cells with a memory (retainsGrad set, for inspection).
        public var cells: [[Tensor]]
        /// The state after the last step (values only).
        public var finalState: RecurrentState
    }

    /// The one sequence driver: runs every layer's cell over the window from `state` and calls `observe`
    /// with (layer, step, the step's output) as it goes. Returns the top layer's outputs per step (through
    /// the dropout masks between layers) and the final state.
    public func unroll(
        ids: [Int], batch: Int, state: RecurrentState, dropoutMasks: DropoutMasks? = nil,
        observe: (Int, Int, CellOutput) throws -> Void = { _, _, _ in }
    ) throws -> (outputs: [Tensor], finalState: RecurrentState) {
        let steps = ids.count / batch, h = config.hidden
        guard steps > 0, ids.count == steps * batch else {
            throw ModelError("reference: \(ids.count) ids do not fill batch \(batch)")
        }
        guard ids.allSatisfy({ $0 >= 0 && $0 < config.vocabSize }) else {
            throw ModelError("reference: a symbol id is outside the vocabulary of \(config.vocabSize)")
        }
        var inputs: [Tensor] = try (0..<steps).map { t in
            let stepIds = Tensor(ids[(t * batch)..<((t + 1) * batch)].map(Float.init))
            return try encoder.map { try $0.gatherRows(stepIds) } ?? stepIds  // one-hot: ids, gathered by the cell
        }
        var final = state
        let def = cell.definition
        for l in 0..<config.layers {
            let w = cellWeights(layer: l)
            var s = CellState(h: try Tensor(shape: [batch, h], data: state.h[l]),
                              c: def.hasCell ? try Tensor(shape: [batch, config.memoryWidth], data: state.c[l]) : Tensor(0))
            var outputs: [Tensor] = []
            for t in 0..<steps {
                let out = try def.step(inputs[t], s, w)
                try observe(l, t, out)
                s = out.state
                outputs.append(out.h)
            }
            final.h[l] = s.h.data
            if def.hasCell { final.c[l] = s.c.data }
            // The next layer reads this layer's outputs, through dropout when training asks for it.
            inputs = try outputs.enumerated().map { t, ht in
                guard let mask = dropoutMasks?.mask(layer: l, step: t, batch: batch, hidden: h) else { return ht }
                return try ht.mul(Tensor(shape: [batch, h], data: mask))
            }
        }
        return (inputs, final)
    }

    /// `lastStepOnly` scores only the last time step (the lecture's cost_N), so that ∂cost_N/∂h_n can be
    /// read from `hidden[l][n].grad` after `backward()`.
    public func referenceForward(
        ids: [Int], targets: [Int], batch: Int, state: RecurrentState, dropoutMasks: DropoutMasks? = nil,
        lastStepOnly: Bool = false
    ) throws -> ReferenceResult {
        guard targets.count == ids.count else {
            throw ModelError("reference: \(ids.count) ids and \(targets.count) targets for batch \(batch)")
        }
        var hidden = [[Tensor]](repeating: [], count: config.layers), cells = hidden
        let hasCell = cell.hasCell
        let (top, final) = try unroll(ids: ids, batch: batch, state: state, dropoutMasks: dropoutMasks) { l, _, out in
            out.h.retainsGrad = true
            hidden[l].append(out.h)
            if hasCell, let c = out.c {
                c.retainsGrad = true
                cells[l].append(c)
            }
        }
        let scored = lastStepOnly ? Array(top.suffix(1)) : top
        let scoredTargets = lastStepOnly ? Array(targets.suffix(batch)) : targets
        let logits = try decode(Tensor.concat(scored, axis: 0))  // [T·B, V], time-major
        let loss = try logits.crossEntropy(targets: Tensor(scoredTargets.map(Float.init)))
        return ReferenceResult(loss: loss, hidden: hidden, cells: cells, finalState: final)
    }

    /// The decoder: top-layer outputs [N, H] to next-symbol logits [N, V].
    public func decode(_ top: Tensor) throws -> Tensor {
        try top.matmul(config.decoder == .pytorch ? decoderWeight.T : decoderWeight).add(decoderBias)
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

extension RecurrentModel {
    /// A window on the reference path, for cells without a fused kernel: the mean loss and the final state,
    /// and with `train` the gradients accumulated into the parameters' `grad`, as the fused path does.
    func referenceWindow(
        ids: [Int], targets: [Int], batch: Int, state: RecurrentState, dropoutMasks: DropoutMasks?, train: Bool,
        profiler: StepProfiler? = nil
    ) throws -> FusedWindow.Result {
        if train {
            let r = try StepProfiler.time(profiler, .graphForward) {
                try referenceForward(ids: ids, targets: targets, batch: batch, state: state, dropoutMasks: dropoutMasks)
            }
            try StepProfiler.time(profiler, .tapeBackward) { try r.loss.backward() }
            return FusedWindow.Result(loss: try r.loss.item(), finalState: r.finalState)
        }
        return try Tensor.withoutGrad {
            let r = try referenceForward(ids: ids, targets: targets, batch: batch, state: state)
            return FusedWindow.Result(loss: try r.loss.item(), finalState: r.finalState)
        }
    }
}
