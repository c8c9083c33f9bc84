import Foundation
import LMCore
import LMModels

/// A recurrent cell a user types as a step function, `def step(x, state) { … return [h, …] }`, made a
/// `RecurrentCell` so that every verb that takes a built-in model takes it (`recurrent(…)`).
///
/// The step reads x as one-hot rows [B, V] and the state list (h first), and returns the new list. Its
/// weights are the model's own parameters, bound under the names the step uses (`rnn.NAME_l0` in the
/// model), so a loaded model runs without the session that made it and inspection's detached copies are
/// what the step reads. The state's other items are carried side by side in the model's memory c.
struct UserCell: RecurrentCell, @unchecked Sendable {
    let function: UserFunction
    /// The user functions the step calls (found by name, transitively), saved and restored with it.
    let helpers: [UserFunction]
    /// The session's numbers the step and its helpers read (H, a scale), as they were when the model was made
    /// or loaded: used where the running session has no such name.
    let constants: [String: Double]

    /// The constants as a checkpoint saves them: the session's current values where it has them.
    var currentConstants: [String: Double] {
        var out = constants
        for name in constants.keys {
            if case .number(let x)? = runner.interpreter?.variables[name] { out[name] = x }
        }
        return out
    }
    let parameterNames: [String]
    let parameterShapes: [String: [Int]]
    /// The widths of the state's items (h first).
    let stateSizes: [Int]
    let vocabSize: Int
    /// The interpreter that evaluates the step (a class; the cell is only used from the shell's thread).
    let runner: StepRunnerBox

    var name: String { "user:" + function.name }
    var title: String { "user cell \(function.name)" }
    var equations: String { "\(function.name)(x, state) as typed: \(stateSizes.count) state item\(stateSizes.count == 1 ? "" : "s") of width \(stateSizes.map(String.init).joined(separator: ", "))" }
    var gates: [Gate] { [] }
    var hasCell: Bool { stateSizes.count > 1 }
    var extraParameters: [String] { parameterNames }
    func extraShape(_ name: String, hidden: Int, input: Int) -> [Int] { parameterShapes[name] ?? [hidden] }
    var usesLayerWeights: Bool { false }
    var memoryWidth: Int? { stateSizes.count > 1 ? stateSizes.dropFirst().reduce(0, +) : nil }
    var checkpointMetadata: [String: String] {
        ["lmsh.step_source": function.source ?? "", "lmsh.step_params": parameterNames.joined(separator: ","),
         "lmsh.state_sizes": stateSizes.map(String.init).joined(separator: ","),
         "lmsh.step_helpers": JSONWriter.array(helpers.map { $0.source ?? "" }),
         "lmsh.step_constants": { let c = currentConstants; return "{" + c.keys.sorted().map { "\(JSONWriter.quoted($0)):\(JSONWriter.number(c[$0] ?? 0))" }.joined(separator: ",") + "}" }()]
    }

    /// The functions whose source is unknown (defined inside a block or beside other statements): a
    /// checkpoint could not make them again.
    var unsavable: [String] { ([function] + helpers).filter { $0.source == nil }.map(\.name) }

    func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        guard let interp = runner.interpreter else { throw ModelError("the session that defined \(function.name) is gone") }
        let input = w.oneHotInput ? try Tensor.oneHot(x, depth: vocabSize) : x
        var state: [Value] = [.tensor(s.h)]
        var offset = 0
        for width in stateSizes.dropFirst() {
            state.append(.tensor(try s.c.slice([.all, .range(offset, offset + width)])))
            offset += width
        }
        var environment: [String: Value] = [:]
        for f in helpers { environment[f.name] = .function(f) }
        for name in parameterNames { environment[name] = .tensor(try w[name]) }
        let bound: [String: Value] = [function.parameters[0]: .tensor(input), function.parameters[1]: .list(state)]
        let result = try interp.runStep(function, bound, environment: environment, constants: constants.mapValues(Value.number))
        guard case .list(let items) = result, items.count == stateSizes.count else {
            throw ShellError("\(function.name) must return the new state, a list of \(stateSizes.count) tensor\(stateSizes.count == 1 ? "" : "s") (h first), got \(result.kind == "list" ? "a list of \(result.listCount)" : "a \(result.kind)")",
                             hint: "end the step with return [h, …] in the order of state=[…]")
        }
        let batch = s.h.shape.first ?? 1
        let tensors: [Tensor] = try items.enumerated().map { k, item in
            guard case .tensor(var t) = item else {
                throw ShellError("item \(k + 1) of the state \(function.name) returns is a \(item.kind), not a tensor")
            }
            if t.rank == 1 { t = try t.reshape([1, t.count]).add(Tensor.zeros([batch, t.count])) }
            guard t.shape == [batch, stateSizes[k]] else {
                throw ShellError("item \(k + 1) of the state \(function.name) returns has shape \(shapeString(t.shape)), not \(shapeString([batch, stateSizes[k]]))",
                                 hint: "each state item keeps its width; the batch is the first axis")
            }
            return t
        }
        let memory = tensors.count > 2 ? try Tensor.concat(Array(tensors.dropFirst()), axis: 1) : tensors.count == 2 ? tensors[1] : nil
        return CellOutput(h: tensors[0], c: memory, gates: [])
    }
}

/// The interpreter a user cell calls back into, held weakly (a model outliving its session fails cleanly).
final class StepRunnerBox: @unchecked Sendable {
    weak var interpreter: Interpreter?
    init(_ interpreter: Interpreter) { self.interpreter = interpreter }
}

extension Value {
    var listCount: Int { if case .list(let xs) = self { return xs.count } else { return 0 } }
}

extension Interpreter {
    /// Runs a user cell's step. Its evaluations do not count against the running cell's limit (a long
    /// `train` runs the step millions of times); each call has the whole budget of its own.
    func runStep(_ fn: UserFunction, _ bound: [String: Value], environment: [String: Value]? = nil,
                 constants: [String: Value]? = nil) throws -> Value {
        let saved = evaluations, savedFloor = stackFloor, savedEnvironment = stepEnvironment, savedConstants = stepConstants
        evaluations = 0
        if stackFloor == 0 { stackFloor = StackGuard.floor() }
        if let environment { stepEnvironment = environment }
        if let constants { stepConstants = constants }
        defer {
            evaluations = saved
            stackFloor = savedFloor
            stepEnvironment = savedEnvironment
            stepConstants = savedConstants
        }
        do {
            return try invoke(fn, bound, at: SourceLocation(line: 1, column: 1))
        } catch var e as ShellError {
            // Its position is in the cell that defined the step; the verb that ran the step places it.
            if !e.message.hasPrefix("in '") { e.message = "in '\(fn.name)': \(e.message)" }
            e.location = nil
            throw e
        }
    }

    /// `recurrent(text, step=f, state=[…], params=[…], out=[W, b])`: a model around a user's step function.
    func makeRecurrent(_ a: CallArgs) throws -> Value {
        try a.expectCount(1...1)
        guard case .corpus(let text) = a.positional[0].0 else {
            throw ShellError("recurrent needs a corpus, got a \(a.positional[0].0.kind)", at: a.location(0), hint: "text = corpus(\"input.txt\")")
        }
        func required(_ k: String, _ example: String) throws -> Value {
            guard let v = a.keyword(k) else {
                throw ShellError("recurrent needs \(k)=…", at: a.location, hint: example)
            }
            return v
        }
        guard case .function(let fn) = try required("step", "step=coupled_step, a def f(x, state) { … return [h, …] }") else {
            throw ShellError("step= must be a function defined with def", at: a.keywordLocation("step"), hint: "def step(x, state) { … return [h, c] }")
        }
        guard fn.parameters.count == 2 else {
            throw ShellError("the step \(fn.name) takes \(fn.parameters.count) parameters; it needs two, x and the state", at: a.keywordLocation("step"),
                             hint: "def \(fn.name)(x, state) { … }")
        }
        guard case .list(let stateItems) = try required("state", "state=[zeros(128), zeros(128)]"), !stateItems.isEmpty else {
            throw ShellError("state= must be a non-empty list of vectors, h first", at: a.keywordLocation("state"), hint: "state=[zeros(H), zeros(H)]")
        }
        let sizes: [Int] = try stateItems.enumerated().map { k, v in
            guard case .tensor(let t) = v, t.rank == 1 || (t.rank == 2 && t.shape[0] == 1), t.count > 0 else {
                throw ShellError("state item \(k + 1) must be a vector (one stream's state)", at: a.keywordLocation("state"), hint: "zeros(H)")
            }
            guard t.data.allSatisfy({ $0 == 0 }) else {
                throw ShellError("state item \(k + 1) is not zero: a model's state starts at zero (as train, sample and every inspection start it)",
                                 at: a.keywordLocation("state"), hint: "state=[zeros(H), …]")
            }
            return t.count
        }
        _ = try required("params", "params=[Wxf, Whf, bf, …], the tensors the step reads")
        let params = try Builtins.parameterList(self, a.renamed("params"), 0)
        guard case .list(let out) = try required("out", "out=[W, b] with logits = h @ W + b"), out.count == 2,
              case .tensor(let W) = out[0], case .tensor(let b) = out[1] else {
            throw ShellError("out= must be [W, b] with logits = h @ W + b", at: a.keywordLocation("out"), hint: "out=[W, b], W of shape [H, V], b of shape [V]")
        }
        let V = text.vocabulary.count, H = sizes[0]
        guard W.shape == [H, V], b.shape == [V] else {
            throw ShellError("out=[W, b] needs W of shape \(shapeString([H, V])) and b of shape \(shapeString([V])) (h has \(H) units, the text \(V) symbols), got \(shapeString(W.shape)) and \(shapeString(b.shape))",
                             at: a.keywordLocation("out"))
        }
        for (name, t) in params.entries where name.hasPrefix("p") && nameOf(t) == nil {
            throw ShellError("params= lists a tensor that no name holds; the step reads its weights by name", at: a.keywordLocation("params"),
                             hint: "bind each first: Wxf = param(randn(V, H, std=0.1))")
        }
        let (helpers, constants) = closure(of: fn)
        let cell = UserCell(function: fn, helpers: helpers, constants: constants, parameterNames: params.names,
                            parameterShapes: Dictionary(uniqueKeysWithValues: params.entries.map { ($0.name, $0.tensor.shape) }),
                            stateSizes: sizes, vocabSize: V, runner: StepRunnerBox(self))
        var config = ModelConfig(cell: CellKind(cell), vocabSize: V, hidden: H, layers: 1, embed: 0, dropout: 0, initialization: .pytorch)
        config.decoder = .inputMajor
        let entries = params.entries.map { (name: "rnn.\($0.name)_l0", tensor: $0.tensor) } + [("decoder.weight", W), ("decoder.bias", b)]
        let model = try Builtins.engine(a.location) { try RecurrentModel(config, parameters: NamedParameters(entries)) }
        // One step on a batch of two, so that a step that does not run fails here and not in the middle of train.
        _ = try Builtins.engine(a.keywordLocation("step")) {
            try Tensor.withoutGrad { try model.unroll(ids: [0, 0], batch: 2, state: RecurrentState(config: config, batch: 2)) }
        }
        return .model(ModelValue(model: model, vocabulary: text.vocabulary))
    }

    /// A user cell again from a checkpoint's metadata: the step's source is parsed (never run) and must be
    /// one definition.
    func userCell(from f: SafeTensorsFile, at loc: SourceLocation) throws -> CellKind? {
        guard let source = f.metadata["lmsh.step_source"] else { return nil }
        let fn = try definition(parsing: source, at: loc)
        guard fn.parameters.count == 2 else { throw ShellError("the checkpoint's step \(fn.name) does not take (x, state)", at: loc) }
        let names = (f.metadata["lmsh.step_params"] ?? "").split(separator: ",").map(String.init)
        let sizes = (f.metadata["lmsh.state_sizes"] ?? "").split(separator: ",").compactMap { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }), let vocab = Int(f.metadata["lmsh.vocab_size"] ?? "") else {
            throw ShellError("the checkpoint's lmsh.state_sizes or lmsh.vocab_size is not valid", at: loc)
        }
        var shapes: [String: [Int]] = [:]
        for name in names {
            guard let e = f["rnn.\(name)_l0"] else { throw ShellError("the checkpoint has no tensor rnn.\(name)_l0 for the step's \(name)", at: loc) }
            shapes[name] = e.shape
        }
        var helpers: [UserFunction] = []
        if let json = f.metadata["lmsh.step_helpers"], let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String] {
            helpers = try list.map { try definition(parsing: $0, at: loc) }
        }
        var constants: [String: Double] = [:]
        if let json = f.metadata["lmsh.step_constants"], let dict = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Double] {
            constants = dict
        }
        return CellKind(UserCell(function: fn, helpers: helpers, constants: constants, parameterNames: names, parameterShapes: shapes, stateSizes: sizes, vocabSize: vocab,
                                 runner: StepRunnerBox(self)))
    }
}

extension Interpreter {
    /// One `def` from a checkpoint, parsed (never run): anything else is refused.
    func definition(parsing source: String, at loc: SourceLocation) throws -> UserFunction {
        let statement: Statement?
        do { statement = try Parser.parse(source) } catch let e as ShellError {
            throw ShellError("the checkpoint's step source does not parse: \(e.message)", at: loc)
        }
        switch statement {
        case .define(let name, let params, let body, _)?: return UserFunction(name: name, parameters: params, body: .expression(body), source: source)
        case .defineBlock(let name, let params, let body, _)?: return UserFunction(name: name, parameters: params, body: .block(body), source: source)
        default: throw ShellError("the checkpoint's step source is not one def", at: loc)
        }
    }

    /// The session's functions that `fn` calls, directly or through each other (not `fn` itself), and the
    /// session's numbers they read.
    func closure(of fn: UserFunction) -> (helpers: [UserFunction], constants: [String: Double]) {
        var found: [String: UserFunction] = [:], constants: [String: Double] = [:], queue = [fn]
        while let f = queue.popLast() {
            for name in FreeNames.of(f.body).sorted() where name != fn.name && found[name] == nil {
                switch variables[name] {
                case .function(let g)?:
                    found[name] = g
                    queue.append(g)
                case .number(let x)?:
                    constants[name] = x
                default:
                    break
                }
            }
        }
        return (found.keys.sorted().compactMap { found[$0] }, constants)
    }
}

extension Builtins {
    static let recurrentBuiltins: [Builtin] = [
        Builtin(name: "recurrent", usage: "recurrent(text, step=f, state=[…], params=[…], out=[W, b])",
                summary: "a model around your own step function f(x, state) → new state (x one-hot rows [batch, V]; the state a list, h first; logits = h @ W + b): trained, sampled, saved and inspected like the built-in ones",
                keywords: ["step", "state", "params", "out"],
                example: "text = corpus(\"input.txt\")\nV = text.vocab_size\nWx = param(randn(V, 16, std=0.1, seed=1))\nWh = param(randn(16, 16, std=0.1, seed=2))\nbh = param(zeros(16))\nWy = param(randn(16, V, std=0.1, seed=3))\nby = param(zeros(V))\ndef tanh_step(x, state) { return [tanh(x @ Wx + state[0] @ Wh + bh)] }\nm = recurrent(text, step=tanh_step, state=[zeros(16)], params=[Wx, Wh, bh], out=[Wy, by])\nm") { interp, a in
            try interp.makeRecurrent(a)
        },
    ]
}

extension CallArgs {
    /// These arguments with keyword `k` moved to the first position (to read it with a positional helper).
    func renamed(_ k: String) -> CallArgs {
        var a = self
        if let v = keywords[k] { a.positional = [v] } else { a.positional = [] }
        return a
    }
}
