import LMCore
import LMModels

/// An optimizer over tensors a user holds (`opt = adam([W, U, b], lr=1e-2)`): the same `Optimizer` that
/// `train` steps, over the user's own tensors, updated in place by `opt.step()`.
public final class OptimizerValue {
    public let optimizer: Optimizer
    public let parameters: NamedParameters
    public var lr: Float

    init(optimizer: Optimizer, parameters: NamedParameters, lr: Float) {
        self.optimizer = optimizer
        self.parameters = parameters
        self.lr = lr
    }

    var display: String {
        "\(optimizer.settings.kind.rawValue) optimizer, lr \(Value.format(Double(lr))), over \(parameters.names.joined(separator: ", ")) (\(parameters.scalarCount) numbers), \(optimizer.steps) steps"
    }

    /// `opt.step()`, `opt.zero_grad()`: methods of the value itself, so no builtin or `def` can take them over.
    func method(_ name: String) -> ((Interpreter, CallArgs, SourceLocation) throws -> Value)? {
        switch name {
        case "step":
            return { _, a, loc in
                guard a.positional.isEmpty && a.keywords.isEmpty else {
                    throw ShellError("step() takes no arguments", at: loc, hint: "opt.step() updates every parameter from its grad")
                }
                self.optimizer.step(self.parameters, lr: self.lr)
                return .none
            }
        case "zero_grad":
            return { _, a, loc in
                guard a.positional.isEmpty && a.keywords.isEmpty else {
                    throw ShellError("zero_grad() takes no arguments", at: loc)
                }
                self.parameters.zeroGrads()
                return .none
            }
        default:
            return nil
        }
    }

    static let members = ["step", "zero_grad", "lr", "steps", "kind", "parameters"]

    func get(_ name: String) -> Value? {
        switch name {
        case "lr": return .number(Double(lr))
        case "steps": return .number(Double(optimizer.steps))
        case "kind": return .string(optimizer.settings.kind.rawValue)
        case "parameters": return .list(parameters.tensors.map(Value.tensor))
        default: return nil
        }
    }
}

extension Builtins {
    static func makeOptimizer(_ kind: OptimizerKind, _ interp: Interpreter, _ a: CallArgs) throws -> Value {
        try a.expectCount(1...1)
        let params = try parameterList(interp, a, 0)
        var settings = OptimizerSettings(kind: kind)
        if kind == .sgd { settings.momentum = Float(try num(a, "momentum")) }
        if kind == .rmsprop { settings.alpha = Float(try num(a, "alpha")) }
        if kind == .adam {
            settings.beta1 = Float(try num(a, "beta1"))
            settings.beta2 = Float(try num(a, "beta2"))
        }
        if kind != .gd && kind != .sgd { settings.epsilon = Float(try num(a, "eps")) }
        let lr = try num(a, "lr")
        guard lr > 0 && lr.isFinite else { throw ShellError("lr must be a positive number", at: a.keywordLocation("lr")) }
        let opt = Optimizer(settings, parameterCounts: params.tensors.map(\.count))
        return .optimizer(OptimizerValue(optimizer: opt, parameters: params, lr: Float(lr)))
    }

    /// Argument `i` as a list of tensors that take gradients, named after the variables that hold them.
    static func parameterList(_ interp: Interpreter, _ a: CallArgs, _ i: Int) throws -> NamedParameters {
        let items: [Value]
        switch try a.value(i, "a list of tensors") {
        case .list(let xs): items = xs
        case .tensor(let t): items = [.tensor(t)]
        case .model(let m): return m.model.parameters
        case let v: throw ShellError("expected a list of tensors, got a \(v.kind)", at: a.location(i), hint: "as in adam([W, U, b], lr=1e-2)")
        }
        var entries: [(name: String, tensor: Tensor)] = []
        for (k, item) in items.enumerated() {
            guard case .tensor(let t) = item else {
                throw ShellError("item \(k + 1) of the list is a \(item.kind), not a tensor", at: a.location(i))
            }
            guard t.requiresGrad else {
                throw ShellError("item \(k + 1) of the list does not take gradients", at: a.location(i),
                                 hint: "make it with param(…) or grad=true, as in W = param(randn(3, 4, std=0.1))")
            }
            guard !entries.contains(where: { $0.tensor === t }) else {
                throw ShellError("item \(k + 1) of the list appears twice", at: a.location(i), hint: "list each tensor once")
            }
            entries.append((interp.nameOf(t) ?? "p\(k)", t))
        }
        return NamedParameters(entries)
    }

    static let optimizerBuiltins: [Builtin] = [
        Builtin(name: "gd", usage: "gd(params, lr=0.1)", summary: "plain gradient descent over a list of tensors: opt.step() does θ ← θ − lr·∇θ", keywords: ["lr"],
                example: "w = param(randn(3, seed=1))\nopt = gd([w], lr=0.1)\nloss = sum(w^2)\nloss.backward()\nopt.step()\nw") { interp, a in
            try makeOptimizer(.gd, interp, a)
        },
        Builtin(name: "sgd", usage: "sgd(params, lr=0.1, momentum=0.9)", summary: "gradient descent with momentum (PyTorch's): v = μv + g; θ −= lr·v", keywords: ["lr", "momentum"],
                example: "w = param(randn(3, seed=1))\nopt = sgd([w], lr=0.1, momentum=0.9)\nopt") { interp, a in
            try makeOptimizer(.sgd, interp, a)
        },
        Builtin(name: "adam", usage: "adam(params, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)", summary: "Adam over a list of tensors (PyTorch's defaults)", keywords: ["lr", "beta1", "beta2", "eps"],
                example: "w = param(randn(3, seed=1))\nopt = adam([w], lr=1e-2)\nopt") { interp, a in
            try makeOptimizer(.adam, interp, a)
        },
        Builtin(name: "rmsprop", usage: "rmsprop(params, lr=0.002, alpha=0.95, eps=1e-8)", summary: "RMSProp as char-rnn runs it: m = αm + (1−α)g²; θ −= lr·g/(√m + ε)", keywords: ["lr", "alpha", "eps"],
                example: "w = param(randn(3, seed=1))\nopt = rmsprop([w])\nopt") { interp, a in
            try makeOptimizer(.rmsprop, interp, a)
        },
        Builtin(name: "adagrad", usage: "adagrad(params, lr=0.01, eps=1e-8)", summary: "Adagrad as min-char-rnn runs it: a += g²; θ −= lr·g/√(a + ε)", keywords: ["lr", "eps"],
                example: "w = param(randn(3, seed=1))\nopt = adagrad([w], lr=0.1)\nopt") { interp, a in
            try makeOptimizer(.adagrad, interp, a)
        },
        Builtin(name: "clip_grad_norm", usage: "clip_grad_norm(params, max_norm)", summary: "rescales the gradients of a list of tensors so their global norm is at most max_norm; returns the norm before", keywords: [],
                example: "w = param(randn(3, seed=1))\nloss = sum(w^2)\nloss.backward()\nclip_grad_norm([w], 0.5)") { interp, a in
            try a.expectCount(2...2)
            let params = try parameterList(interp, a, 0)
            let limit = try a.positional[1].0.number(at: a.location(1), "a number for max_norm")
            guard limit > 0 else { throw ShellError("max_norm must be positive", at: a.location(1)) }
            let stats = params.clipGradients(threshold: Float(limit), mode: .norm)
            return .number(Double(stats.norm))
        },
    ]
}

extension Interpreter {
    /// The name of a variable (local first, then the session's) bound to exactly this tensor, if any.
    func nameOf(_ t: Tensor) -> String? {
        for scope in frames.reversed() + [variables] {
            let names = scope.compactMap { entry -> String? in
                if case .tensor(let u) = entry.value, u === t, entry.key != "_" { return entry.key } else { return nil }
            }
            if let name = names.min() { return name }
        }
        return nil
    }
}
