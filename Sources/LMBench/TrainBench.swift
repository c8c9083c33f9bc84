import Foundation
import LMCore
import LMModels

/// Training and forward-only throughput, timed per step as the reference script does: warm-up steps
/// excluded, the median of the timed steps reported.
enum TrainBench {
    static func model(_ o: BenchOptions, vocab: Int) throws -> RecurrentModel {
        var rng = RandomSource(seed: o.seed)
        var c = ModelConfig(cell: o.model, vocabSize: vocab, hidden: o.hidden, layers: o.layers, embed: o.embed)
        c.tie = o.tie
        return try RecurrentModel(c, rng: &rng)
    }

    /// Training steps through `Trainer` (what `train` in the shell runs): Adam, clipping by global norm,
    /// char-rnn's streams with the state carried, one-hot input.
    static func train(_ o: BenchOptions, data: BenchData) throws -> BenchReport {
        let splits = try data.splits(batch: o.batch, seq: o.seq)
        let m = try model(o, vocab: data.corpus.vocabulary.count)
        var settings = TrainSettings()
        settings.batch = o.batch
        settings.seq = o.seq
        settings.optimizer = .adam
        settings.lr = o.lr
        settings.clip = o.clip
        settings.clipMode = .norm
        settings.seed = o.seed
        let trainer = try Trainer(model: m, splits: splits, settings: settings)
        var times: [Double] = [], first: Float = 0, last: Float = 0
        for step in 0..<(o.warmup + o.steps) {
            let t0 = now()
            let r = try trainer.step()
            let dt = now() - t0
            if step == 0 { first = r.loss }
            last = r.loss
            if step >= o.warmup { times.append(dt) }
        }
        let flops = FlopCount.training(cell: o.model, vocab: m.config.vocabSize, hidden: o.hidden, layers: o.layers,
                                       batch: trainer.batcher.batch, seq: trainer.batcher.seq, embed: o.embed)
        var report = header(o, mode: "train", data: data, model: m, threads: trainer.threads)
        finish(&report, times: times, chars: trainer.batcher.batch * trainer.batcher.seq, flops: flops)
        report.add("first_loss", first)
        report.add("final_loss", last)
        return report
    }

    /// The forward pass and the loss, no gradients, over consecutive training windows with the state carried.
    static func eval(_ o: BenchOptions, data: BenchData) throws -> BenchReport {
        let splits = try data.splits(batch: o.batch, seq: o.seq)
        let m = try model(o, vocab: data.corpus.vocabulary.count)
        var batcher = try Batcher(splits.train, batch: o.batch, seq: o.seq)
        let window = FusedWindow(threads: o.threads ?? FusedWindow.defaultThreads)
        var state = RecurrentState(config: m.config, batch: batcher.batch)
        var times: [Double] = []
        for step in 0..<(o.warmup + o.steps) {
            if batcher.position.window == 0 { state = RecurrentState(config: m.config, batch: batcher.batch) }
            let b = batcher.next()
            let ids = timeMajor(b.inputs, batch: b.batch, seq: b.seq), targets = timeMajor(b.targets, batch: b.batch, seq: b.seq)
            let t0 = now()
            let r = try window.run(m, ids: ids, targets: targets, batch: b.batch, state: state, train: false)
            let dt = now() - t0
            state = r.finalState
            if step >= o.warmup { times.append(dt) }
        }
        let flops = FlopCount.forward(cell: o.model, vocab: m.config.vocabSize, hidden: o.hidden, layers: o.layers,
                                      batch: batcher.batch, seq: batcher.seq, embed: o.embed)
        var report = header(o, mode: "eval", data: data, model: m, threads: window.threads)
        finish(&report, times: times, chars: batcher.batch * batcher.seq, flops: flops)
        return report
    }

    static func header(_ o: BenchOptions, mode: String, data: BenchData, model: RecurrentModel, threads: Int) -> BenchReport {
        var r = BenchReport()
        r.add("engine", "lmsh")
        r.add("mode", mode)
        r.add("model", o.model.rawValue)
        r.add("hidden", o.hidden)
        r.add("layers", o.layers)
        r.add("seq", o.seq)
        r.add("batch", o.batch)
        r.add("V", model.config.vocabSize)
        r.add("unit", o.words > 0 ? "word" : "char")
        r.add("embed", o.embed)
        r.add("params", model.parameters.scalarCount)
        r.add("threads", threads)
        r.add("data", data.source)
        return r
    }

    static func finish(_ r: inout BenchReport, times: [Double], chars: Int, flops: Double) {
        let med = median(times)
        r.add("steps", times.count)
        r.add("ms_per_step", med * 1000)
        r.add("min_ms", (times.min() ?? 0) * 1000)
        r.add("max_ms", (times.max() ?? 0) * 1000)
        r.add("chars_per_sec", Double(chars) / med)
        r.add("flops_per_step", flops)
        r.add("gflops", flops / med / 1e9)
        r.add("peak_rss_mb", peakResidentMB())
    }
}

/// A [batch][seq] row-major window in the time-major order of `FusedWindow` (`ids[t·batch + b]`).
func timeMajor(_ rows: [Int32], batch: Int, seq: Int) -> [Int] {
    var out = [Int](repeating: 0, count: rows.count)
    for b in 0..<batch {
        for t in 0..<seq { out[t * batch + b] = Int(rows[b * seq + t]) }
    }
    return out
}
