import LMCore
import Testing
@testable import LMModels

/// A new trainer of the same model continuing the last one (`Trainer.continueRun`): steps and loss history
/// always go on; the optimizer state carries over unless the optimizer changes; a new lr applies from the
/// next step; what starts afresh is reported with its reason.
@Suite("Trainer continuation")
struct TrainerContinuationTests {
    static let text = String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 30)

    /// A two-layer LSTM with dropout (so the PRNG, the moments and the carried state all matter), made
    /// the same way every time.
    func trainer(_ settings: (inout TrainSettings) -> Void = { _ in }, model: RecurrentModel? = nil) throws -> Trainer {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 5)
        let m = try model ?? RecurrentModel(
            ModelConfig(cell: .lstm, vocabSize: corpus.vocabulary.count, hidden: 16, layers: 2, dropout: 0.2), rng: &rng)
        var s = TrainSettings()
        (s.batch, s.seq, s.optimizer, s.lr) = (4, 8, .adam, 1e-2)
        settings(&s)
        return try Trainer(model: m, splits: splits, settings: s)
    }

    @Test("the same settings in a new trainer continue exactly as one run")
    func sameSettingsContinueExactly() throws {
        let straight = try trainer()
        try straight.train(steps: 6)

        let first = try trainer()
        try first.train(steps: 3)
        let second = try trainer(model: first.model)
        #expect(try second.continueRun(from: first).isEmpty)
        try second.train(steps: 3)
        #expect(second.saveState() == straight.saveState(), "continued run differs from one run of 6 steps")
        #expect(second.stepCount == 6 && second.lossHistory.count == 6)
    }

    @Test("a new lr keeps the optimizer's moments and applies from the next step")
    func newLearningRateKeepsMoments() throws {
        // One run whose rate is lowered after step 3 ...
        let reference = try trainer()
        try reference.train(steps: 3)
        reference.schedule.base = 5e-3
        try reference.train(steps: 3)

        // ... is what a new trainer with lr=5e-3 continuing the first 3 steps does.
        let first = try trainer()
        try first.train(steps: 3)
        let second = try trainer({ $0.lr = 5e-3 }, model: first.model)
        #expect(try second.continueRun(from: first).isEmpty)
        #expect(second.optimizer.first == first.optimizer.first && second.optimizer.second == first.optimizer.second)
        #expect(second.optimizer.steps == 3)
        #expect(second.currentLearningRate == 5e-3)
        try second.train(steps: 3)
        #expect(second.saveState() == reference.saveState())
        #expect(second.lossHistory.count == 6)
    }

    @Test("a new optimizer starts from zero moments, and says so")
    func newOptimizerResets() throws {
        let first = try trainer()
        try first.train(steps: 3)
        let second = try trainer({ $0.optimizer = .sgd }, model: first.model)
        let resets = try second.continueRun(from: first)
        #expect(resets == [Trainer.Reset(what: "the optimizer state", why: "opt changed from \"adam\" to \"sgd\"")])
        #expect(second.optimizer.steps == 0)
        #expect(second.optimizer.first.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect(second.stepCount == 3 && second.lossHistory == first.lossHistory)
        // The data position and the dropout stream go on.
        #expect(second.batcher.position == first.batcher.position && second.rng == first.rng)
    }

    @Test("new batch×seq or seed restart the data position or the dropout stream, and say why")
    func newWindowsRestartTheData() throws {
        let first = try trainer()
        try first.train(steps: 3)
        let second = try trainer({ $0.batch = 2; $0.seed = 7 }, model: first.model)
        let resets = try second.continueRun(from: first)
        #expect(resets.map(\.description) == [
            "the data position and the carried state (batch×seq changed from 4×8 to 2×8)",
            "the dropout stream (seed changed from 123 to 7)",
        ])
        #expect(second.batcher.position == BatchPosition(epoch: first.batcher.position.epoch, window: 0))
        #expect(second.optimizer.steps == 3)
        #expect(second.stepCount == 3)
        // A trainer of another model cannot continue this one.
        let other = try trainer()
        #expect(throws: ModelError.self) { try other.continueRun(from: first) }
    }

    @Test func aCheckpointsCountGoesOn() throws {
        let t = try trainer()
        try t.continueCount(steps: 40, lossHistory: [2, 1.5])
        try t.train(steps: 2)
        #expect(t.stepCount == 42 && t.lossHistory.count == 4 && Array(t.lossHistory.prefix(2)) == [2, 1.5])
    }
}
