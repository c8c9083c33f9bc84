import Foundation
import LMModels
import Testing
@testable import LMShell

/// `train … checkpoint_every=N`: when `train` asks the cell's observer for a checkpoint of the unfinished
/// training, and how the session recorder keeps it (the unfinished record in the autosave, replaced by the
/// finished one). The killed-and-resumed run is `FaultTests.killedTrainingResumesExactly`.
@Suite("Checkpoints of an unfinished training")
final class CheckpointEveryTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    static let sentences = ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang to the cat.", "the mat was red."]

    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-ckpt-every-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        let text = (0..<300).map { Self.sentences[$0 % Self.sentences.count] }.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        return dir
    }

    func shell() throws -> Interpreter {
        let i = Interpreter(baseDirectory: try folder())
        i.output = { _ in }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        try i.run("m = lstm(text, hidden=8, layers=1)")
        return i
    }

    /// Notes each checkpoint `train` asks for: (done, steps, the trainer's step count).
    final class Checkpoints: CellObserver {
        var asked: [(done: Int, steps: Int, step: Int)] = []
        func trainingCheckpoint(_ model: ModelValue, _ trainer: Trainer, done: Int, of steps: Int) throws {
            asked.append((done, steps, trainer.stepCount))
        }
    }

    func asked(_ i: Interpreter, _ cell: String) throws -> [Int] {
        let o = Checkpoints()
        _ = try i.run(cell, observer: o)
        #expect(o.asked.allSatisfy { $0.done < $0.steps })
        return o.asked.map(\.done)
    }

    @Test("every N steps of the call, whenever validation is evaluated, never after the last step; 0 turns it off")
    func whenTrainAsks() throws {
        let i = try shell()
        #expect(try asked(i, "train m text steps=30 batch=4 seq=8 checkpoint_every=10") == [10, 20])
        #expect(try asked(i, "train m text steps=25 checkpoint_every=10") == [10, 20])
        // every=7 evaluates on val at the model's steps 56, 63, 70, 77 (it is at 55): a checkpoint each time.
        #expect(try asked(i, "train m text steps=25 checkpoint_every=10 every=7") == [1, 8, 10, 15, 20, 22])
        #expect(try asked(i, "train m text steps=25 checkpoint_every=0 every=7") == [])
        // none (the default): about every 10 minutes, so none in a short run, but still at validation.
        #expect(try asked(i, "train m text steps=12 every=0") == [])
        #expect(try asked(i, "train m text steps=12 checkpoint_every=none every=5") == [3, 8])
        // The trainer has done the steps when it is asked.
        let o = Checkpoints()
        _ = try i.run("train m text steps=4 checkpoint_every=2 every=0", observer: o)
        #expect(o.asked.map(\.step) == [117 + 12 + 2])
    }

    @Test("checkpoint_every takes a whole number of steps ≥ 0 or none; anything else is a positioned error")
    func badValues() throws {
        let i = try shell()
        for (cell, message, column) in [("train(m, text, steps=5, checkpoint_every=-1)", "checkpoint_every must be ≥ 0 steps, got -1", 25),
                                        ("train m text steps=5 checkpoint_every=2.5", "expected a whole number of steps for checkpoint_every, got 2.5", 22),
                                        ("train m text steps=5 checkpoint_every=\"often\"", "expected a whole number of steps for checkpoint_every, got a string", 22)] {
            do {
                _ = try i.run(cell)
                Issue.record("\(cell) ran")
            } catch let e as ShellError {
                #expect(e.message == message, "\(cell)")
                #expect(e.location?.column == column, "\(cell): \(e.render(source: cell))")
            }
        }
        do {
            _ = try i.run("step m text checkpoint_every=2")
            Issue.record("step took checkpoint_every")
        } catch let e as ShellError {
            #expect(e.message.contains("checkpoint_every"))
        }
    }

    @Test("the recorder: the unfinished record and its checkpoint go once the cell is recorded, or when it fails")
    func recorderReplacesTheUnfinishedRecord() throws {
        let dir = try folder()
        let i = Interpreter(baseDirectory: dir)
        i.output = { _ in }
        let recorder = try SessionRecorder(interpreter: i, sessionsFolder: dir.appendingPathComponent("sessions"), name: "s")
        func autosave() throws -> String { try String(contentsOf: recorder.autosaveURL, encoding: .utf8) }
        func leftovers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: recorder.folder.path)) ?? []).filter { $0.contains("unfinished") }
        }
        #expect(recorder.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)") { _ in }.error == nil)
        #expect(recorder.run("m = lstm(text, hidden=8, layers=1)") { _ in }.error == nil)

        // Mid-cell, as `train` asks for it: the autosave ends with the cell marked unfinished.
        let m = try #require(i.variables["m"].flatMap { if case .model(let m) = $0 { return m } else { return nil } })
        let splits = try #require(i.variables["text"].flatMap { if case .corpus(let c) = $0 { return c.splits } else { return nil } })
        let trainer = try Trainer(model: m.model, splits: splits)
        try trainer.train(steps: 3)
        try recorder.recordUnfinished("train m text steps=9", output: "", model: m, trainer: trainer, done: 3, steps: 9)
        let mid = SessionRecord.parse(try autosave())
        #expect(mid.cells.count == 3)
        #expect(mid.cells.last?.unfinished == SessionRecord.Unfinished(variable: "m", done: 3, steps: 9))
        let c = try #require(mid.cells.last?.checkpoints.first)
        #expect(c.path == "s/cell-3-m-unfinished.safetensors")
        let file = dir.appendingPathComponent("sessions").appendingPathComponent(c.path)
        #expect(try SessionRecorder.sha256(of: file) == c.sha256)
        #expect(try ModelCheckpoint.load(from: file).info.step == 3)
        recorder.dropUnfinished()
        #expect(try autosave() == recorder.record.text)
        #expect(leftovers() == [])

        // A training cell that finishes: its record replaces the unfinished one, and appending goes on.
        #expect(recorder.run("train m text steps=30 batch=4 seq=8 checkpoint_every=10") { _ in }.error == nil)
        #expect(try autosave() == recorder.record.text)
        #expect(recorder.record.cells.last?.unfinished == nil && recorder.record.cells.last?.checkpoints.count == 1)
        #expect(leftovers() == [])
        #expect(recorder.run("1 + 1") { _ in }.error == nil)
        #expect(try autosave() == recorder.record.text)
        #expect(try autosave().hasSuffix("1 + 1\n#= 2\n"))

        // A training cell that fails after its checkpoints: no record of it, nothing left behind.
        var failedAfterCheckpoints = false
        let failed = recorder.run("[train(m, text, steps=30, checkpoint_every=10), print(\"trained\"), nosuchname]") { text in
            if text.hasPrefix("trained") { failedAfterCheckpoints = (try? autosave())?.contains("#@ unfinished m 20 of 30 steps") == true && leftovers().count == 1 }
        }
        #expect(failed.error?.message.contains("nosuchname") == true, "\(String(describing: failed.error))")
        #expect(failedAfterCheckpoints, "the cell did not fail after its checkpoints")
        #expect(try autosave() == recorder.record.text)
        #expect(!(try autosave()).contains("unfinished"))
        #expect(leftovers() == [])
    }

    @Test("a cell caught mid-training replays: models it trained before are restored whole, the running one after its done steps, and goes on exactly")
    func unfinishedCellReplaysAndGoesOnExactly() throws {
        let dir = try folder()
        let sessions = dir.appendingPathComponent("sessions")
        let i = Interpreter(baseDirectory: dir)
        i.output = { _ in }
        let recorder = try SessionRecorder(interpreter: i, sessionsFolder: sessions, name: "s")
        for cell in ["text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)", "a = lstm(text, hidden=8, layers=1)",
                     "b = lstm(text, hidden=8, layers=1, seed=7)"] {
            #expect(recorder.run(cell) { _ in }.error == nil)
        }
        // What a kill at the print would leave: the autosave and the checkpoints as they are then.
        let killed = sessions.appendingPathComponent("killed.lmsh")
        let cell = "[train(a, text, steps=5, batch=4, seq=8), train(b, text, steps=20, batch=4, seq=8, checkpoint_every=10), print(\"after\")]"
        let outcome = recorder.run(cell) { text in
            guard text.hasPrefix("after"), let autosave = try? Data(contentsOf: recorder.autosaveURL) else { return }
            try? autosave.write(to: killed)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: recorder.folder.path)) ?? [] where name.contains("unfinished") {
                let from = recorder.folder.appendingPathComponent(name), to = sessions.appendingPathComponent("k-" + name)
                try? FileManager.default.copyItem(at: from, to: to)
            }
        }
        #expect(outcome.error == nil)
        var text = try String(contentsOf: killed, encoding: .utf8)
        text = text.replacingOccurrences(of: " s/cell-4-", with: " k-cell-4-")
        try text.write(to: killed, atomically: true, encoding: .utf8)
        let record = SessionRecord.parse(text)
        #expect(record.cells.count == 4)
        #expect(record.cells.last?.unfinished == SessionRecord.Unfinished(variable: "b", done: 10, steps: 20))
        #expect(record.cells.last?.checkpoints.map(\.variable) == ["a", "b"])

        let j = Interpreter(baseDirectory: dir)
        j.output = { _ in }
        var shown: [String] = []
        let report = try SessionReplay().run(killed, into: j) { _, _, output in shown.append(output) }
        #expect(report.errors.isEmpty, "\(report.errors.map(\.error))")
        #expect(report.restored == 1 && report.unfinished == 1)
        #expect(shown.last?.contains("restored its training after 10 of the cell's 20 steps") == true, "\(shown)")
        func model(_ i: Interpreter, _ name: String) throws -> ModelValue {
            try #require(i.variables[name].flatMap { if case .model(let m) = $0 { return m } else { return nil } })
        }
        #expect(try model(j, "a").trainer?.stepCount == 5 && model(j, "b").trainer?.stepCount == 10)
        try j.run("train b text steps=10 batch=4 seq=8")
        for name in ["a", "b"] {
            let x = try model(i, name), y = try model(j, name)
            #expect(x.trainer?.lossHistory == y.trainer?.lossHistory, "\(name)")
            for (p, q) in zip(x.model.parameters.tensors, y.model.parameters.tensors) { #expect(p.data == q.data, "\(name)") }
        }
    }

    @Test("the unfinished marker round-trips through the session text")
    func markerRoundTrips() {
        let record = SessionRecord(header: ["autosave"], cells: [
            .init(source: "m = lstm(text)", output: ""),
            .init(source: "train m text steps=2000 checkpoint_every=100", output: "",
                  checkpoints: [.init(path: "s/cell-2-m-unfinished.safetensors", sha256: "ab12", variable: "m")],
                  unfinished: .init(variable: "m", done: 500, steps: 2000)),
        ])
        let text = record.text
        #expect(text.hasSuffix("#@ unfinished m 500 of 2000 steps\n#@ checkpoint m s/cell-2-m-unfinished.safetensors sha256=ab12\n"))
        #expect(SessionRecord.parse(text) == record)
        // A malformed marker is a comment like any other.
        #expect(SessionRecord.parse("a = 1\n#@ unfinished m five of 2000 steps\n").cells.first?.unfinished == nil)
    }
}
