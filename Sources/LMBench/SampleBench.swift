import LMCore
import LMModels

/// Generation with batch 1, as the reference's `--sample N`: from the zero state and a newline, draw
/// each next character from the softmax of the logits and feed it back. One warm-up run of 100
/// characters, then the median of 3 runs of N.
enum SampleBench {
    static func run(_ o: BenchOptions, data: BenchData) throws -> BenchReport {
        let m = try TrainBench.model(o, vocab: data.corpus.vocabulary.count)
        let start = (try? data.corpus.vocabulary.encode("\n"))?.first.map(Int.init) ?? 0
        var rng = RandomSource(seed: o.seed)
        let runner = StepRunner(m, threads: o.threads ?? FusedWindow.defaultThreads)
        func generate(_ n: Int) throws {
            runner.reset()
            var current = start
            for _ in 0..<n {
                let logits = try runner.feed(current)
                current = drawSymbol(logits, temperature: 1, topK: 0, rng: &rng)
            }
        }
        try generate(100)
        var times: [Double] = []
        for _ in 0..<3 {
            let t0 = now()
            try generate(o.sampleLength)
            times.append(now() - t0)
        }
        let med = median(times)
        var r = TrainBench.header(o, mode: "sample", data: data, model: m, threads: runner.threads)
        r.add("n", o.sampleLength)
        r.add("chars_per_sec", Double(o.sampleLength) / med)
        r.add("us_per_char", med / Double(o.sampleLength) * 1e6)
        r.add("ms_per_step", med / Double(o.sampleLength) * 1000)
        r.add("gflops", 0.0)
        r.add("peak_rss_mb", peakResidentMB())
        return r
    }
}
