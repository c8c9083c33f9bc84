import LMCore

/// One recurrent layer over one window on the fused path: its tape (everything the backward pass
/// needs, time-major) and the forward and backward passes through time.
///
/// Forward: the input projection of the whole window in one GEMM (a row gather for one-hot input),
/// then per step one GEMM for h_prev·W_hhᵀ and the cell's gate loop. Backward through time: per step
/// the cell's backward loop and one GEMM for ∂L/∂h_prev; then dW_hh and dW_ih with one GEMM each over
/// the window, and ∂L/∂input with one more.
final class LayerTape {
    let cell: CellKind
    /// The cell's fused kernel (a tape is made only for cells that have one; the plan sends others to the
    /// reference path).
    let kernel: FusedKernel
    let steps: Int, batch: Int, hidden: Int, inputSize: Int
    var gh: Int { cell.gates * hidden }
    /// The layer's input [T·B, I] (after dropout); unused for one-hot input, where `ids` is used.
    let input: FloatBuffer
    /// Where the input is read from: `input`, or (without dropout) the layer below's outputs in place,
    /// which stay untouched until this layer's backward pass has read them.
    var source: UnsafeMutablePointer<Float>?
    var inputRows: UnsafeMutablePointer<Float> { source ?? input.p }
    var ids: [Int] = []
    /// x·W_ihᵀ + b_ih for the whole window [T·B, G·H], made only when the input projection is one GEMM
    /// over the window (empty until then: made at the step, it goes straight into `acts`).
    var xp = FloatBuffer(0)
    /// h_prev·W_hhᵀ + b_hh, [B, G·H] per slot: one slot per step only for a cell whose backward pass reads
    /// it (the GRU); the others need it only within the step, so two slots used in turn suffice (for a
    /// 3×512 LSTM's training window this saves 13 MB per layer and shard, and the same again for `xp`).
    let hp: FloatBuffer
    let hpRolling: Bool
    let acts: FloatBuffer  // [T·B, G·H]
    let hs: FloatBuffer, cs: FloatBuffer  // [(T+1)·B, H]; slot 0 is the initial state
    let aux: FloatBuffer  // [T·B, H]
    // Backward scratch.
    let dxp: FloatBuffer, dhp: FloatBuffer
    let dh: FloatBuffer, dhRec: FloatBuffer, dc: FloatBuffer  // [B, H]
    /// One-hot input only: W_ih transposed to [V, G·H] (forward), then ∂L/∂W_ih transposed (backward).
    var transposed = FloatBuffer(0)

    /// Forward only: the per-step buffers (hp, acts, c, aux) are two slots used in turn rather than one
    /// per step, since nothing reads them back; they stay in L1 instead of streaming the window through
    /// memory. The outputs h and the whole-window input projection keep one slot per step.
    let rolling: Bool

    init(cell: CellKind, steps: Int, batch: Int, hidden: Int, inputSize: Int, oneHot: Bool, rolling: Bool = false) {
        self.cell = cell
        self.kernel = cell.kernel ?? FusedKernel(forward: { _ in }, backward: { _, _ in })
        self.steps = steps
        self.batch = batch
        self.hidden = hidden
        self.inputSize = inputSize
        self.rolling = rolling
        let tb = steps * batch, g = cell.gates * hidden
        let slots = rolling ? Swift.min(2, steps) : steps
        input = FloatBuffer(oneHot ? 0 : tb * inputSize)
        hpRolling = rolling || !kernel.separateProjections
        hp = FloatBuffer((hpRolling ? Swift.min(2, steps) : steps) * batch * g)
        acts = FloatBuffer(slots * batch * g)
        hs = FloatBuffer((steps + 1) * batch * hidden)
        cs = FloatBuffer(cell.hasCell ? (rolling ? 2 : steps + 1) * batch * hidden : 0)
        aux = FloatBuffer(cell.hasCell ? slots * batch * hidden : 0)
        // ∂z over the gate values when the kernel allows it (see `FusedKernel.backwardInPlace`).
        dxp = rolling ? FloatBuffer(0) : kernel.backwardInPlace ? acts : FloatBuffer(tb * g)
        dhp = kernel.separateProjections && !rolling ? FloatBuffer(tb * g) : dxp
        dh = FloatBuffer(batch * hidden)
        dhRec = FloatBuffer(batch * hidden)
        dc = FloatBuffer(batch * hidden)
    }

    func matches(cell: CellKind, steps: Int, batch: Int, hidden: Int, inputSize: Int, rolling: Bool) -> Bool {
        self.cell == cell && self.steps == steps && self.batch == batch && self.hidden == hidden && self.inputSize == inputSize
            && self.rolling == rolling
    }

    var oneHot: Bool { input.count == 0 }

    func step(_ t: Int) -> StepBuffers {
        let bh = batch * hidden, bg = batch * gh
        let slot = rolling ? t % 2 : t, cSlot = rolling ? t % 2 : t, cNext = rolling ? (t + 1) % 2 : t + 1
        let hpSlot = hpRolling ? t % 2 : t
        return StepBuffers(
            batch: batch, hidden: hidden,
            // Without a window projection (made at the step, `summed`), xp is never read: point it at acts.
            xp: xp.count > 0 ? xp.p + t * bg : acts.p + slot * bg, hp: hp.p + hpSlot * bg, acts: acts.p + slot * bg,
            hPrev: hs.p + t * bh, h: hs.p + (t + 1) * bh,
            cPrev: cs.p + cSlot * bh, c: cs.p + cNext * bh,
            aux: aux.p + slot * bh)
    }

    /// The layer's outputs h_1…h_T as one [T·B, H] block.
    var outputs: UnsafeMutablePointer<Float> { hs.p + batch * hidden }

    /// Runs the layer forward over the window from state (h0, c0). With `packed` (W_hhᵀ packed for
    /// `PanelKernel`), the per-step recurrent product runs on it instead of a BLAS call that would
    /// repack W_hh at every step; with `byStep` (the plan's choice), both projections are made at the step.
    /// With `profiler`, each phase's time is added to it (`StepProfiler`).
    func forward(wih: Tensor, whh: Tensor, bih: Tensor, bhh: Tensor, h0: [Float], c0: [Float], packed: PackedMatrix? = nil,
                 packedInput: PackedMatrix? = nil, byStep: Bool = false, profiler: StepProfiler? = nil) {
        let tb = steps * batch, g = gh, bh = batch * hidden
        hs.p.update(from: h0, count: bh)
        if cell.hasCell { cs.p.update(from: c0, count: bh) }
        if byStep, let packed {
            return forwardByStep(wih: wih, bih: bih, bhh: bhh, packed: packed, packedInput: packedInput, profiler: profiler)
        }
        var mark = profiler?.now()
        xp = FloatBuffer.reuse(xp, tb * g)
        wih.data.withUnsafeBufferPointer { w in
            bih.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                if oneHot {
                    // x·W_ihᵀ for a one-hot x is column `id` of W_ih: gather it (a row of the transpose), plus the bias.
                    let wT = transposeInputWeights(w)
                    for (r, id) in ids.enumerated() {
                        let row = xp.p + r * g, src = wT + id * g
                        for k in 0..<g { row[k] = src[k] + b[k] }
                    }
                } else {
                    fillRows(xp.p, rows: tb, cols: g, with: b)
                    BLAS.sgemm(transB: true, m: tb, n: g, k: inputSize, a: inputRows, lda: inputSize,
                               b: w, ldb: inputSize, beta: 1, c: xp.p, ldc: g)
                }
            }
        }
        mark = profiler?.lap(.inputProjection, since: mark)
        whh.data.withUnsafeBufferPointer { w in
            bhh.data.withUnsafeBufferPointer { b in
                guard let w = w.baseAddress, let b = b.baseAddress else { return }
                for t in 0..<steps {
                    let s = step(t)
                    fillRows(s.hp, rows: batch, cols: g, with: b)
                    if let packed {
                        packed.multiplyAdd(m: batch, a: s.hPrev, lda: hidden, c: s.hp, ldc: g)
                    } else {
                        BLAS.sgemm(transB: true, m: batch, n: g, k: hidden, a: s.hPrev, lda: hidden,
                                   b: w, ldb: hidden, beta: 1, c: s.hp, ldc: g)
                    }
                    mark = profiler?.lap(.recurrentForward, since: mark)
                    runCell(s)
                    mark = profiler?.lap(.gatesForward, since: mark)
                }
            }
        }
    }

    /// The forward pass with both projections made step by step on the panel kernel, straight into the
    /// step's `acts`: z_t = b_ih + b_hh + x_t·W_ihᵀ + h_{t−1}·W_hhᵀ (a row gather for one-hot x). A window's
    /// input projection made up front in one GEMM is larger than the caches, so each step would read its
    /// slice back from memory (half the time of the gate step in config (a)); made at the step, the
    /// numbers are in L1 when the cell reads them. Not for kernels that need the projections apart (GRU).
    func forwardByStep(wih: Tensor, bih: Tensor, bhh: Tensor, packed: PackedMatrix, packedInput: PackedMatrix?,
                       profiler: StepProfiler? = nil) {
        let g = gh
        var mark = profiler?.now()
        var bias = bih.data
        for k in 0..<Swift.min(bias.count, bhh.count) { bias[k] += bhh.data[k] }
        if oneHot {
            // x·W_ihᵀ for a one-hot x is column `id` of W_ih, a row of the transpose.
            wih.data.withUnsafeBufferPointer { w in
                if let w = w.baseAddress { _ = transposeInputWeights(w) }
            }
        }
        bias.withUnsafeBufferPointer { b in
            guard let b = b.baseAddress else { return }
            for t in 0..<steps {
                var s = step(t)
                s.summed = true
                if oneHot {
                    let wT = transposed.p
                    for r in 0..<batch {
                        let row = s.acts + r * g, src = wT + ids[t * batch + r] * g
                        for k in 0..<g { row[k] = b[k] + src[k] }
                    }
                } else {
                    fillRows(s.acts, rows: batch, cols: g, with: b)
                    packedInput?.multiplyAdd(m: batch, a: inputRows + t * batch * inputSize, lda: inputSize, c: s.acts, ldc: g)
                }
                mark = profiler?.lap(.inputProjection, since: mark)
                packed.multiplyAdd(m: batch, a: s.hPrev, lda: hidden, c: s.acts, ldc: g)
                mark = profiler?.lap(.recurrentForward, since: mark)
                runCell(s)
                mark = profiler?.lap(.gatesForward, since: mark)
            }
        }
    }

    /// One-hot input: W_ih [G·H, V] transposed into `transposed` [V, G·H] once per window, so that the
    /// column for a symbol, strided in W_ih, is a contiguous row to gather.
    func transposeInputWeights(_ w: UnsafePointer<Float>) -> UnsafeMutablePointer<Float> {
        let v = inputSize, g = gh
        transposed = FloatBuffer.reuse(transposed, v * g)
        let wT = transposed.p
        for k in 0..<g {
            for j in 0..<v { wT[j * g + k] = w[k * v + j] }
        }
        return wT
    }

    /// The cell's forward kernel on one step.
    func runCell(_ s: StepBuffers) { kernel.forward(s) }

    /// Back-propagates ∂L/∂outputs ([T·B, H]) through time. Adds the weight gradients into
    /// `grads` (W_ih, W_hh, b_ih, b_hh as flat buffers) and, when `dInput` is given, writes ∂L/∂input.
    /// With `packed` (W_hh packed for `PanelKernel`), ∂L/∂h_{t−1} runs on it instead of BLAS.
    func backward(
        dOut: UnsafePointer<Float>, wih: Tensor, whh: Tensor,
        grads: (wih: FloatBuffer, whh: FloatBuffer, bih: FloatBuffer, bhh: FloatBuffer),
        dInput: FloatBuffer?, packed: PackedMatrix? = nil, profiler: StepProfiler? = nil
    ) {
        let tb = steps * batch, g = gh, bh = batch * hidden
        var mark = profiler?.now()
        dhRec.zero()
        dc.zero()
        whh.data.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }
            for t in stride(from: steps - 1, through: 0, by: -1) {
                // ∂L/∂h_t = from above (decoder or next layer) + from step t+1.
                let above = dOut + t * bh
                for i in 0..<bh { dh.p[i] = above[i] + dhRec.p[i] }
                let s = step(t)
                let d = StepGradients(dh: dh.p, dc: dc.p, dxp: dxp.p + t * batch * g, dhp: dhp.p + t * batch * g, dhPrev: dhRec.p)
                kernel.backward(s, d)
                mark = profiler?.lap(.gatesBackward, since: mark)
                // ∂L/∂h_{t−1} += ∂L/∂hp_t · W_hh
                if let packed {
                    packed.multiplyAdd(m: batch, a: d.dhp, lda: g, c: dhRec.p, ldc: hidden)
                } else {
                    BLAS.sgemm(m: batch, n: hidden, k: g, a: d.dhp, lda: g, b: w, ldb: hidden, beta: 1, c: dhRec.p, ldc: hidden)
                }
                mark = profiler?.lap(.recurrentBackward, since: mark)
            }
        }
        defer { profiler?.lap(.weightGradients, since: mark) }
        // Weight gradients over the whole window, one GEMM each.
        BLAS.sgemm(transA: true, m: g, n: hidden, k: tb, a: dhp.p, lda: g, b: hs.p, ldb: hidden,
                   beta: 1, c: grads.whh.p, ldc: hidden)
        addColumnSums(dhp.p, rows: tb, cols: g, into: grads.bhh.p)
        if dxp === dhp, grads.bih.count == g, grads.bhh.count == g {
            // One ∂z for both projections (every cell but the GRU): its column sums are the same for both biases, and
            // both gradient buffers start the window at zero, so b_ih's sum is b_hh's, bit for bit.
            grads.bih.p.update(from: grads.bhh.p, count: g)
        } else {
            addColumnSums(dxp.p, rows: tb, cols: g, into: grads.bih.p)
        }
        if oneHot {
            // Rows of ∂L/∂xp summed per symbol into [V, G·H] (contiguous), then added transposed.
            let v = inputSize
            transposed = FloatBuffer.reuse(transposed, v * g)
            transposed.zero()
            let gT = transposed.p
            for (r, id) in ids.enumerated() {
                let row = dxp.p + r * g, dst = gT + id * g
                for k in 0..<g { dst[k] += row[k] }
            }
            for k in 0..<g {
                let out = grads.wih.p + k * v
                for j in 0..<v { out[j] += gT[j * g + k] }
            }
        } else {
            BLAS.sgemm(transA: true, m: g, n: inputSize, k: tb, a: dxp.p, lda: g, b: inputRows, ldb: inputSize,
                       beta: 1, c: grads.wih.p, ldc: inputSize)
            if let dInput {
                wih.data.withUnsafeBufferPointer { w in
                    guard let w = w.baseAddress else { return }
                    BLAS.sgemm(m: tb, n: inputSize, k: g, a: dxp.p, lda: g, b: w, ldb: inputSize,
                               c: dInput.p, ldc: inputSize)
                }
            }
        }
    }

    /// The state after the last step.
    var finalH: [Float] { hs.array(offset: steps * batch * hidden, count: batch * hidden) }
    var finalC: [Float] {
        cell.hasCell ? cs.array(offset: (rolling ? steps % 2 : steps) * batch * hidden, count: batch * hidden) : []
    }
}
