import Foundation
import LMCore
import Testing
@testable import LMModels

/// A corpus read through a memory map (`MappedText`, files of 256 MB or more; here any size) is the corpus
/// read into memory: the same vocabulary and sizes, every batch of every split the same, and training on it
/// gives the same losses. ASCII and non-ASCII texts (the latter decoded from recorded offsets) both.
@Suite("Mapped corpora")
struct MappedTextTests {
    static let ascii = (0..<400).map { ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang."][$0 % 3] }.joined(separator: "\n")
    /// Two- three- and four-byte scalars, more than `MappedText.stride` symbols apart and between.
    static let unicode = (0..<700).map { ["naïve café", "Grüße — “quoted”", "日本語の文", "a 🐦 sang"][$0 % 4] }.joined(separator: "\n")

    func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-mapped-\(UUID().uuidString).txt")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("a mapped corpus serves the batches of the corpus in memory", arguments: [(0, SplitLayout.charRNN), (0, .contiguous), (1, .charRNN), (1, .contiguous)])
    func sameBatches(_ c: (Int, SplitLayout)) throws {
        let path = try file(c.0 == 0 ? Self.ascii : Self.unicode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let memory = try Corpus(contentsOfFile: path), mapped = try Corpus(contentsOfFile: path, mapAtLeast: 0)
        #expect(memory.mapped == nil && mapped.mapped != nil && mapped.ids.isEmpty)
        #expect(mapped.vocabulary == memory.vocabulary && mapped.count == memory.count)
        let spec = SplitSpec(val: 0.1, test: 0.05, layout: c.1, batch: 6, seq: 20)
        let a = try CorpusSplits(memory, spec), b = try CorpusSplits(mapped, spec)
        #expect(a.sizeReport == b.sizeReport)
        for name in ["train", "val", "test"] {
            let pa = try #require(a.part(name)), pb = try #require(b.part(name))
            #expect(pb.mapped?.followers == pa.followers && pb.count == pa.count)
            #expect(pb.mapped?.prefix(pa.count) == Array(pa.segments.joined()), "\(name)")
            for (batch, seq) in [(6, 20), (4, 7), (1, 33)] where pa.count >= batch * seq {
                let x = try Batcher(pa, batch: batch, seq: seq), y = try Batcher(pb, batch: batch, seq: seq)
                #expect(x.windowsPerEpoch == y.windowsPerEpoch)
                for w in 0..<x.windowsPerEpoch { #expect(x.batch(at: w) == y.batch(at: w), "\(name) \(batch)x\(seq) window \(w)") }
            }
        }
    }

    @Test("the pass reads the same in chunks of any size, a scalar straddling two chunks or not", arguments: [8, 9, 61, 4096])
    func chunks(_ size: Int) throws {
        let path = try file(Self.unicode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try MappedText(path: path), pieces = try MappedText(path: path, chunk: size)
        #expect(pieces.vocabulary == whole.vocabulary && pieces.count == whole.count && pieces.offsets == whole.offsets)
        #expect(whole.offsets?.count == (whole.count + MappedText.stride - 1) / MappedText.stride)
    }

    @Test("training on a mapped corpus gives the losses of training in memory")
    func sameTraining() throws {
        let path = try file(Self.unicode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var losses: [[Float]] = []
        for threshold in [Int.max, 0] {
            let corpus = try Corpus(contentsOfFile: path, mapAtLeast: threshold)
            let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 16))
            var rng = RandomSource(seed: 3)
            let m = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: corpus.vocabulary.count, hidden: 8, layers: 1), rng: &rng)
            var s = TrainSettings()
            (s.batch, s.seq, s.optimizer) = (4, 16, .adam)
            let t = try Trainer(model: m, splits: splits, settings: s)
            try t.train(steps: 8)
            losses.append(t.lossHistory)
            #expect(try m.evaluate(splits.val, batch: 4, seq: 16).nats.isFinite)
        }
        #expect(losses[0] == losses[1])
    }

    @Test("bad UTF-8 and too little text are refused as the corpus in memory refuses them")
    func refusals() throws {
        for (bytes, expected) in [([0x61, 0x62, 0xFF, 0x0A], "invalid byte 0xFF at byte offset 2 (line 1)"),
                                  ([0x61, 0x0A, 0xE2, 0x82], "invalid byte 0xE2 at byte offset 2 (line 2)"),
                                  ([0xED, 0xA0, 0x80, 0x61], "invalid byte 0xED at byte offset 0"),
                                  ([0x61], "a single character")] as [([UInt8], String)] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-mapped-\(UUID().uuidString).txt")
            try Data(bytes).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            for threshold in [Int.max, 0] {
                do {
                    _ = try Corpus(contentsOfFile: url.path, mapAtLeast: threshold)
                    Issue.record("\(bytes) was accepted")
                } catch let e as CorpusError {
                    #expect("\(e)".contains(expected), "\(threshold): \(e)")
                }
            }
        }
    }
}
