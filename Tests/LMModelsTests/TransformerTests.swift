import Foundation
import Testing
@testable import LMCore
@testable import LMModels

/// The transformer: its whole-model gradient against finite differences, causality, learning, checkpoints,
/// and its log-probs against PyTorch's for the checked-in golden model.
@Suite("Transformer")
struct TransformerTests {
    static let tiny = TransformerModel.Config(vocabSize: 5, layers: 2, heads: 2, dim: 4, context: 6)

    /// Every parameter moved off its initial value (layer norms 1, biases 0), so that no term of the gradient hides.
    func perturbedModel(_ config: TransformerModel.Config, seed: UInt64) throws -> TransformerModel {
        var rng = RandomSource(seed: seed)
        let m = try TransformerModel(config, rng: &rng)
        for e in m.parameters.entries {
            let noise = try Tensor.randn(e.tensor.shape, rng: &rng)
            for i in 0..<e.tensor.count { e.tensor.data[i] += 0.3 * noise.data[i] }
        }
        return m
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let model = try perturbedModel(Self.tiny, seed: 3)
        let ids: [Int32] = [1, 4, 0, 2, 3, 3, 0, 1, 2, 4]  // two rows of five
        let targets: [Int32] = [4, 0, 2, 3, 1, 0, 1, 2, 4, 4]
        let params = model.parameters
        let result = try Tensor.gradcheck(params.tensors, epsilon: 1e-2, tolerance: 2e-2) { xs in
            let m = try TransformerModel(Self.tiny, parameters: NamedParameters(zip(params.names, xs).map { ($0, $1) }))
            return try m.loss(ids: ids, targets: targets, batch: 2)
        }
        #expect(result.passed, "\(result)")
        #expect(result.checked == params.scalarCount)
    }

    @Test func aPositionReadsOnlyThePast() throws {
        let model = try perturbedModel(Self.tiny, seed: 4)
        let a = try model.logits(ids: [1, 2, 3, 4, 0, 1], batch: 1).data
        let b = try model.logits(ids: [1, 2, 3, 0, 4, 4], batch: 1).data  // the last three differ
        let V = Self.tiny.vocabSize
        #expect(Array(a[0..<(3 * V)]) == Array(b[0..<(3 * V)]))
        #expect(Array(a[(3 * V)..<(4 * V)]) != Array(b[(3 * V)..<(4 * V)]))
        #expect(throws: ModelError.self) { try model.logits(ids: [1, 2, 3, 4, 0, 1, 2], batch: 1) }  // longer than the context
        #expect(throws: ModelError.self) { try model.logits(ids: [1, 9], batch: 1) }
    }

    @Test func configurationsAreChecked() throws {
        var rng = RandomSource(seed: 1)
        #expect(throws: ModelError.self) { try TransformerModel(.init(vocabSize: 5, layers: 1, heads: 3, dim: 4, context: 4), rng: &rng) }
        #expect(throws: ModelError.self) { try TransformerModel(.init(vocabSize: 5, layers: 0, heads: 1, dim: 4, context: 4), rng: &rng) }
        // 48 blocks of width 2048 are 2.4 billion weights: refused before anything is allocated.
        #expect(throws: ModelError.self) { try TransformerModel.Config(vocabSize: 65, layers: 48, heads: 16, dim: 2048, context: 2048).validate() }
    }

    @Test func learnsARepeatedTextAndScoresEverySymbolOnce() throws {
        let c = try Corpus(text: String(repeating: "abcabd abcabe ", count: 120))
        let s = try CorpusSplits(c, SplitSpec(val: 0.1, batch: 4, seq: 8))
        var rng = RandomSource(seed: 2)
        let model = try TransformerModel(.init(vocabSize: c.vocabulary.count, layers: 1, heads: 2, dim: 16, context: 16), rng: &rng)
        let before = try model.evaluate(s.val, batch: 4, seq: 8)
        let t = try TransformerTrainer(model: model, part: s.train, batch: 4, seq: 16, optimizer: .adam, lr: 1e-2, clip: 1, clipMode: .norm)
        for _ in 0..<60 { try t.step() }
        let after = try model.evaluate(s.val, batch: 4, seq: 8)
        #expect(after.nats < before.nats - 0.8, "\(before.nats) → \(after.nats)")
        #expect(after.characters == s.val.count)
        #expect(t.stepCount == 60 && t.lossHistory.count == 60)
    }

    @Test func checkpointsRoundTripInNanoGPTsLayout() throws {
        let model = try perturbedModel(Self.tiny, seed: 5)
        let vocab = Vocabulary(scalars: Array("abcde".unicodeScalars))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-transformer-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try TransformerCheckpoint.save(model, vocabulary: vocab, steps: 7, lossHistory: [2, 1.5], to: url)
        let file = try SafeTensorsFile.read(from: url)
        #expect(file["lm_head.weight"]?.values == model.parameters["transformer.wte.weight"]?.data)
        #expect(file["transformer.h.1.mlp.c_fc.weight"]?.shape == [16, 4])
        let back = try TransformerCheckpoint.load(file)
        #expect(back.steps == 7 && back.lossHistory == [2, 1.5] && back.vocabulary == vocab)
        let ids: [Int32] = [0, 3, 2, 4, 1]
        #expect(try back.model.tokenLogProbs(ids) == model.tokenLogProbs(ids))
    }

    /// Golden/transformer-tiny.safetensors is a model lmsh trained and saved; Golden/transformer-tiny-logprobs.json
    /// holds the log-probs a nanoGPT-style PyTorch module computed after loading that file
    /// (Tests/TorchInterop/check_transformer.py --golden, torch 2.x on CPU).
    @Test func logProbsMatchPyTorchsOnTheGoldenModel() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        let file = try SafeTensorsFile.read(from: dir.appendingPathComponent("transformer-tiny.safetensors"))
        let loaded = try TransformerCheckpoint.load(file)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("transformer-tiny-logprobs.json"))) as? [String: Any]
        let text = try #require(json?["text"] as? String)
        let expected = try #require(json?["logprobs"] as? [Double])
        let ids = try loaded.vocabulary.encode(text)
        let mine = try loaded.model.tokenLogProbs(ids)
        #expect(mine.count == expected.count && mine.count > 20)
        let worst = zip(mine, expected).map { Swift.abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4, "max |lmsh − PyTorch| = \(worst)")
    }
}
