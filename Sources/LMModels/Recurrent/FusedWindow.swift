import Dispatch
import LMCore

/// A whole model over one window, for training and evaluation: on the fused path when its
/// `ExecutionPlan` says so, else on the reference path (the cell's definition).
///
/// The batch's streams are independent within a window, so the window is cut by streams into one shard
/// per core; each shard runs forward and backward with single-threaded BLAS on its own buffers (no
/// synchronisation per time step), and the shards' weight gradients are summed at the end. On these
/// 2-core machines that beats a multi-threaded BLAS, whose threads would meet at every small per-step
/// product. Results depend on the shard count only through the order of float additions.
public final class FusedWindow {
    var shards: [WindowShard] = []
    /// Shards to run in parallel (at most; a small batch uses fewer). Defaults to the cores available.
    public var threads: Int
    /// Whether the recurrent products run on `PanelKernel` with W_hh packed once per window (when the
    /// CPU has AVX2 and FMA), rather than on BLAS calls that repack W_hh at every step.
    public var usePanelKernel = PackedMatrix.kernelAvailable
    var packs: [RecurrentPacks] = []

    public init(threads: Int = FusedWindow.defaultThreads) {
        self.threads = Swift.max(1, threads)
    }

    /// `$LMSH_THREADS` if set, else the number of active cores, at most 2 (the machines lmsh targets).
    public static var defaultThreads: Int {
        if let s = ProcessInfo.processInfo.environment["LMSH_THREADS"], let n = Int(s), n > 0 { return n }
        return Swift.min(2, ProcessInfo.processInfo.activeProcessorCount)
    }

    public struct Result {
        /// Mean cross-entropy over the window, nats per character.
        public var loss: Float
        public var finalState: RecurrentState
    }

    /// Forward (and, when `train` is set, backward with gradients accumulated into the parameters'
    /// `grad`) over a window of time-major `ids` and `targets` (`ids[t·batch + b]`). With `profiler`, the
    /// phases' times are added to it: this thread's, and with several shards the first shard's (wall time on
    /// its thread, while the others run beside it).
    public func run(
        _ model: RecurrentModel, ids: [Int], targets: [Int], batch: Int, state: RecurrentState,
        dropoutMasks: DropoutMasks? = nil, train: Bool, profiler: StepProfiler? = nil
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
        let plan = ExecutionPlan(c, batch: batch, train: train, threads: threads, panelKernel: usePanelKernel)
        if plan.path == .reference {
            return try model.referenceWindow(ids: ids, targets: targets, batch: batch, state: state,
                                             dropoutMasks: dropoutMasks, train: train, profiler: profiler)
        }
        let steps = ids.count / batch, h = c.hidden
        let count = plan.shards
        while shards.count < count { shards.append(WindowShard()) }
        let bounds = (0...count).map { $0 * batch / count }
        let scale = 1 / Float(ids.count)

        // Each shard's slice of the time-major ids, the state and the dropout masks.
        func slice<T>(_ a: [T], width: Int, _ k: Int) -> [T] {
            let b0 = bounds[k], b1 = bounds[k + 1]
            var out: [T] = []
            out.reserveCapacity(steps * (b1 - b0) * width)
            for t in 0..<steps { out.append(contentsOf: a[((t * batch + b0) * width)..<((t * batch + b1) * width)]) }
            return out
        }
        let work: [(ids: [Int], targets: [Int], h0: [[Float]], c0: [[Float]], masks: [[Float]]?)] = (0..<count).map { k in
            let b0 = bounds[k], b1 = bounds[k + 1]
            let stateSlice = { (s: [Float]) in Array(s[(b0 * h)..<(b1 * h)]) }
            return (slice(ids, width: 1, k), slice(targets, width: 1, k), state.h.map(stateSlice), state.c.map(stateSlice),
                    dropoutMasks.map { $0.masks.map { slice($0, width: h, k) } })
        }
        let packs = usePanelKernel ? StepProfiler.time(profiler, .pack) { pack(model, plan: plan) } : []
        let shards = self.shards
        if count == 1 {
            shards[0].run(model, ids: work[0].ids, targets: work[0].targets, batch: batch, h0: work[0].h0, c0: work[0].c0,
                          masks: work[0].masks, train: train, scale: scale, packed: packs, plan: plan, profiler: profiler)
        } else {
            // Safe to share: each shard writes only its own buffers, and the model's weights are only
            // read until every shard has finished. Only the first shard writes to the profiler.
            let shared = Unchecked((shards, model, work, packs, profiler))
            DispatchQueue.concurrentPerform(iterations: count) { k in
                let (shards, model, work, packs, profiler) = shared.value
                shards[k].run(model, ids: work[k].ids, targets: work[k].targets, batch: bounds[k + 1] - bounds[k],
                              h0: work[k].h0, c0: work[k].c0, masks: work[k].masks, train: train, scale: scale, packed: packs, plan: plan,
                              profiler: k == 0 ? profiler : nil)
            }
        }

        var final = RecurrentState(config: c, batch: batch)
        for l in 0..<c.layers {
            final.h[l] = shards[0..<count].flatMap { $0.finalH[l] }
            if c.cell.hasCell { final.c[l] = shards[0..<count].flatMap { $0.finalC[l] } }
        }
        let loss = shards[0..<count].reduce(0) { $0 + $1.lossSum } / Double(ids.count)
        if train {
            StepProfiler.time(profiler, .shardSum) { sumGradients(model.parameters.tensors, shards[0..<count]) }
        }
        return Result(loss: Float(loss), finalState: final)
    }
}

extension FusedWindow {
    /// Every layer's W_hh packed for this window: transposed for the forward product, and as it is for
    /// the backward one when training; W_ihᵀ too for layers the plan projects step by step. The buffers are
    /// kept; only their contents are rewritten.
    func pack(_ model: RecurrentModel, plan: ExecutionPlan) -> [RecurrentPacks] {
        let c = model.config, h = c.hidden, g = c.cell.gates * h, train = plan.train
        let sizes = (0..<c.layers).map { c.inputSize(layer: $0) }
        if packs.count != c.layers || packs.first?.forward.k != h || packs.first?.forward.n != g
            || zip(packs, sizes).contains(where: { $0.input != nil && $0.input?.k != $1 }) {
            packs = (0..<c.layers).map { _ in RecurrentPacks(forward: PackedMatrix(k: h, n: g), backward: nil, input: nil) }
        }
        for l in 0..<c.layers where train && packs[l].backward == nil { packs[l].backward = PackedMatrix(k: g, n: h) }
        // Training packs W_hh twice per layer: one core packs the transposes, the other the plain copies.
        let parts = train && threads > 1 ? 2 : 1
        let work = Unchecked((model, packs))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let (model, packs) = work.value
            for l in 0..<c.layers {
                model.weightHH(l).data.withUnsafeBufferPointer { w in
                    guard let w = w.baseAddress else { return }
                    if part == 0 { packs[l].forward.pack(transposeOf: w, ld: h) }
                    if train && part == parts - 1 { packs[l].backward?.pack(w, ld: h) }
                }
            }
        }
        for l in 0..<c.layers {
            // One-hot input is a row gather and needs no packed W_ih.
            let oneHot = l == 0 && c.embed == 0
            if l < plan.layers.count && plan.layers[l].stepByStep && !oneHot {
                if packs[l].input == nil { packs[l].input = PackedMatrix(k: sizes[l], n: g) }
                model.weightIH(l).data.withUnsafeBufferPointer { w in
                    guard let w = w.baseAddress else { return }
                    packs[l].input?.pack(transposeOf: w, ld: sizes[l])
                }
            } else {
                packs[l].input = nil
            }
        }
        return train ? packs : packs.map { RecurrentPacks(forward: $0.forward, backward: nil, input: $0.input) }
    }
}

/// One layer's weights packed for `PanelKernel`: `forward` holds W_hhᵀ [H × G·H] for h_{t−1}·W_hhᵀ,
/// `backward` W_hh [G·H × H] for ∂L/∂hp·W_hh, `input` W_ihᵀ [I × G·H] for x_t·W_ihᵀ step by step.
struct RecurrentPacks {
    var forward: PackedMatrix
    var backward: PackedMatrix?
    var input: PackedMatrix?
}

/// Hands values to worker threads whose use of them is known to be race-free (see the call site).
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension FusedWindow {
    /// Adds the shards' gradient buffers into each parameter's `grad` (made at zero first), in shard order,
    /// both cores taking half of the numbers for a big model.
    func sumGradients(_ tensors: [Tensor], _ shards: ArraySlice<WindowShard>) {
        // A buffer that does not match its parameter is skipped, as before (it cannot happen for a model's own).
        var grads: [any FloatArrayOwner] = [], sources: [[UnsafePointer<Float>]] = [], counts: [Int] = []
        for (k, t) in tensors.enumerated() where shards.allSatisfy({ $0.grads.count > k && $0.grads[k].count == t.count }) {
            if t.grad == nil { t.grad = try? Tensor.zeros(t.shape) }
            guard let g = t.grad, g.count == t.count else { continue }
            grads.append(g)
            sources.append(shards.map { UnsafePointer($0.grads[k].p) })
            counts.append(t.count)
        }
        ParameterSweep.withPointers(grads, total: counts.reduce(0, +)) { g, parts in
            let shared = Unchecked((g, sources))
            ParameterSweep.run(counts: counts, threads: Swift.min(parts, threads)) { _, spans in
                let (g, sources) = shared.value
                for span in spans {
                    let out = g[span.entry], from = sources[span.entry]
                    if from.count == 2 {
                        // One pass for the usual two shards, adding in the same order as two passes would.
                        let b0 = from[0], b1 = from[1]
                        for i in span.range { out[i] = (out[i] + b0[i]) + b1[i] }
                    } else {
                        for b in from {
                            for i in span.range { out[i] += b[i] }
                        }
                    }
                }
            }
        }
    }
}

import Foundation
