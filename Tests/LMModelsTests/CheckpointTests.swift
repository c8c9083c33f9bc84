import Foundation
import LMCore
import Testing
@testable import LMModels

@Suite("Model and training checkpoints")
struct CheckpointTests {
    static let text = String(repeating: "to be or not to be, that is the question.\n", count: 20)

    func tempURL(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-ckpt-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    func trainer(_ cell: CellKind = .lstm, embed: Int = 0) throws -> (Trainer, Vocabulary) {
        let corpus = try Corpus(text: Self.text)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 3, seq: 7))
        var rng = RandomSource(seed: 9)
        let model = try RecurrentModel(
            ModelConfig(cell: cell, vocabSize: corpus.vocabulary.count, hidden: 8, layers: 2, embed: embed, dropout: 0.1), rng: &rng)
        var s = TrainSettings()
        s.batch = 3
        s.seq = 7
        return (try Trainer(model: model, splits: splits, settings: s), corpus.vocabulary)
    }

    @Test("model round trip gives the same predictions", arguments: CellKind.builtIn)
    func roundTrip(_ cell: CellKind) throws {
        let (t, vocab) = try trainer(cell, embed: cell == .gru ? 4 : 0)
        try t.train(steps: 3)
        let url = tempURL("m.safetensors")
        var info = ModelCheckpoint.Info(vocabulary: vocab)
        info.step = 3
        info.lossHistory = t.lossHistory
        try ModelCheckpoint.save(t.model, info, to: url)
        let (loaded, loadedInfo, _) = try ModelCheckpoint.load(from: url)
        #expect(loaded.config == t.model.config)
        #expect(loadedInfo.vocabulary == vocab)
        #expect(loadedInfo.step == 3)
        #expect(loadedInfo.lossHistory == t.lossHistory)
        let a = try StepRunner(t.model).feed(2), b = try StepRunner(loaded).feed(2)
        #expect(a == b)
    }

    @Test func exactResumeThroughAFile() throws {
        let (straight, vocab) = try trainer()
        try straight.train(steps: 8)
        let (first, _) = try trainer()
        try first.train(steps: 5)
        let url = tempURL("train.safetensors")
        try first.saveCheckpoint(to: url, vocabulary: vocab)
        let (resumed, _) = try trainer()
        try resumed.loadCheckpoint(from: url)
        try resumed.train(steps: 3)
        #expect(resumed.saveState() == straight.saveState(), "resumed state differs from straight training")
    }

    @Test func corruptedOrMismatchedFilesAreClearErrors() throws {
        let (t, vocab) = try trainer()
        let url = tempURL("m.safetensors")
        try ModelCheckpoint.save(t.model, ModelCheckpoint.Info(vocabulary: vocab), to: url)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: url)
        #expect(throws: CheckpointError.self) { try ModelCheckpoint.load(from: url) }

        // A file that is valid safetensors but lacks a tensor the model needs.
        var f = try ModelCheckpoint.file(t.model, ModelCheckpoint.Info(vocabulary: vocab))
        f.entries.removeAll { $0.name == "decoder.bias" }
        try f.write(to: url)
        #expect {
            try ModelCheckpoint.load(from: url)
        } throws: { "\($0)".contains("decoder.bias") }

        // A training checkpoint into a model of another size.
        let big = try trainer(.gru)
        try t.saveCheckpoint(to: url, vocabulary: vocab)
        #expect(throws: CheckpointError.self) { try big.0.loadCheckpoint(from: url) }
    }
}
