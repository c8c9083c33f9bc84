import Foundation
import LMCore
import LMModels

/// `recurrent(text, step=f, state=[…], params=[…], out=[W, b])`: a model of a typed step function (`UserCell`),
/// and the same cell made again from a checkpoint (its step, helpers and numbers parsed, never run).
extension Interpreter {
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
