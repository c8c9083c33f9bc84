import Foundation
import LMCore
import LMModels

/// A value of the language: what a name is bound to and what an expression evaluates to.
public enum Value {
    case none
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([Value])
    case tensor(Tensor)
    case corpus(CorpusValue)
    case split(SplitValue)
    case model(ModelValue)
    case ngram(NGramValue)
    /// Bengio et al.'s fixed-window neural language model (`window(text, n=4, …)`).
    case window(WindowValue)
    /// A small decoder-only transformer (`transformer(text, layers=…, heads=…, dim=…, context=…)`).
    case transformer(TransformerValue)
    case function(UserFunction)
    case builtin(String)
    /// `adam([W, b])` and its kin: an optimizer over the user's tensors.
    case optimizer(OptimizerValue)
    /// Named fields, e.g. the result of `eval` (nats, bits, perplexity).
    case record([(String, Value)])

    /// The kind's name as messages and `:vars` show it.
    public var kind: String {
        switch self {
        case .none: return "none"
        case .number: return "number"
        case .string: return "string"
        case .bool: return "bool"
        case .list: return "list"
        case .tensor: return "tensor"
        case .corpus: return "corpus"
        case .split: return "text"
        case .model: return "model"
        case .ngram: return "ngram"
        case .window: return "window model"
        case .transformer: return "transformer"
        case .function: return "function"
        case .builtin: return "builtin"
        case .optimizer: return "optimizer"
        case .record: return "record"
        }
    }
}

/// A loaded corpus and its split.
public final class CorpusValue {
    public let path: String
    public let corpus: Corpus
    public let splits: CorpusSplits
    public init(path: String, corpus: Corpus, splits: CorpusSplits) {
        self.path = path
        self.corpus = corpus
        self.splits = splits
    }
    public var vocabulary: Vocabulary { corpus.vocabulary }
}

/// One part of a corpus (`text.train`, `text.val`, `text.test`), or a literal string to evaluate on.
public struct SplitValue {
    public let corpus: CorpusValue
    public let name: String
    public let part: CorpusSplit
}

/// A recurrent model with its vocabulary and, once trained, its trainer (so that `train` continues
/// with the same optimizer state, data position and carried state).
public final class ModelValue {
    public let model: RecurrentModel
    public let vocabulary: Vocabulary
    /// The run that trained the model last; `train` and `step` continue it (`Trainer.continueRun`).
    public var trainer: Trainer?
    /// The corpus `trainer` reads (weak: rebinding the name frees it; a new trainer is then made).
    public weak var trainerCorpus: CorpusValue?
    /// Steps and losses of the training recorded in the checkpoint the model was loaded from.
    public let checkpointSteps: Int
    public let checkpointLossHistory: [Float]
    public let checkpointUpdateRatios: [[Float]]

    public init(model: RecurrentModel, vocabulary: Vocabulary, steps: Int = 0, lossHistory: [Float] = [], updateRatios: [[Float]] = []) {
        self.model = model
        self.vocabulary = vocabulary
        checkpointSteps = steps
        checkpointLossHistory = lossHistory
        checkpointUpdateRatios = updateRatios
    }

    /// Training steps the model has had, over every `train` and `step` (and before its checkpoint).
    public var steps: Int { trainer?.stepCount ?? checkpointSteps }
    /// The training loss of each of those steps (as far as known).
    public var lossHistory: [Float] { trainer?.lossHistory ?? checkpointLossHistory }
    /// Per step, per parameter: log10(‖lr·update‖/‖w‖) (as far as known, like the loss history).
    public var updateRatios: [[Float]] { trainer?.updateRatios ?? checkpointUpdateRatios }
}

/// A window model with its vocabulary and, once trained, its trainer.
public final class WindowValue {
    public let model: WindowModel
    public let vocabulary: Vocabulary
    public var trainer: WindowTrainer?
    public weak var trainerCorpus: CorpusValue?
    let checkpointSteps: Int
    let checkpointLossHistory: [Float]
    public init(model: WindowModel, vocabulary: Vocabulary, steps: Int = 0, lossHistory: [Float] = []) {
        self.model = model
        self.vocabulary = vocabulary
        checkpointSteps = steps
        checkpointLossHistory = lossHistory
    }
    public var steps: Int { trainer?.stepCount ?? checkpointSteps }
    public var lossHistory: [Float] { trainer?.lossHistory ?? checkpointLossHistory }
}

/// A transformer with its vocabulary and, once trained, its trainer.
public final class TransformerValue {
    public let model: TransformerModel
    public let vocabulary: Vocabulary
    public var trainer: TransformerTrainer?
    public weak var trainerCorpus: CorpusValue?
    let checkpointSteps: Int
    let checkpointLossHistory: [Float]
    public init(model: TransformerModel, vocabulary: Vocabulary, steps: Int = 0, lossHistory: [Float] = []) {
        self.model = model
        self.vocabulary = vocabulary
        checkpointSteps = steps
        checkpointLossHistory = lossHistory
    }
    public var steps: Int { trainer?.stepCount ?? checkpointSteps }
    public var lossHistory: [Float] { trainer?.lossHistory ?? checkpointLossHistory }
}

public final class NGramValue {
    public let model: NGramModel
    public let corpus: CorpusValue
    public init(model: NGramModel, corpus: CorpusValue) {
        self.model = model
        self.corpus = corpus
    }
}

/// `def name(params) = expr` or `def name(params) { statements }`: run when called, in a frame of its own.
public struct UserFunction {
    public enum Body {
        case expression(Expr)
        case block([Statement])
    }
    public var name: String
    public var parameters: [String]
    public var body: Body
    /// The cell that defined it, when the definition was the whole cell (saved with a model's step).
    public var source: String?

    public init(name: String, parameters: [String], body: Body, source: String? = nil) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.source = source
    }
}

// MARK: - Showing values

extension Value {
    /// How the REPL prints a value.
    public var display: String {
        switch self {
        case .none: return "none"
        case .number(let x): return Value.format(x)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return "[" + items.map(\.inlineDisplay).joined(separator: ", ") + "]"
        case .tensor(let t): return t.description
        case .corpus(let c):
            return "corpus \(c.path): \(c.splits.sizeReport) (\(c.splits.summary))"
        case .split(let s): return "text \(s.name) of \(s.corpus.path): \(s.part.count) symbols"
        case .model(let m):
            let c = m.model.config
            let cell = c.cell.title
            var s = "\(cell) model: \(c.layers) × \(c.hidden), vocab \(c.vocabSize)"
            if c.embed > 0 { s += ", embedding \(c.embed)" }
            if c.dropout > 0 { s += ", dropout \(c.dropout)" }
            s += ", \(m.model.parameters.scalarCount) parameters"
            if m.trainer != nil || m.steps > 0 { s += ", trained \(m.steps) steps" }
            return s
        case .ngram(let n): return "KN \(n.model.order)-gram over \(n.corpus.path)"
        case .window(let w):
            let c = w.model.config
            return "window MLP model (Bengio 2003): \(c.n - 1) \(w.vocabulary.unitName)s × embedding \(c.embed) → tanh \(c.hidden) → vocab \(c.vocabSize), "
                + "\(w.model.parameters.scalarCount) parameters" + (w.steps > 0 ? ", trained \(w.steps) steps" : "")
        case .transformer(let m):
            let c = m.model.config
            return "transformer (GPT, pre-LN): \(c.layers) layers × \(c.heads) heads × dim \(c.dim), context \(c.context), vocab \(c.vocabSize), "
                + "\(m.model.parameters.scalarCount) parameters" + (m.steps > 0 ? ", trained \(m.steps) steps" : "")
        case .function(let f): return "def \(f.name)(\(f.parameters.joined(separator: ", ")))"
        case .builtin(let name): return "builtin \(name)"
        case .optimizer(let o): return o.display
        case .record(let fields):
            return fields.map { "\($0.0): \($0.1.inlineDisplay)" }.joined(separator: "\n")
        }
    }

    var inlineDisplay: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .tensor(let t): return "tensor\(shapeString(t.shape))"
        case .record(let fields): return "{" + fields.map { "\($0.0): \($0.1.inlineDisplay)" }.joined(separator: ", ") + "}"
        default: return display
        }
    }

    static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded() && Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return String(format: "%.6g", x)
    }
}

extension Value {
    /// Whether this is `none` (a keyword given as none keeps its builtin's behaviour without it).
    var isNone: Bool { if case .none = self { return true } else { return false } }
}
