import LMCore
import Testing
@testable import LMModels

/// Training, resuming, divergence handling, clipping, schedules, evaluation and sampling on tiny
/// models and corpora (the long runs live in benchmarks and examples).
@Suite("Training and sampling")
struct TrainingTests {
    static let text = String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 30)

    func setup(cell: CellKind = .lstm, layers: Int = 1, hidden: Int = 16, dropout: Float = 0,
               batch: Int = 4, seq: Int = 8, settings: (inout TrainSettings) -> Void = { _ in }) throws -> Trainer {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: batch, seq: seq))
        var rng = RandomSource(seed: 5)
        let model = try RecurrentModel(
            ModelConfig(cell: cell, vocabSize: corpus.vocabulary.count, hidden: hidden, layers: layers, dropout: dropout),
            rng: &rng)
        var s = TrainSettings()
        s.batch = batch
        s.seq = seq
        s.optimizer = .adam
        s.lr = 1e-2
        settings(&s)
        return try Trainer(model: model, splits: splits, settings: s)
    }

    @Test("every cell learns a repetitive text", arguments: CellKind.builtIn)
    func lossGoesDown(_ cell: CellKind) throws {
        let trainer = try setup(cell: cell)
        let before = try trainer.model.evaluate(trainer.splits.val, batch: 2, seq: 8).nats
        try trainer.train(steps: 150)
        let after = try trainer.model.evaluate(trainer.splits.val, batch: 2, seq: 8).nats
        #expect(after < before * 0.6, "val loss \(before) → \(after)")
    }

    @Test("every optimizer lowers the training loss", arguments: OptimizerKind.allCases)
    func optimizers(_ kind: OptimizerKind) throws {
        let trainer = try setup { s in
            s.optimizer = kind
            s.lr = kind == .gd ? 2 : (kind == .sgd ? 0.5 : (kind == .adagrad ? 0.1 : 2e-2))
        }
        try trainer.train(steps: 100)
        let h = trainer.lossHistory
        let first = h.prefix(5).reduce(0, +) / 5, last = h.suffix(5).reduce(0, +) / 5
        #expect(last < first * 0.8, "\(kind): \(first) → \(last)")
    }

    @Test("one gd step changes each parameter by exactly −lr·grad; sgd's second step adds momentum")
    func plainGradientDescent() throws {
        let lr: Float = 0.1
        for kind in [OptimizerKind.gd, .sgd] {
            let trainer = try setup { s in
                s.optimizer = kind
                s.lr = lr
                s.clip = 0
            }
            let entries = trainer.model.parameters.entries
            var exact = [true, true]
            for step in 0..<2 {
                let before = entries.map(\.tensor.data)
                let report = try trainer.step()
                #expect(report.lr == lr)
                var moved = 0
                for (k, e) in entries.enumerated() {
                    let g = try #require(e.tensor.grad, "\(e.name) has no gradient").data
                    for i in g.indices {
                        if e.tensor.data[i] != before[k][i] - lr * g[i] { exact[step] = false }
                        if g[i] != 0 { moved += 1 }
                    }
                }
                #expect(moved > 0, "no gradient at all: the check would be empty")
            }
            if kind == .gd {
                #expect(exact == [true, true], "gd moved a parameter by other than −lr·grad")
                #expect(trainer.optimizer.first.allSatisfy { $0.allSatisfy { $0 == 0 } }, "gd keeps no velocity")
            } else {
                // The same check tells momentum apart: sgd's first step is −lr·g, its second −lr·(0.9·v + g).
                #expect(exact == [true, false])
            }
        }
    }

    @Test func exactResume() throws {
        // Dropout and two layers, so the PRNG, the optimizer moments and the carried state all matter.
        func make() throws -> Trainer { try setup(layers: 2, dropout: 0.2) { $0.optimizer = .rmsprop } }
        let straight = try make()
        try straight.train(steps: 9)

        let first = try make()
        try first.train(steps: 5)
        let saved = first.saveState()
        let resumed = try make()
        try resumed.restore(saved)
        try resumed.train(steps: 4)

        #expect(resumed.stepCount == 9)
        let same = resumed.model.parameters.tensors.map(\.data) == straight.model.parameters.tensors.map(\.data)
        #expect(same, "resumed parameters differ from straight training")
        #expect(resumed.saveState() == straight.saveState(), "resumed trainer state differs")
        // And the check can fail: one more step on one side breaks equality.
        try straight.train(steps: 1)
        #expect(resumed.saveState() != straight.saveState())
    }

    @Test func nanInTheLossStopsTrainingAndKeepsTheModel() throws {
        let trainer = try setup()
        try trainer.train(steps: 2)
        let bias = try #require(trainer.model.parameters["decoder.bias"])
        bias.data[0] = .nan
        let before = trainer.model.parameters.tensors.map(\.data)
        #expect {
            try trainer.train(steps: 3)
        } throws: { error in
            "\(error)".contains("step 3") && "\(error)".contains("loss")
        }
        let after = trainer.model.parameters.tensors.map(\.data)
        let unchanged = zip(before, after).allSatisfy { a, b in zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        #expect(unchanged, "parameters changed by a step that failed")
        #expect(trainer.stepCount == 2)
    }

    @Test func divergenceLeavesTheLastGoodParameters() throws {
        // An absurd learning rate: the weights blow up within a few steps.
        let trainer = try setup { s in
            s.optimizer = .sgd
            s.lr = 1e38
            s.clip = 0
        }
        var lastGood = trainer.model.parameters.tensors.map(\.data)
        var goodSteps = 0
        #expect(throws: TrainingDiverged.self) {
            try trainer.train(steps: 20) { _ in
                lastGood = trainer.model.parameters.tensors.map(\.data)
                goodSteps += 1
                return true
            }
        }
        let now = trainer.model.parameters.tensors.map(\.data)
        #expect(now == lastGood, "parameters differ from those after the last good step")
        #expect(now.allSatisfy { $0.allSatisfy(\.isFinite) })
        #expect(trainer.stepCount == goodSteps)
    }

    @Test func clipping() throws {
        let a = try Tensor([3, 4]).asParameter(), b = Tensor([0.5]).asParameter()
        a.grad = Tensor([3, -4])
        b.grad = Tensor([0])
        let p = NamedParameters([("a", a), ("b", b)])
        let stats = p.clipGradients(threshold: 1, mode: .norm)
        #expect(stats.norm == 5)
        #expect(stats.clipped)
        #expect(Swift.abs(stats.ratio - 5 / (25.25 as Float).squareRoot()) < 1e-6)
        #expect(a.grad?.data == [0.6, -0.8])

        a.grad = Tensor([3, -0.5])
        let v = p.clipGradients(threshold: 1, mode: .value)
        #expect(v.clipped)
        #expect(a.grad?.data == [1, -0.5])
    }

    @Test func charRNNLearningRateSchedule() {
        var s = LearningRateSchedule(base: 2e-3)
        #expect(s.rate(completedSteps: 500, completedEpochs: 9) == 2e-3)
        #expect(Swift.abs(s.rate(completedSteps: 500, completedEpochs: 10) - 2e-3 * 0.97) < 1e-9)
        #expect(Swift.abs(s.rate(completedSteps: 500, completedEpochs: 12) - 2e-3 * 0.97 * 0.97 * 0.97) < 1e-9)
        s.epochDecay = 1
        s.stepEvery = 100
        #expect(Swift.abs(s.rate(completedSteps: 250, completedEpochs: 0) - 2e-3 * 0.25) < 1e-9)
    }

    @Test func evaluationUnits() throws {
        let trainer = try setup()
        let r = try trainer.model.evaluate(trainer.splits.val, batch: 2, seq: 8, splitSummary: "x")
        #expect(Swift.abs(r.bits - r.nats / 0.6931471805599453) < 1e-12)
        #expect(Swift.abs(r.perplexity - Foundation.exp(r.nats)) < 1e-9)
        // An untrained model is close to uniform over the vocabulary.
        let v = Double(trainer.model.config.vocabSize)
        #expect(Swift.abs(r.nats - Foundation.log(v)) < 0.3)
    }

    @Test func samplingIsSeededAndRespectsTemperatureAndTopK() throws {
        let trainer = try setup()
        try trainer.train(steps: 80)
        let vocab = try Corpus(text: Self.text).vocabulary
        var s = SampleSettings()
        s.length = 40
        s.prime = "the "
        s.temperature = 0.8
        let a = try trainer.model.sample(vocabulary: vocab, s)
        let b = try trainer.model.sample(vocabulary: vocab, s)
        #expect(a == b)
        #expect(a.hasPrefix("the "))
        #expect(a.unicodeScalars.count == 44)
        s.seed = 2
        #expect(try trainer.model.sample(vocabulary: vocab, s) != a)

        // Greedy decoding ignores the seed, and top-1 is greedy.
        s.temperature = 0
        let greedy = try trainer.model.sample(vocabulary: vocab, s)
        s.seed = 99
        #expect(try trainer.model.sample(vocabulary: vocab, s) == greedy)
        s.temperature = 1
        s.topK = 1
        #expect(try trainer.model.sample(vocabulary: vocab, s) == greedy)

        // Streaming delivers the same text, and can stop early.
        var streamed = ""
        s.topK = 0
        let full = try trainer.model.sample(vocabulary: vocab, s) { streamed += $0; return true }
        #expect(streamed == full)
        var count = 0
        _ = try trainer.model.sample(vocabulary: vocab, s) { _ in count += 1; return count < 10 }
        #expect(count == 10)

        s.prime = "the ZEBRA"
        #expect(throws: (any Error).self) { try trainer.model.sample(vocabulary: vocab, s) }
    }

    @Test func stepRunnerSplitAcrossCoresMatchesOneCore() throws {
        // A layer at the split threshold (1024 gate rows × 512 weights each) runs its rows on two cores;
        // every row is the same dot product either way, so the logits agree.
        var rng = RandomSource(seed: 9)
        let model = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: 7, hidden: 256, layers: 2), rng: &rng)
        #expect(4 * 256 * (256 + 256) >= StepRunner.splitThreshold)
        let one = StepRunner(model, threads: 1), two = StepRunner(model, threads: 2)
        for id in [1, 4, 2, 6, 3, 0] {
            let a = try one.feed(id), b = try two.feed(id)
            #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-6 * Swift.max(1, Swift.abs($0)) })
        }
        #expect(one.state.c[1] == two.state.c[1] || zip(one.state.c[1], two.state.c[1]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }

    @Test func stepRunnerMatchesTheWindow() throws {
        // Feeding characters one at a time gives the same state as a window of batch 1.
        let trainer = try setup(cell: .gru, layers: 2)
        let model = trainer.model
        let ids = [1, 4, 2, 7, 3]
        let runner = StepRunner(model)
        for id in ids { try runner.feed(id) }
        let w = try FusedWindow().run(model, ids: ids, targets: ids, batch: 1,
                                      state: RecurrentState(config: model.config, batch: 1), train: false)
        for l in 0..<2 {
            for (x, y) in zip(runner.state.h[l], w.finalState.h[l]) { #expect(Swift.abs(x - y) < 1e-6) }
        }
    }
}

import Foundation
