import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// `train` (and `step`) on a model already trained continue its run: steps and loss history add up whatever
/// changed, the optimizer state carries over unless `opt` changes, a new lr applies from the next step, and
/// one line says what restarted and why. A model loaded from a checkpoint reports the checkpoint's steps.
@Suite("train continues")
final class TrainContinuationTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    final class Output: @unchecked Sendable { var text = "" }

    static let corpusText = (0..<400).map { ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang."][$0 % 3] }
        .joined(separator: "\n") + "\n"

    /// A shell in a new folder holding `input.txt`, with `text` and a small LSTM `m`; output captured.
    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-continue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try Self.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        try i.run("m = lstm(text, hidden=8, layers=1)")
        return (i, out)
    }

    func number(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Double {
        guard case .number(let x)? = try i.run(cell).value else {
            Issue.record("\(cell) is not a number", sourceLocation: sourceLocation)
            return .nan
        }
        return x
    }

    func model(_ i: Interpreter, _ name: String = "m") throws -> ModelValue {
        guard case .model(let m)? = i.variables[name] else { throw ShellError("\(name) is not a model") }
        return m
    }

    /// The lines a cell printed that say something was reset.
    func resetLines(_ out: Output) -> [String] {
        out.text.split(separator: "\n").map(String.init).filter { $0.contains(": reset ") }
    }

    @Test("three trains of 3 steps leave m.steps at 9 and 9 losses, whatever else changed")
    func stepsAndHistoryAddUp() throws {
        let (i, _) = try shell()
        try i.run("train m text steps=3 batch=4 seq=8 opt=\"adam\" lr=1e-2")
        try i.run("train m text steps=3 lr=5e-3 clip=1 clip_mode=\"norm\" every=2")
        let r = try i.run("train m text steps=3 batch=2 seq=4 opt=\"sgd\" lr=0.1 seed=9").value
        #expect(try number(i, "m.steps") == 9)
        #expect(try number(i, "len(m.loss_history)") == 9)
        guard case .record(let fields)? = r, let total = fields.first(where: { $0.0 == "total_steps" })?.1,
              case .number(9) = total else { Issue.record("total_steps is not 9: \(String(describing: r))"); return }
        // The same with the same settings, and with `step` in between.
        let (j, out) = try shell()
        for _ in 0..<3 { try j.run("train m text steps=3 batch=4 seq=8") }
        try j.run("step m text")
        #expect(try number(j, "m.steps") == 10)
        #expect(try number(j, "len(m.loss_history)") == 10)
        #expect(resetLines(out).isEmpty, "\(out.text)")
    }

    @Test("a new lr keeps the optimizer's moments and applies from the next step; nothing is reset")
    func newLearningRateKeepsMoments() throws {
        let (i, out) = try shell()
        try i.run("train m text steps=3 batch=4 seq=8 opt=\"adam\" lr=1e-2")
        let before = try #require(try model(i).trainer)
        let moments = (before.optimizer.first, before.optimizer.second, before.optimizer.steps)
        try i.run("train m text steps=0 lr=5e-3")
        let after = try #require(try model(i).trainer)
        #expect(after !== before && after.settings.lr == 5e-3 && after.settings.optimizer == .adam)
        #expect(after.optimizer.first == moments.0 && after.optimizer.second == moments.1 && after.optimizer.steps == 3)
        #expect(resetLines(out).isEmpty, "\(out.text)")
        // Behaviour: the next steps are those of one run whose rate was lowered after step 3.
        try i.run("train m text steps=2")
        let corpus = try Corpus(contentsOfFile: i.configuration.baseDirectory.appendingPathComponent("input.txt").path)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 123)
        let direct = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: corpus.vocabulary.count, hidden: 8, layers: 1), rng: &rng)
        var s = TrainSettings()
        (s.batch, s.seq, s.optimizer, s.lr) = (4, 8, .adam, 1e-2)
        let reference = try Trainer(model: direct, splits: splits, settings: s)
        try reference.train(steps: 3)
        reference.schedule.base = 5e-3
        try reference.train(steps: 2)
        #expect(try model(i).model.parameters.tensors.map(\.data) == direct.parameters.tensors.map(\.data))
        #expect(try number(i, "m.steps") == 5)
    }

    @Test("a new opt resets the optimizer state and prints one line saying so")
    func newOptimizerResetsAndSaysSo() throws {
        let (i, out) = try shell()
        try i.run("train m text steps=3 batch=4 seq=8 opt=\"adam\" lr=1e-2")
        out.text = ""
        try i.run("train m text steps=0 opt=\"gd\" lr=0.1")
        #expect(resetLines(out) == [
            "train: reset the optimizer state (opt changed from \"adam\" to \"gd\"); steps and loss history go on from step 3",
        ])
        let t = try #require(try model(i).trainer)
        #expect(t.optimizer.steps == 0 && t.optimizer.first.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect(try number(i, "m.steps") == 3)
        // Keywords not given keep their last values: no further reset, still gd.
        out.text = ""
        try i.run("train m text steps=2")
        #expect(resetLines(out).isEmpty, "\(out.text)")
        #expect(try model(i).trainer?.settings.optimizer == .gd)
        #expect(try number(i, "m.steps") == 5)
        // A different batch×seq restarts the data, on one line with its reason.
        out.text = ""
        try i.run("step m text batch=2")
        #expect(resetLines(out) == [
            "step: reset the data position and the carried state (batch×seq changed from 4×8 to 2×8); steps and loss history go on from step 5",
        ])
        #expect(try number(i, "m.steps") == 6)
    }

    @Test("step after train every=10 keeps the same trainer")
    func stepAfterTrainKeepsTheTrainer() throws {
        let (i, _) = try shell()
        try i.run("train m text steps=2 batch=4 seq=8 every=10")
        let t = try #require(try model(i).trainer)
        try i.run("step m text")
        #expect(try model(i).trainer === t)
        #expect(t.stepCount == 3)
        // A new corpus value over the same text continues the data position too.
        try i.run("text2 = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        let position = t.batcher.position
        try i.run("step m text2")
        let u = try #require(try model(i).trainer)
        #expect(u !== t && u.stepCount == 4)
        #expect(u.batcher.position.window == position.window + 1 || u.batcher.position.window == 0)
    }

    @Test("a model loaded from a checkpoint reports its steps and loss history, and training goes on from them")
    func loadedModelKeepsItsCount() throws {
        let (i, out) = try shell()
        try i.run("train m text steps=4 batch=4 seq=8 opt=\"adam\" lr=1e-2")
        try i.run("save m \"m.safetensors\"")
        try i.run("save m \"t.safetensors\" training=true")
        for file in ["m", "t"] {
            try i.run("m2 = load(\"\(file).safetensors\")")
            #expect(try number(i, "m2.steps") == 4)
            #expect(try number(i, "len(m2.loss_history)") == 4)
            #expect(try i.run("m2").value?.display.hasSuffix("trained 4 steps") == true)
        }
        out.text = ""
        try i.run("train m2 text steps=2")
        #expect(try number(i, "m2.steps") == 6)
        #expect(try number(i, "len(m2.loss_history)") == 6)
        #expect(resetLines(out).count == 1 && resetLines(out)[0].hasPrefix("train: reset the optimizer state and the data position (the model was loaded"),
                "\(out.text)")
        // An untrained model's checkpoint: zero steps, and no line.
        try i.run("save lstm(text, hidden=8, layers=1) \"u.safetensors\"")
        try i.run("u = load(\"u.safetensors\")")
        #expect(try number(i, "u.steps") == 0)
        out.text = ""
        try i.run("train u text steps=1 batch=4 seq=8")
        #expect(resetLines(out).isEmpty)
    }
}
