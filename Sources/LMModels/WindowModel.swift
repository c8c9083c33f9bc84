import Foundation
import LMCore

/// The fixed-window neural language model of Bengio et al. (2003), the lecture's predecessor of the RNN:
/// the last `n - 1` symbols are looked up in a shared embedding C, concatenated into x, and
///
///     h = tanh(d + H x),   logits = b + U h,   P(next | window) = softmax(logits)
///
/// (Bengio's optional direct connections W x are left out, as the lecture's slide does). Its forward is
/// written in LMCore's autodiff ops, so gradients come from the same engine as every other model and are
/// checked against finite differences. Windows that reach back before a stream's start are padded with
/// `pad` (`<eos>` for words: the start of a line).
public final class WindowModel {
    public struct Config: Sendable, Equatable {
        /// Order: the window holds the last `n - 1` symbols.
        public var n: Int
        public var vocabSize: Int
        public var embed: Int
        public var hidden: Int
        public var pad: Int32
        public init(n: Int, vocabSize: Int, embed: Int, hidden: Int, pad: Int32) {
            self.n = n
            self.vocabSize = vocabSize
            self.embed = embed
            self.hidden = hidden
            self.pad = pad
        }

        public func validate() throws {
            guard n >= 2 && n <= 64 else { throw ModelError("window: n \(n) must be in 2...64 (a window of n − 1 symbols)") }
            guard vocabSize >= 1 else { throw ModelError("window: vocabulary size must be at least 1") }
            guard embed >= 1 && embed <= 4096 else { throw ModelError("window: embed \(embed) must be in 1...4096") }
            guard hidden >= 1 && hidden <= 16384 else { throw ModelError("window: hidden \(hidden) must be in 1...16384") }
            guard pad >= 0 && Int(pad) < vocabSize else { throw ModelError("window: pad id \(pad) is outside the vocabulary") }
        }

        /// Names and shapes in model order (PyTorch-like names).
        public var shapes: [(String, [Int])] {
            [("encoder.weight", [vocabSize, embed]), ("hidden.weight", [hidden, (n - 1) * embed]), ("hidden.bias", [hidden]),
             ("decoder.weight", [vocabSize, hidden]), ("decoder.bias", [vocabSize])]
        }
    }

    public let config: Config
    public let parameters: NamedParameters

    /// Fresh weights: the embedding N(0, 1) as PyTorch's nn.Embedding, the layers uniform ±1/√fan-in.
    public init(_ config: Config, rng: inout RandomSource) throws {
        try config.validate()
        self.config = config
        var entries: [(name: String, tensor: Tensor)] = []
        for (name, shape) in config.shapes {
            if name == "encoder.weight" {
                entries.append((name, try Tensor.randn(shape, rng: &rng, requiresGrad: true)))
            } else {
                let fanIn = name.hasPrefix("hidden") ? (config.n - 1) * config.embed : config.hidden
                let b = 1 / Float(fanIn).squareRoot()
                entries.append((name, try Tensor.rand(shape, low: -b, high: b, rng: &rng, requiresGrad: true)))
            }
        }
        parameters = NamedParameters(entries)
    }

    /// A model around existing parameters (a checkpoint, or gradcheck's copies); names and shapes are checked.
    public init(_ config: Config, parameters: NamedParameters) throws {
        try config.validate()
        for (name, shape) in config.shapes {
            guard let t = parameters[name] else { throw ModelError("window: parameter \(name) is missing") }
            guard t.shape == shape else { throw ModelError("window: \(name) has shape \(shapeString(t.shape)), needs \(shapeString(shape))") }
        }
        self.config = config
        self.parameters = parameters
    }

    func p(_ name: String) -> Tensor { parameters[name] ?? Tensor(0) }

    /// Logits [N, V] for N windows given as N·(n−1) ids, oldest first within each window.
    public func logits(windows: [Int32]) throws -> Tensor {
        let w = config.n - 1
        guard !windows.isEmpty, windows.count % w == 0 else { throw ModelError("window: \(windows.count) ids do not fill windows of \(w)") }
        let rows = windows.count / w
        let x = try p("encoder.weight").gatherRows(Tensor(windows.map(Float.init))).reshape([rows, w * config.embed])
        let h = try x.matmul(p("hidden.weight").T).add(p("hidden.bias")).tanh()
        return try h.matmul(p("decoder.weight").T).add(p("decoder.bias"))
    }

    /// Mean cross-entropy of `targets` after `windows` (a graph: `backward()` fills the parameters' grads).
    public func loss(windows: [Int32], targets: [Int32]) throws -> Tensor {
        try logits(windows: windows).crossEntropy(targets: Tensor(targets.map(Float.init)))
    }

    /// The window before each position of a stream: `inputs[i-n+2...i]`, padded on the left; `history`
    /// holds the symbols before the stream (its last `n − 2` count).
    public func windows(_ inputs: ArraySlice<Int32>, history: [Int32] = []) -> [Int32] {
        let w = config.n - 1
        let before = Array(([Int32](repeating: config.pad, count: w) + history).suffix(w - 1))
        let all = before + inputs
        var out: [Int32] = []
        out.reserveCapacity(inputs.count * w)
        for i in 0..<inputs.count { out.append(contentsOf: all[i..<(i + w)]) }
        return out
    }

    /// P(next | the last n − 1 of `context`, padded), as probabilities.
    public func distribution(after context: [Int32]) throws -> [Double] {
        for id in context where id < 0 || Int(id) >= config.vocabSize { throw ModelError("window: id \(id) is outside the vocabulary") }
        let w = config.n - 1
        let window = Array(([Int32](repeating: config.pad, count: w) + context).suffix(w))
        let l = try Tensor.withoutGrad { try logits(windows: window) }.data
        let m = Double(l.max() ?? 0)
        let e = l.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Loss over a part with exactly the predictions a recurrent model's `evaluate` makes with this batch
    /// and seq (every symbol of the part once: the batcher's streams and the tail).
    public func evaluate(_ part: CorpusSplit, batch: Int, seq: Int, splitSummary: String = "", unit: String = "char",
                         shouldStop: () -> Bool = { false }) throws -> LossReport {
        let batcher = try Batcher(part, batch: batch, seq: seq)
        var total = 0.0, count = 0
        for s in batcher.streams {
            var start = s.inputs.startIndex
            while start < s.inputs.endIndex {
                if shouldStop() { break }
                let end = Swift.min(start + 256, s.inputs.endIndex)
                let hist = Array(s.inputs[Swift.max(s.inputs.startIndex, start - config.n)..<start])
                let win = windows(s.inputs[start..<end], history: hist)
                let l = try Tensor.withoutGrad { try loss(windows: win, targets: Array(s.targets[start..<end])) }
                total += Double(try l.item()) * Double(end - start)
                count += end - start
                start = end
            }
        }
        guard count > 0 else { throw ModelError("evaluate: the split is empty") }
        return LossReport(nats: total / Double(count), characters: count, splitSummary: splitSummary, unit: unit)
    }
}

/// Training a window model on a split's batches: the batcher's windows in order, each row's last symbols
/// carried to the next window (the model's only "state"), one optimizer step per window.
public final class WindowTrainer {
    public let model: WindowModel
    public var batcher: Batcher
    public let optimizer: Optimizer
    public var lr: Float
    public var clip: Float
    public var clipMode: ClipMode
    public private(set) var stepCount = 0
    public private(set) var lossHistory: [Float] = []
    var history: [[Int32]]

    public init(model: WindowModel, part: CorpusSplit, batch: Int, seq: Int, optimizer: OptimizerKind, lr: Float, clip: Float,
                clipMode: ClipMode, steps: Int = 0, lossHistory: [Float] = []) throws {
        self.model = model
        batcher = try Batcher(part, batch: batch, seq: seq)
        self.optimizer = Optimizer(OptimizerSettings(kind: optimizer), parameterCounts: model.parameters.tensors.map(\.count))
        self.lr = lr
        self.clip = clip
        self.clipMode = clipMode
        history = Array(repeating: [], count: batcher.batch)
        stepCount = steps
        self.lossHistory = lossHistory
    }

    /// One window: forward, backward, clip, update. Returns the loss and the gradient statistics.
    @discardableResult
    public func step() throws -> (loss: Float, stats: GradientStats) {
        let b = batcher.next()
        var wins: [Int32] = []
        wins.reserveCapacity(b.batch * b.seq * (model.config.n - 1))
        for r in 0..<b.batch {
            let row = b.inputs[(r * b.seq)..<((r + 1) * b.seq)]
            wins += model.windows(row, history: history[r])
            history[r] = Array((history[r] + row).suffix(model.config.n))
        }
        model.parameters.zeroGrads()
        let loss = try model.loss(windows: wins, targets: b.targets)
        try loss.backward()
        let stats = model.parameters.clipGradients(threshold: clip, mode: clipMode)
        optimizer.step(model.parameters, lr: lr)
        let value = try loss.item()
        stepCount += 1
        lossHistory.append(value)
        return (value, stats)
    }
}

/// Window models as safetensors files: the five tensors under their names, and lmsh metadata
/// (`lmsh.model` = `window-lm`, the order, sizes, pad id and vocabulary).
public enum WindowCheckpoint {
    public static func save(_ m: WindowModel, vocabulary: Vocabulary, steps: Int, lossHistory: [Float], to url: URL) throws {
        let vocab = vocabulary.unit == .word ? vocabulary.words : vocabulary.scalars.map { String($0) }
        let c = m.config
        let meta: [String: String] = [
            "format": "lmsh-checkpoint", "lmsh.version": ModelCheckpoint.formatVersion, "lmsh.model": "window-lm",
            "lmsh.n": String(c.n), "lmsh.vocab_size": String(c.vocabSize), "lmsh.embed": String(c.embed), "lmsh.hidden": String(c.hidden),
            "lmsh.pad": String(c.pad), "lmsh.vocabulary": JSONWriter.array(vocab), "lmsh.unit": vocabulary.unitName,
            "lmsh.lower": String(vocabulary.lower), "lmsh.step": String(steps),
            "lmsh.loss_history": JSONWriter.array(lossHistory.map(Double.init), digits: 9),
        ]
        let entries = m.parameters.entries.map { SafeTensorsEntry(name: $0.name, shape: $0.tensor.shape, values: $0.tensor.data) }
        try SafeTensorsFile(entries: entries, metadata: meta).write(to: url)
    }

    public static func isWindow(_ f: SafeTensorsFile) -> Bool { f.metadata["lmsh.model"] == "window-lm" }

    public static func load(_ f: SafeTensorsFile) throws -> (model: WindowModel, vocabulary: Vocabulary, steps: Int, lossHistory: [Float]) {
        let m = f.metadata
        func int(_ k: String) throws -> Int {
            guard let s = m[k], let v = Int(s) else { throw CheckpointError(.invalidMetadata, "metadata \(k) is missing or not an integer") }
            return v
        }
        let vocabulary = try Vocabulary.read(checkpointMetadata: m)
        let config = WindowModel.Config(n: try int("lmsh.n"), vocabSize: try int("lmsh.vocab_size"), embed: try int("lmsh.embed"),
                                        hidden: try int("lmsh.hidden"), pad: Int32(clamping: try int("lmsh.pad")))
        do { try config.validate() } catch { throw CheckpointError(.invalidMetadata, "\(error)") }
        guard vocabulary.count == config.vocabSize else {
            throw CheckpointError(.invalidMetadata, "the vocabulary has \(vocabulary.count) symbols, lmsh.vocab_size says \(config.vocabSize)")
        }
        var params: [(name: String, tensor: Tensor)] = []
        for (name, shape) in config.shapes {
            guard let e = f[name] else { throw CheckpointError(.invalidEntry, "tensor \(name) is missing for a window model") }
            guard e.shape == shape else { throw CheckpointError(.invalidEntry, "tensor \(name) has shape \(shapeString(e.shape)), the model needs \(shapeString(shape))") }
            params.append((name, try Tensor(shape: e.shape, data: e.values, requiresGrad: true)))
        }
        var history: [Float] = []
        if let h = m["lmsh.loss_history"], let arr = try? JSONSerialization.jsonObject(with: Data(h.utf8)) as? [Double] { history = arr.map(Float.init) }
        return (try WindowModel(config, parameters: NamedParameters(params)), vocabulary, Int(m["lmsh.step"] ?? "0") ?? 0, history)
    }
}

extension TrainProgress {
    /// A progress report for a trainer outside `Trainer` (the window model's).
    public init(step: Int, done: Int, of total: Int, epoch: Double, loss: Float, stats: GradientStats, lr: Float,
                symbolsPerSecond: Double, etaSeconds: Double) {
        self.init(step: step, done: done, totalSteps: total, epoch: epoch, trainLoss: loss, valLoss: nil, gradNorm: stats.norm,
                  gradRatio: stats.ratio, clipped: stats.clipped, lr: lr, charsPerSecond: symbolsPerSecond, etaSeconds: etaSeconds)
    }
}
