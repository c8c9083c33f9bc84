import Foundation
import LMCore
import Testing
@testable import LMModels

/// Word corpora: the tokenizer's documented rules, the vocabulary's order and `<unk>`, splits and batches
/// as for characters, tied weights (fused path against the reference one), checkpoints that carry the words.
@Suite("Word corpora and word models")
struct WordCorpusTests {
    @Test func tokenizerFollowsItsRules() {
        #expect(WordTokenizer.tokens("The cat's hat, isn't it?") == ["The", "cat's", "hat", ",", "isn't", "it", "?"])
        // Lines end in <eos>, an empty line too; a prompt's last line gets none, a corpus's does.
        #expect(WordTokenizer.tokens("a b\n\nc") == ["a", "b", "<eos>", "<eos>", "c"])
        #expect(WordTokenizer.tokens("a b\n\nc", finalEOS: true) == ["a", "b", "<eos>", "<eos>", "c", "<eos>"])
        #expect(WordTokenizer.tokens("x\r\n", finalEOS: true) == ["x", "<eos>"])
        // Unicode letters and marks are letters; digits join words; hyphens and quotes split.
        #expect(WordTokenizer.tokens("naïve Straße 東京 e\u{301}t\u{e9} 42nd well-known 'tis") ==
                ["naïve", "Straße", "東京", "e\u{301}t\u{e9}", "42nd", "well", "-", "known", "'", "tis"])
        // An apostrophe not between letters is punctuation; ’ works like '.
        #expect(WordTokenizer.tokens("dogs' o’er") == ["dogs", "'", "o’er"])
        // PTB's spelled-out tokens are read as themselves; other angle brackets are punctuation.
        #expect(WordTokenizer.tokens("a <unk> b<eos>c <b>") == ["a", "<unk>", "b", "<eos>", "c", "<", "b", ">"])
        #expect(WordTokenizer.tokens("To BE", lower: true) == ["to", "be"])
        #expect(WordTokenizer.tokens("<un") == ["<", "un"])
    }

    @Test func vocabularyIsTheMostFrequentWithUnkAndEOSFirst() throws {
        let c = try Corpus(words: "b a b c\nb a d\n", vocab: 4)
        // Counts: b 3, a 2, c 1, d 1, <eos> 2: kept b, a; c and d are <unk>.
        #expect(c.vocabulary.words == ["<unk>", "<eos>", "b", "a"])
        #expect(c.ids == [2, 3, 2, 0, 1, 2, 3, 0, 1])
        #expect(abs(c.unkRate - 2.0 / 9) < 1e-12)
        // Ties by scalar order: c before d.
        let d = try Corpus(words: "d c\n", vocab: 3)
        #expect(d.vocabulary.words == ["<unk>", "<eos>", "c"])
        let e = c.vocabulary.encodeWords("b zebra a")
        #expect(e.ids == [2, 0, 3] && e.unknown == ["zebra"])
        #expect(try c.vocabulary.decode([2, 3, 1, 2]) == "b a\nb")
        #expect(throws: CorpusError.self) { try Corpus(words: "\u{3000} ", vocab: 10) }
    }

    @Test func splitsAndBatchesAreTheCharacterOnes() throws {
        let text = (0..<300).map { "w\($0 % 37) x\($0 % 11) ." }.joined(separator: "\n")
        let c = try Corpus(words: text, vocab: 30)
        let s = try CorpusSplits(c, SplitSpec(val: 0.1, batch: 4, seq: 5))
        #expect(s.train.count + s.val.count + s.dropped == c.count)
        var b = try Batcher(s.train, batch: 4, seq: 5)
        let first = b.next()
        #expect(first.inputs.count == 20 && first.targets[0] == first.inputs[1])
    }

    @Test func tiedWeightsAgreeWithTheReferencePath() throws {
        for cell in [CellKind.lstm, .gru, .rnn] {
            var config = ModelConfig(cell: cell, vocabSize: 7, hidden: 4, layers: 2, embed: 4, initialization: .pytorch)
            config.tie = true
            var rng = RandomSource(seed: 3)
            let model = try RecurrentModel(config, rng: &rng)
            #expect(model.parameters["decoder.weight"] == nil)
            let ids = (0..<12).map { _ in rng.nextInt(below: 7) }, targets = (0..<12).map { _ in rng.nextInt(below: 7) }
            let state = RecurrentState(config: config, batch: 3)
            let ref = try model.referenceForward(ids: ids, targets: targets, batch: 3, state: state)
            try ref.loss.backward()
            let refGrads = model.parameters.entries.map { ($0.name, $0.tensor.grad?.data ?? []) }
            model.parameters.zeroGrads()
            let fused = try FusedWindow(threads: 1).run(model, ids: ids, targets: targets, batch: 3, state: state, train: true)
            #expect(abs(fused.loss - (try ref.loss.item())) < 1e-5)
            for (name, expected) in refGrads {
                let got = model.parameters[name]?.grad?.data ?? []
                let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 1
                #expect(got.count == expected.count && worst < 2e-5, "\(cell.rawValue) \(name): \(worst)")
            }
            // And the reference path's tied gradient is the finite-difference one.
            let params = model.parameters
            let result = try Tensor.gradcheck(params.tensors, epsilon: 1e-2, tolerance: 2e-2) { xs in
                let m = try RecurrentModel(config, parameters: NamedParameters(zip(params.names, xs).map { ($0, $1) }))
                return try m.referenceForward(ids: ids, targets: targets, batch: 3, state: state).loss
            }
            #expect(result.passed, "\(result)")
        }
        var bad = ModelConfig(cell: .lstm, vocabSize: 7, hidden: 4, layers: 1, embed: 3)
        bad.tie = true
        #expect(throws: ModelError.self) { try bad.validate() }
    }

    @Test func checkpointsCarryTheWords() throws {
        let c = try Corpus(words: "the cat sat on the mat\nthe dog\n", vocab: 6, lower: true)
        var config = ModelConfig(cell: .gru, vocabSize: c.vocabulary.count, hidden: 5, layers: 1, embed: 5)
        config.tie = true
        var rng = RandomSource(seed: 1)
        let model = try RecurrentModel(config, rng: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("words-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelCheckpoint.save(model, ModelCheckpoint.Info(vocabulary: c.vocabulary), to: url)
        let (back, info, _) = try ModelCheckpoint.load(from: url)
        #expect(info.vocabulary == c.vocabulary && info.vocabulary.unit == .word && info.vocabulary.lower)
        #expect(back.config == config)
        #expect(back.parameters.names == model.parameters.names)
        for (a, b) in zip(back.parameters.tensors, model.parameters.tensors) { #expect(a.data == b.data) }
    }

    @Test func windowModelGradientsMatchFiniteDifferences() throws {
        let config = WindowModel.Config(n: 4, vocabSize: 6, embed: 3, hidden: 4, pad: 1)
        var rng = RandomSource(seed: 11)
        let model = try WindowModel(config, rng: &rng)
        let stream: [Int32] = [2, 5, 0, 3, 3, 4, 1, 2]
        let wins = model.windows(stream[...], history: [4])
        // Each window is the three symbols up to the position, padded with the history then the pad id.
        #expect(Array(wins[0..<3]) == [1, 4, 2] && Array(wins[3..<6]) == [4, 2, 5] && Array(wins[21..<24]) == [4, 1, 2])
        let targets: [Int32] = [5, 0, 3, 3, 4, 1, 2, 0]
        let params = model.parameters
        let result = try Tensor.gradcheck(params.tensors, epsilon: 1e-2, tolerance: 2e-2) { xs in
            let m = try WindowModel(config, parameters: NamedParameters(zip(params.names, xs).map { ($0, $1) }))
            return try m.loss(windows: wins, targets: targets)
        }
        #expect(result.passed, "\(result)")
        // The distribution after a context is the softmax of the same logits.
        let d = try model.distribution(after: [2, 5, 0])
        #expect(abs(d.reduce(0, +) - 1) < 1e-9)
        let l = try model.logits(windows: [2, 5, 0]).data
        let z = l.map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(d[3] - exp(Double(l[3])) / z) < 1e-6)
    }

    @Test func windowModelLearnsAndScoresTheRecurrentModelsPredictions() throws {
        let text = (0..<200).map { ["a b c d .", "a b e f .", "x b c y ."][$0 % 3] }.joined(separator: "\n")
        let c = try Corpus(words: text, vocab: 20)
        let s = try CorpusSplits(c, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 2)
        let model = try WindowModel(WindowModel.Config(n: 3, vocabSize: c.vocabulary.count, embed: 8, hidden: 16, pad: 1), rng: &rng)
        let before = try model.evaluate(s.val, batch: 4, seq: 8)
        let t = try WindowTrainer(model: model, part: s.train, batch: 4, seq: 8, optimizer: .adam, lr: 0.02, clip: 5, clipMode: .norm)
        for _ in 0..<150 { try t.step() }
        let after = try model.evaluate(s.val, batch: 4, seq: 8)
        #expect(after.nats < before.nats - 1, "\(before.nats) → \(after.nats)")
        #expect(after.characters == s.val.count && after.unit == "char" || after.characters == s.val.count)
        var r = RandomSource(seed: 1)
        let rnn = try RecurrentModel(ModelConfig(cell: .lstm, vocabSize: c.vocabulary.count, hidden: 4, layers: 1), rng: &r)
        #expect(try rnn.evaluate(s.val, batch: 4, seq: 8).characters == after.characters)
    }
}
