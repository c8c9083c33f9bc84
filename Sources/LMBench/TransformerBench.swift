import Foundation
import LMCore
import LMModels

/// Transformer training throughput: steps of `TransformerTrainer` (what `train t text` runs: Adam, clipping by
/// global norm 1, windows of `seq` symbols), timed as `TrainBench` times the recurrent models.
enum TransformerBench {
    static func train(_ o: BenchOptions, data: BenchData) throws -> BenchReport {
        let splits = try data.splits(batch: o.batch, seq: o.seq)
        var rng = RandomSource(seed: o.seed)
        let config = TransformerModel.Config(vocabSize: data.corpus.vocabulary.count, layers: o.layers, heads: o.heads, dim: o.dim, context: o.seq)
        let m = try TransformerModel(config, rng: &rng)
        let trainer = try TransformerTrainer(model: m, part: splits.train, batch: o.batch, seq: o.seq, optimizer: .adam, lr: o.lr,
                                             clip: 1, clipMode: .norm)
        var times: [Double] = [], first: Float = 0, last: Float = 0
        for step in 0..<(o.warmup + o.steps) {
            let t0 = now()
            let r = try trainer.step()
            let dt = now() - t0
            if step == 0 { first = r.loss }
            last = r.loss
            if step >= o.warmup { times.append(dt) }
        }
        let B = trainer.batcher.batch, T = trainer.batcher.seq
        // nanoGPT's estimate (its estimate_mfu): 6·N per token for the weights' products (N without the position
        // table; the tied head counted once) and 12·L·C·T for attention's q·kᵀ and att·v, forward and backward.
        let n = Double(m.parameters.scalarCount - o.seq * o.dim)
        let flops = (6 * n + 12 * Double(o.layers * o.dim * T)) * Double(B * T)
        var r = BenchReport()
        r.add("engine", "lmsh")
        r.add("mode", "train")
        r.add("model", "transformer")
        r.add("hidden", o.dim)
        r.add("layers", o.layers)
        r.add("heads", o.heads)
        r.add("seq", T)
        r.add("batch", B)
        r.add("V", config.vocabSize)
        r.add("unit", o.words > 0 ? "word" : "char")
        r.add("params", m.parameters.scalarCount)
        r.add("threads", 1)
        r.add("data", data.source)
        TrainBench.finish(&r, times: times, chars: B * T, flops: flops)
        r.add("first_loss", first)
        r.add("final_loss", last)
        return r
    }
}
