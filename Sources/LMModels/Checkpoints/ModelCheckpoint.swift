import Foundation
import LMCore

/// Saving and loading models as safetensors files.
///
/// Tensor names are those of PyTorch's word-language-model `RNNModel` (see `RecurrentModel`), so the
/// model tensors of a standard LSTM, GRU or tanh-RNN checkpoint load into `torch.nn.LSTM`/`GRU`/`RNN`
/// plus `nn.Linear` with `load_state_dict`. The coupled LSTM uses the same names with its own gate
/// layout (blocks f, o, g). String metadata describes the model (`lmsh.*` keys); a training checkpoint
/// adds tensors under `lmsh.train.*` (optimizer moments, carried state) that PyTorch users filter out.
public enum ModelCheckpoint {
    public static let formatVersion = "1"

    /// What a checkpoint holds besides the model.
    public struct Info: Sendable {
        public var vocabulary: Vocabulary
        public var step: Int = 0
        public var splitSummary: String = ""
        public var lossHistory: [Float] = []
        /// Per step, per parameter: the update-to-data ratio the training monitor showed (`m.update_ratio`).
        public var updateRatios: [[Float]] = []
        public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }
    }

    static func metadata(_ c: ModelConfig, _ info: Info) throws -> [String: String] {
        let vocab = info.vocabulary.unit == .word ? info.vocabulary.words : info.vocabulary.scalars.map { String($0) }
        let vocabJSON = JSONWriter.array(vocab)
        let history = JSONWriter.array(info.lossHistory.map(Double.init), digits: 9)
        // Four digits of a log10 ratio are more than a monitor reads; NaN (an all-zero parameter) is null.
        let ratios = "[" + info.updateRatios.map { JSONWriter.array($0.map(Double.init), digits: 4) }.joined(separator: ",") + "]"
        return [
            "lmsh.update_ratio": ratios,
            "format": "lmsh-checkpoint", "lmsh.version": formatVersion,
            "lmsh.model": "rnn-lm", "lmsh.cell": c.cell.rawValue,
            "lmsh.vocab_size": String(c.vocabSize), "lmsh.hidden": String(c.hidden), "lmsh.layers": String(c.layers),
            "lmsh.embed": String(c.embed), "lmsh.dropout": String(c.dropout), "lmsh.init": c.initialization.rawValue,
            "lmsh.gate_order": c.cell.gateNames.joined(separator: ","),
            "lmsh.vocabulary": vocabJSON, "lmsh.step": String(info.step), "lmsh.split": info.splitSummary,
            "lmsh.loss_history": history, "lmsh.decoder": c.decoder.rawValue,
            "lmsh.unit": info.vocabulary.unitName, "lmsh.lower": String(info.vocabulary.lower), "lmsh.tie": String(c.tie),
        ].merging(c.cell.definition.checkpointMetadata) { _, cell in cell }
    }

    /// The safetensors content for a model (and, optionally, extra tensors and metadata).
    public static func file(
        _ model: RecurrentModel, _ info: Info, extra: [SafeTensorsEntry] = [], extraMetadata: [String: String] = [:]
    ) throws -> SafeTensorsFile {
        guard info.vocabulary.count == model.config.vocabSize else {
            throw ModelError("save: the vocabulary has \(info.vocabulary.count) symbols, the model \(model.config.vocabSize)")
        }
        let entries = model.parameters.entries.map {
            SafeTensorsEntry(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.data)
        }
        var meta = try metadata(model.config, info)
        meta.merge(extraMetadata) { _, new in new }
        return SafeTensorsFile(entries: entries + extra, metadata: meta)
    }

    /// Writes a model checkpoint atomically.
    public static func save(_ model: RecurrentModel, _ info: Info, to url: URL) throws {
        try file(model, info).write(to: url)
    }

    /// Reads a model back, checking every tensor's presence and shape against the metadata.
    /// `cells` names cells besides the built-in ones (a cell defined outside lmsh's table).
    public static func load(from url: URL, cells: [CellKind] = []) throws -> (model: RecurrentModel, info: Info, file: SafeTensorsFile) {
        let f = try SafeTensorsFile.read(from: url)
        let (model, info) = try model(from: f, cells: cells)
        return (model, info, f)
    }

    public static func model(from f: SafeTensorsFile, cells: [CellKind] = []) throws -> (RecurrentModel, Info) {
        let m = f.metadata
        func field(_ key: String) throws -> String {
            guard let v = m[key] else { throw CheckpointError(.invalidMetadata, "metadata \(key) is missing: not an lmsh model checkpoint?") }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard let v = Int(try field(key)) else { throw CheckpointError(.invalidMetadata, "metadata \(key) is not an integer") }
            return v
        }
        guard let version = m["lmsh.version"] else {
            throw CheckpointError(.invalidMetadata, "not an lmsh checkpoint: a safetensors file without lmsh's metadata (lmsh.version, lmsh.cell, …)")
        }
        guard version == formatVersion else {
            throw CheckpointError(.invalidMetadata, "format version \(version) is not \(formatVersion)")
        }
        guard let cell = CellKind.named(try field("lmsh.cell"), among: cells) else {
            throw CheckpointError(.invalidMetadata, "unknown cell \(m["lmsh.cell"] ?? "")")
        }
        if let order = m["lmsh.gate_order"], order != cell.gateNames.joined(separator: ",") {
            throw CheckpointError(.invalidMetadata, "lmsh.gate_order \(order) is not the \(cell.name) cell's \(cell.gateNames.joined(separator: ","))")
        }
        let vocabulary = try Vocabulary.read(checkpointMetadata: m)
        var config = ModelConfig(
            cell: cell, vocabSize: try int("lmsh.vocab_size"), hidden: try int("lmsh.hidden"), layers: try int("lmsh.layers"),
            embed: try int("lmsh.embed"), dropout: Float(m["lmsh.dropout"] ?? "0") ?? 0,
            initialization: ModelConfig.Initialization(rawValue: m["lmsh.init"] ?? "") ?? .pytorch)
        config.decoder = ModelConfig.DecoderLayout(rawValue: m["lmsh.decoder"] ?? "") ?? .pytorch
        config.tie = m["lmsh.tie"] == "true"
        do { try config.validate() } catch { throw CheckpointError(.invalidMetadata, "\(error)") }
        guard vocabulary.count == config.vocabSize else {
            throw CheckpointError(.invalidMetadata, "the vocabulary has \(vocabulary.count) symbols, lmsh.vocab_size says \(config.vocabSize)")
        }
        var params: [(name: String, tensor: Tensor)] = []
        for (name, shape) in RecurrentModel.expectedShapes(config) {
            guard let e = f[name] else { throw CheckpointError(.invalidEntry, "tensor \(name) is missing for a \(cell.rawValue) model") }
            guard e.shape == shape else {
                throw CheckpointError(.invalidEntry, "tensor \(name) has shape \(shapeString(e.shape)), the model needs \(shapeString(shape))")
            }
            params.append((name, try Tensor(shape: e.shape, data: e.values, requiresGrad: true)))
        }
        let model = try RecurrentModel(config, parameters: NamedParameters(params))
        var info = Info(vocabulary: vocabulary)
        info.step = Int(m["lmsh.step"] ?? "0") ?? 0
        info.splitSummary = m["lmsh.split"] ?? ""
        if let h = m["lmsh.loss_history"], let arr = try? JSONSerialization.jsonObject(with: Data(h.utf8)) as? [Double] {
            info.lossHistory = arr.map(Float.init)
        }
        if let u = m["lmsh.update_ratio"], let rows = try? JSONSerialization.jsonObject(with: Data(u.utf8)) as? [[Any]] {
            info.updateRatios = rows.map { $0.map { ($0 as? NSNumber).map { Float(truncating: $0) } ?? .nan } }
        }
        return (model, info)
    }
}

extension ModelCheckpoint {
    /// Whether the file is an lmsh checkpoint: a safetensors header (its 8-byte length, then JSON) whose
    /// metadata names lmsh's format. Reads the header only; `save` replaces only such files.
    public static func isCheckpoint(at url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        guard let size = try? h.read(upToCount: 8), size.count == 8 else { return false }
        let n = size.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n >= 2, n <= UInt64(SafeTensorsFile.maxHeaderLength), let header = try? h.read(upToCount: Int(n)),
              header.count == Int(n), header.first == UInt8(ascii: "{") else { return false }
        let text = String(decoding: header, as: UTF8.self)
        return text.contains("\"format\":\"lmsh-checkpoint\"") || text.contains("\"lmsh.version\"")
    }
}
