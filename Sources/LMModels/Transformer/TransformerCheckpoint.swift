import Foundation
import LMCore

/// Transformers as safetensors files in nanoGPT's state-dict layout: every tensor under its nanoGPT name,
/// lm_head.weight written out as the copy of transformer.wte.weight that a tied state dict holds, so the
/// file loads into nanoGPT's GPT (or any module with those names) with `load_state_dict`; lmsh's metadata
/// (`lmsh.model` = `transformer-lm`, sizes, vocabulary, steps) rides in the header.
public enum TransformerCheckpoint {
    public static let kind = "transformer-lm"

    public static func save(_ m: TransformerModel, vocabulary: Vocabulary, steps: Int, lossHistory: [Float], to url: URL) throws {
        let vocab = vocabulary.unit == .word ? vocabulary.words : vocabulary.scalars.map { String($0) }
        let c = m.config
        let meta: [String: String] = [
            "format": "lmsh-checkpoint", "lmsh.version": ModelCheckpoint.formatVersion, "lmsh.model": kind,
            "lmsh.vocab_size": String(c.vocabSize), "lmsh.layers": String(c.layers), "lmsh.heads": String(c.heads),
            "lmsh.dim": String(c.dim), "lmsh.context": String(c.context),
            "lmsh.vocabulary": JSONWriter.array(vocab), "lmsh.unit": vocabulary.unitName,
            "lmsh.lower": String(vocabulary.lower), "lmsh.step": String(steps),
            "lmsh.loss_history": JSONWriter.array(lossHistory.map(Double.init), digits: 9),
        ]
        var entries = m.parameters.entries.map { SafeTensorsEntry(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.data) }
        let wte = m.p("transformer.wte.weight")
        entries.append(SafeTensorsEntry(name: "lm_head.weight", shape: wte.shape, values: wte.data))
        try SafeTensorsFile(entries: entries, metadata: meta).write(to: url)
    }

    public static func isTransformer(_ f: SafeTensorsFile) -> Bool { f.metadata["lmsh.model"] == kind }

    public static func load(_ f: SafeTensorsFile) throws -> (model: TransformerModel, vocabulary: Vocabulary, steps: Int, lossHistory: [Float]) {
        let m = f.metadata
        func int(_ k: String) throws -> Int {
            guard let s = m[k], let v = Int(s) else { throw CheckpointError(.invalidMetadata, "metadata \(k) is missing or not an integer") }
            return v
        }
        let vocabulary = try Vocabulary.read(checkpointMetadata: m)
        let config = TransformerModel.Config(vocabSize: try int("lmsh.vocab_size"), layers: try int("lmsh.layers"), heads: try int("lmsh.heads"),
                                             dim: try int("lmsh.dim"), context: try int("lmsh.context"))
        do { try config.validate() } catch { throw CheckpointError(.invalidMetadata, "\(error)") }
        guard vocabulary.count == config.vocabSize else {
            throw CheckpointError(.invalidMetadata, "the vocabulary has \(vocabulary.count) symbols, lmsh.vocab_size says \(config.vocabSize)")
        }
        var params: [(name: String, tensor: Tensor)] = []
        for (name, shape) in config.shapes {
            guard let e = f[name] else { throw CheckpointError(.invalidEntry, "tensor \(name) is missing for a transformer") }
            guard e.shape == shape else { throw CheckpointError(.invalidEntry, "tensor \(name) has shape \(shapeString(e.shape)), the model needs \(shapeString(shape))") }
            params.append((name, try Tensor(shape: e.shape, data: e.values, requiresGrad: true)))
        }
        if let head = f["lm_head.weight"], let wte = f["transformer.wte.weight"], head.values != wte.values {
            throw CheckpointError(.invalidEntry, "lm_head.weight differs from transformer.wte.weight; lmsh's transformer ties them, as nanoGPT does")
        }
        var history: [Float] = []
        if let h = m["lmsh.loss_history"], let arr = try? JSONSerialization.jsonObject(with: Data(h.utf8)) as? [Double] { history = arr.map(Float.init) }
        return (try TransformerModel(config, parameters: NamedParameters(params)), vocabulary, Int(m["lmsh.step"] ?? "0") ?? 0, history)
    }
}
