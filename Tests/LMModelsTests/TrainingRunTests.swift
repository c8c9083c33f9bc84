import Foundation
import LMCore
import Testing
@testable import LMModels

/// A `train` call's budget (steps and wall-clock seconds, whichever runs out first), its warm-up and cosine
/// decay, and keeping the best validation weights; on a tiny model and text (each run well under a second).
@Suite("Training runs: budgets, schedules, best weights")
struct TrainingRunTests {
    static let text = String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 30)

    func setup(_ settings: (inout TrainSettings) -> Void = { _ in }) throws -> Trainer {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 5)
        let model = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: corpus.vocabulary.count, hidden: 16, layers: 1), rng: &rng)
        var s = TrainSettings()
        s.batch = 4
        s.seq = 8
        s.optimizer = .adam
        s.lr = 1e-2
        settings(&s)
        return try Trainer(model: model, splits: splits, settings: s)
    }

    @Test("cosine falls from lr to the floor over the run; warm-up rises linearly over its first steps")
    func cosineAndWarmup() {
        var s = LearningRateSchedule(base: 4e-3)
        s.decay = .cosine
        s.floor = 1e-4
        func at(_ done: Int, _ f: Double) -> Float { s.rate(completedSteps: 1000 + done, completedEpochs: 50, run: .init(done: done, fraction: f)) }
        #expect(at(0, 0) == 4e-3)
        #expect(abs(at(0, 0.5) - (4e-3 + 1e-4) / 2) < 1e-9)
        #expect(abs(at(0, 1) - 1e-4) < 1e-9)
        #expect(at(0, 0.3) > at(0, 0.6) && at(0, 0.6) > at(0, 0.9))
        // The epoch decay does not apply to the cosine (50 epochs done would have shrunk it).
        s.warmup = 10
        #expect(abs(at(0, 0) - 4e-4) < 1e-9)
        #expect(abs(at(4, 0) - 2e-3) < 1e-9)
        #expect(at(9, 0) == 4e-3 && at(500, 0) == 4e-3)
        // Outside a train call (step): no warm-up, the cosine at its start.
        #expect(s.rate(completedSteps: 3, completedEpochs: 0) == 4e-3)
        // char-rnn's decay is unchanged by the new fields.
        var c = LearningRateSchedule(base: 2e-3)
        c.warmup = 0
        #expect(abs(c.rate(completedSteps: 0, completedEpochs: 11) - 2e-3 * 0.97 * 0.97) < 1e-9)
    }

    @Test("a time budget stops the run at the first step boundary after it, and says so")
    func timeBudget() throws {
        let t = try setup()
        var stops: [TrainStop?] = [], lastElapsed = 0.0
        let o = try t.run(TrainBudget(steps: 1_000_000, seconds: 0.3)) { p in
            stops.append(p.stop)
            lastElapsed = p.elapsedSeconds
            #expect(p.budgetSeconds == 0.3)
            return true
        }
        #expect(o.stop == .time)
        #expect(o.done > 1 && o.done < 1_000_000 && o.done == t.stepCount)
        #expect(lastElapsed >= 0.3 && o.seconds >= 0.3)
        #expect(o.seconds < 0.3 + 5, "one step of a 16-unit LSTM is milliseconds; the run overshot by \(o.seconds - 0.3) s")
        #expect(stops.last == .time && stops.dropLast().allSatisfy { $0 == nil })
        // Steps first: whichever runs out first ends the run.
        let u = try setup()
        let v = try u.run(TrainBudget(steps: 5, seconds: 600))
        #expect(v.stop == .steps && v.done == 5)
        // A zero budget trains nothing.
        let z = try u.run(TrainBudget(steps: 100, seconds: 0))
        #expect(z.stop == .time && z.done == 0 && u.stepCount == 5)
    }

    @Test("the lr each step used follows the warm-up and the cosine over the run's steps")
    func scheduleOverARun() throws {
        let t = try setup { s in
            s.decay = .cosine
            s.minLR = 1e-4
            s.warmup = 4
        }
        var lrs: [Float] = []
        _ = try t.run(TrainBudget(steps: 20)) { p in lrs.append(p.lr); return true }
        #expect(lrs.count == 20)
        for (i, lr) in lrs.enumerated() {
            let expected = t.schedule.rate(completedSteps: i, completedEpochs: 0, run: .init(done: i, fraction: Double(i) / 20))
            #expect(abs(lr - expected) < 1e-9, "step \(i + 1): lr \(lr), schedule \(expected)")
        }
        #expect(lrs[0] < lrs[3] && lrs[3] > lrs[19] && lrs[19] < 1e-3)
    }

    @Test("keep_best puts back the weights of the best val loss when the run ends worse")
    func keepsTheBestWeights() throws {
        let t = try setup()
        var evaluated: [Int] = [], vals: [Double] = []
        // Spoil the weights just before the last step, so its val is far worse than the best one seen.
        let o = try t.run(TrainBudget(steps: 20, keepBest: true)) { p in
            if let v = p.valLoss { evaluated.append(p.done); vals.append(v) }
            if p.done == 19 { for w in t.model.parameters.tensors { w.data = w.data.map { $0 * 5 + 0.5 } } }
            return true
        }
        #expect(evaluated == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20], "val at each tenth of the run and at its end")
        let best = try #require(o.bestVal), last = try #require(o.lastVal)
        #expect(last > best && o.restoredBest && best == vals.min())
        #expect(o.bestStep.map { $0 < 20 && evaluated.contains($0) } == true)
        let now = try t.model.evaluate(t.splits.val, batch: 4, seq: 8).nats
        #expect(abs(now - best) < 1e-9, "the model's val \(now) is not the best \(best)")
        // Without keep_best nothing is put back.
        let u = try setup()
        let w = try u.run(TrainBudget(steps: 20)) { p in
            if p.done == 19 { for x in u.model.parameters.tensors { x.data = x.data.map { $0 * 5 + 0.5 } } }
            return true
        }
        #expect(!w.restoredBest && w.bestVal == nil)
    }
}
