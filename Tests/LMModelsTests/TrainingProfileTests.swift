import LMCore
import Testing
@testable import LMModels

/// `TrainingProfile`: the phases of a step add up to the step, each timer fires where it should, profiling
/// leaves the model as it was, and a step computes the same numbers with a profiler as without.
@Suite("Training profile")
struct TrainingProfileTests {
    static let text = String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 30)

    func model(_ cell: CellKind = .lstm, layers: Int = 2, hidden: Int = 16) throws -> (RecurrentModel, CorpusSplits) {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 8, seq: 8))
        var rng = RandomSource(seed: 7)
        let m = try RecurrentModel(ModelConfig(cell: cell, vocabSize: corpus.vocabulary.count, hidden: hidden, layers: layers), rng: &rng)
        return (m, splits)
    }

    var settings: TrainSettings {
        var s = TrainSettings()
        s.batch = 8
        s.seq = 8
        return s
    }

    func checkSums(_ p: TrainingProfile) {
        #expect(p.rows.allSatisfy { $0.milliseconds >= 0 && $0.perStep >= 0 && $0.percent >= 0 }, "\(p.table)")
        let sum = p.rows.reduce(0) { $0 + $1.milliseconds }
        #expect(abs(sum - p.stepMilliseconds) <= 1e-6 * p.stepMilliseconds + 1e-9, "rows \(sum) ms, steps \(p.stepMilliseconds) ms")
        #expect(abs(p.rows.reduce(0) { $0 + $1.percent } - 100) < 1e-6)
        // The steps' own clocks against one clock around the whole loop: within 5%.
        #expect(p.stepMilliseconds <= p.wallMilliseconds * 1.000001)
        #expect(p.stepMilliseconds >= 0.95 * p.wallMilliseconds, "steps \(p.stepMilliseconds) ms of a loop of \(p.wallMilliseconds) ms")
        #expect(p.rows.last?.key == "other")
    }

    @Test("the fused path's phases add up to the step, each timed once per step and layer where it should be", arguments: [1, 2])
    func fusedPhases(threads: Int) throws {
        let (m, splits) = try model()
        let steps = 3, layers = 2, seq = 8
        let p = try TrainingProfile.measure(m, splits: splits, settings: settings, steps: steps, warmup: 1, threads: threads)
        #expect(p.path == "fused")
        #expect(p.shards == threads)
        #expect(p.steps == steps)
        checkSums(p)
        // Per time step and layer (the first shard's, which runs every time step of its streams).
        for key in ["recurrent_forward", "gates_forward", "gates_backward", "recurrent_backward"] {
            #expect(p.row(key)?.count == steps * layers * seq, "\(key): \(p.row(key)?.count ?? 0)")
        }
        // Per step and layer, or per step.
        #expect(p.row("weight_gradients")?.count == steps * layers)
        for key in ["decoder_forward", "softmax_loss", "decoder_backward", "clipping", "optimizer", "shard_sum"] {
            #expect(p.row(key)?.count == steps, "\(key): \(p.row(key)?.count ?? 0)")
        }
        // The rollback copy and the checks run inside the optimizer's pass (`UpdateSweep`), and the footer says so.
        #expect(p.row("snapshot") == nil && p.row("checks") == nil)
        #expect(p.table.contains("the optimizer row includes the rollback copy"))
        #expect(p.row("input_projection").map { $0.count > 0 } == true)
        #expect(p.row("forward_graph") == nil && p.row("backward_tape") == nil)
        #expect(p.table.contains("step (wall)"))
        #expect(p.table.contains(threads == 1 ? "every phase on the calling thread" : "the first shard's"))
    }

    @Test("a cell without a fused kernel is profiled on its definition: forward graph and backward tape")
    func referencePhases() throws {
        let (m, splits) = try model(.peephole, layers: 1, hidden: 8)
        let p = try TrainingProfile.measure(m, splits: splits, settings: settings, steps: 2, warmup: 0, threads: 1)
        #expect(p.path == "reference")
        checkSums(p)
        for key in ["forward_graph", "backward_tape", "clipping", "optimizer"] { #expect(p.row(key)?.count == 2, "\(key)") }
        #expect(p.row("recurrent_forward") == nil)
    }

    @Test("profiling leaves the parameters and their gradients as they were")
    func modelUnchanged() throws {
        let (m, splits) = try model()
        // Gradients that are there before (the last step's), and one parameter without any.
        for (k, t) in m.parameters.tensors.enumerated() where k > 0 {
            t.grad = try Tensor(shape: t.shape, data: (0..<t.count).map { Float($0 % 7) * 0.01 })
        }
        m.parameters.tensors[0].grad = nil
        let before = m.parameters.tensors.map { ($0.data, $0.grad?.data) }
        let p = try TrainingProfile.measure(m, splits: splits, settings: settings, steps: 3, warmup: 2, threads: 2)
        #expect(p.steps == 3)
        for (t, (data, grad)) in zip(m.parameters.tensors, before) {
            #expect(t.data == data)
            #expect(t.grad?.data == grad)
        }
        // And the steps did train: a trainer from the same start moves the weights.
        let t = try Trainer(model: m, splits: splits, settings: settings)
        try t.train(steps: 1)
        #expect(m.parameters.tensors.map(\.data) != before.map(\.0))
    }

    @Test("a step computes the same loss and weights with a profiler as without")
    func profilerChangesNothing() throws {
        var losses: [[Float]] = [], weights: [[[Float]]] = []
        for profiled in [false, true] {
            let (m, splits) = try model()
            let t = try Trainer(model: m, splits: splits, settings: settings)
            t.threads = 2
            let profiler = profiled ? StepProfiler() : nil
            losses.append(try (0..<3).map { _ in try t.step(profiler: profiler).loss })
            weights.append(m.parameters.tensors.map(\.data))
            if let profiler { #expect(profiler.count(.optimizer) == 3) }
        }
        #expect(losses[0] == losses[1])
        #expect(weights[0] == weights[1])
    }

    @Test("a transformer: forward, backward on the tape, clipping and optimizer; left as it was")
    func transformer() throws {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 3)
        let m = try TransformerModel(TransformerModel.Config(vocabSize: corpus.vocabulary.count, layers: 1, heads: 2, dim: 16, context: 8), rng: &rng)
        let before = m.parameters.tensors.map(\.data)
        let p = try TrainingProfile.measure(m, part: splits.train, batch: 4, seq: 8, optimizer: .adam, lr: 1e-3, clip: 1, clipMode: .norm,
                                            steps: 2, warmup: 1)
        #expect(p.path == "autodiff")
        checkSums(p)
        for key in ["forward_graph", "backward_tape", "clipping", "optimizer"] { #expect(p.row(key)?.count == 2, "\(key)") }
        #expect(m.parameters.tensors.map(\.data) == before)
    }

    @Test("steps below 1 is an error")
    func noSteps() throws {
        let (m, splits) = try model()
        #expect(throws: ModelError.self) { try TrainingProfile.measure(m, splits: splits, settings: settings, steps: 0) }
    }
}
