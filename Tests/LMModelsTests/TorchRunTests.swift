import Foundation
import LMCore
import Testing
@testable import LMModels

/// The run folder handed to PyTorch (`TorchRun`), checked with lmsh's own readers: every tensor is the
/// trainer's (weights, optimizer moments under torch.optim's keys, carried state in nn.LSTM's layout), the
/// streams give back every window the batcher serves, and reading the folder gives the model back.
/// (PyTorch continuing it is `make test-torch`.)
@Suite("Torch run folder")
struct TorchRunTests {
    static let text = String(repeating: "the cat sat on the mat.\nthe dog sat on the log.\n", count: 30)

    func trainer(_ opt: OptimizerKind, batch: Int, seq: Int, cell: CellKind = .lstm, steps: Int = 5) throws -> Trainer {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 5)
        let m = try RecurrentModel(ModelConfig(cell: cell, vocabSize: corpus.vocabulary.count, hidden: 6, layers: 2), rng: &rng)
        var s = TrainSettings()
        (s.batch, s.seq, s.optimizer, s.lr) = (batch, seq, opt, 1e-2)
        let t = try Trainer(model: m, splits: splits, settings: s)
        try t.train(steps: steps)
        return t
    }

    func folder() throws -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-torchrun-\(UUID().uuidString)/run")
    }

    /// The ids of a `.bin` file (uint8 or int32, little-endian).
    func ids(_ url: URL, wide: Bool) throws -> [Int32] {
        let d = try Data(contentsOf: url)
        if !wide { return d.map { Int32($0) } }
        return stride(from: 0, to: d.count, by: 4).map { (i: Int) -> Int32 in
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32(d[i + k]) << UInt32(8 * k) }
            return Int32(bitPattern: v)
        }
    }

    @Test("every tensor is the trainer's, under PyTorch's names", arguments: [OptimizerKind.adam, .rmsprop, .sgd, .adagrad, .gd])
    func tensorsAreTheTrainers(_ kind: OptimizerKind) throws {
        let t = try trainer(kind, batch: 4, seq: 8)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try TorchRun.write(try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary), to: dir)
        let f = try SafeTensorsFile.read(from: dir.appendingPathComponent("checkpoint.safetensors"))
        for e in t.model.parameters.entries {
            #expect(f[e.name]?.values == e.tensor.data && f[e.name]?.shape == e.tensor.shape, "\(e.name)")
        }
        let keys = TorchRun.stateKeys(kind), s = t.saveState()
        for (k, e) in t.model.parameters.entries.enumerated() {
            if let first = keys.first { #expect(f["optim.\(e.name).\(first)"]?.values == s.optimizerFirst[k] && f["optim.\(e.name).\(first)"]?.shape == e.tensor.shape) }
            if let second = keys.second { #expect(f["optim.\(e.name).\(second)"]?.values == s.optimizerSecond[k]) }
            #expect(f["optim.\(e.name).step"]?.values == (kind == .gd ? nil : [5]))
        }
        #expect(kind != .adam || keys == ("exp_avg", "exp_avg_sq"))
        #expect(kind != .rmsprop || keys == (nil, "square_avg"))
        // nn.LSTM's (h0, c0): [layers, batch, hidden], stream-major inside a layer as lmsh keeps it.
        #expect(f["state.h"]?.shape == [2, 4, 6] && f["state.h"]?.values == s.hidden.flatMap { $0 })
        #expect(f["state.c"]?.values == s.cells.flatMap { $0 })
        #expect(s.hidden.flatMap { $0 }.contains { $0 != 0 }, "the carried state should not be zero after 5 steps")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as? [String: Any])
        let position = try #require(run["position"] as? [String: Int])
        #expect(position == ["step": 5, "epoch": t.batcher.position.epoch, "window": t.batcher.position.window])
        #expect((run["loss_history"] as? [Double])?.map(Float.init) == t.lossHistory)
        #expect((run["optimizer"] as? [String: Any])?["kind"] as? String == kind.rawValue)
        #expect((run["schedule"] as? [String: Any])?["base"] as? Double == 0.01)
    }

    @Test("the streams serve every window the batcher serves", arguments: [(4, 8), (2, 8), (3, 5)])
    func streamsAreTheBatchersWindows(_ shape: (Int, Int)) throws {
        let t = try trainer(.rmsprop, batch: shape.0, seq: shape.1, steps: 1)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let files = try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary)
        try TorchRun.write(files, to: dir)
        let B = t.batcher.batch, S = t.batcher.seq, W = t.batcher.windowsPerEpoch, L = W * S
        let rows = try ids(dir.appendingPathComponent("train.bin"), wide: false)
        #expect(rows.count == B * (L + 1))
        let separate = files.contains { $0.name == "train_targets.bin" }
        // The split's batch and seq (4, 8) line its pieces up with the streams; other shapes need the targets.
        #expect(separate == (shape != (4, 8)))
        let targets = separate ? try ids(dir.appendingPathComponent("train_targets.bin"), wide: false) : []
        for w in 0..<W {
            let b = t.batcher.batch(at: w)
            for r in 0..<B {
                let x = Array(rows[(r * (L + 1) + w * S)..<(r * (L + 1) + (w + 1) * S)])
                let y = separate ? Array(targets[(r * L + w * S)..<(r * L + (w + 1) * S)])
                    : Array(rows[(r * (L + 1) + w * S + 1)..<(r * (L + 1) + (w + 1) * S + 1)])
                #expect(x == Array(b.inputs[(r * S)..<((r + 1) * S)]) && y == Array(b.targets[(r * S)..<((r + 1) * S)]), "window \(w), stream \(r)")
            }
        }
    }

    @Test("reading the folder gives the model, its steps and history back")
    func roundTrip() throws {
        let t = try trainer(.adam, batch: 4, seq: 8)
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try TorchRun.write(try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary), to: dir)
        #expect(TorchRun.inspect(dir) == .lmshRun)
        let back = try TorchRun.read(from: dir)
        #expect(back.model.config == t.model.config && back.info.step == 5 && back.info.lossHistory == t.lossHistory)
        for (a, b) in zip(back.model.parameters.entries, t.model.parameters.entries) { #expect(a.name == b.name && a.tensor.data == b.tensor.data) }
        #expect(back.segments == ["lmsh: steps 0…5"])
        // Writing again replaces the run whole; nothing is left beside it.
        try t.train(steps: 2)
        try TorchRun.write(try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary), to: dir)
        #expect(try TorchRun.read(from: dir).info.step == 7)
        let beside = try FileManager.default.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path)
        #expect(beside == ["run"])
    }

    @Test("a cell torch.nn has no module for is refused, saying why")
    func coupledRefused() throws {
        let t = try trainer(.adam, batch: 4, seq: 8, cell: .coupledLSTM, steps: 1)
        #expect(throws: ModelError.self) { try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary) }
    }

    @Test("what is at a path decides whether export may replace it")
    func inspectFolders() throws {
        let dir = try folder()
        let fm = FileManager.default
        defer { try? fm.removeItem(at: dir.deletingLastPathComponent()) }
        #expect(TorchRun.inspect(dir) == .nothing)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        #expect(TorchRun.inspect(dir) == .emptyFolder)
        try Data("notes".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        guard case .other = TorchRun.inspect(dir) else { Issue.record("a folder with notes.txt is not a run"); return }
        try fm.removeItem(at: dir)
        let t = try trainer(.adam, batch: 4, seq: 8, steps: 1)
        try TorchRun.write(try TorchRun.files(t, vocabulary: try Corpus(text: Self.text).vocabulary), to: dir)
        let runURL = dir.appendingPathComponent("run.json")
        let edited = try String(contentsOf: runURL, encoding: .utf8).replacingOccurrences(of: "\"written_by\" : \"lmsh\"", with: "\"written_by\" : \"train.py\"")
        try edited.write(to: runURL, atomically: true, encoding: .utf8)
        #expect(TorchRun.inspect(dir) == .continuedRun)
    }
}
