import LMCore

/// Builtins that make and transform tensors.
extension Builtins {
    /// Dimensions from `f(2, 3)` or `f([2, 3])`.
    static func dims(_ a: CallArgs, from start: Int = 0) throws -> [Int] {
        if a.count == start + 1, case .list(let items) = a.positional[start].0 {
            return try items.map { try $0.int(at: a.location(start), "a size") }
        }
        return try (start..<a.count).map { try a.positional[$0].0.int(at: a.location($0), "a size") }
    }

    /// Dimensions of a new tensor: like `dims`, and none may be negative (the error points at it).
    static func shape(_ a: CallArgs) throws -> [Int] {
        let d = try dims(a)
        if let bad = d.firstIndex(where: { $0 < 0 }) {
            let loc = a.count == 1 ? a.location(0) : a.location(bad)
            throw ShellError("\(a.name): negative size \(d[bad]) in shape \(shapeString(d))", at: loc, hint: "sizes are whole numbers ≥ 0")
        }
        return d
    }

    /// The one seed parser: keyword `seed` (its default from the builtin's usage line), a whole number ≥ 0.
    static func seed(_ a: CallArgs) throws -> UInt64 {
        let s = try int(a, "seed")
        guard s >= 0 else { throw ShellError("seed must be ≥ 0", at: a.keywordLocation("seed")) }
        return UInt64(s)
    }

    static func grad(_ a: CallArgs) throws -> Bool {
        try a.keyword("grad")?.bool(at: a.keywordLocation("grad")) ?? false
    }

    static func t(_ a: CallArgs, _ i: Int) throws -> Tensor {
        try a.value(i, "a tensor").tensor(at: a.location(i))
    }

    static func optionalAxes(_ a: CallArgs) throws -> [Int]? {
        guard let v = a.keyword("axis") ?? (a.count > 1 ? a.positional[1].0 : nil) else { return nil }
        let loc = a.keyword("axis") != nil ? a.keywordLocation("axis") : a.location(1)
        if case .list(let items) = v { return try items.map { try $0.int(at: loc, "an axis") } }
        if case .none = v { return nil }
        return [try v.int(at: loc, "an axis")]
    }

    static func keepdims(_ a: CallArgs) throws -> Bool {
        try a.keyword("keepdims")?.bool(at: a.keywordLocation("keepdims")) ?? false
    }

    static func unary(_ name: String, _ summary: String, _ example: String, _ f: @escaping @Sendable (Tensor) -> Tensor) -> Builtin {
        Builtin(name: name, usage: "\(name)(x)", summary: summary, keywords: [], example: example) { _, a in
            try a.expectCount(1...1)
            if case .number(let x) = a.positional[0].0 { return .number(Double(f(Tensor(Float(x))).data[0])) }
            return .tensor(f(try t(a, 0)))
        }
    }

    static func reduction(_ name: String, _ summary: String, _ example: String, _ f: @escaping @Sendable (Tensor, [Int]?, Bool) throws -> Tensor) -> Builtin {
        Builtin(name: name, usage: "\(name)(x, axis=all, keepdims=false)", summary: summary, keywords: ["axis", "keepdims"], example: example) { _, a in
            try a.expectCount(1...2)
            let x = try t(a, 0)
            let axes = try optionalAxes(a), keep = try keepdims(a)
            // The only errors left are about the axes: point at them.
            let loc = a.keyword("axis") != nil ? a.keywordLocation("axis") : a.location(a.count > 1 ? 1 : 0)
            return .tensor(try at(loc) { try f(x, axes, keep) })
        }
    }

    /// A builtin of two tensors, `name(a, b)`.
    static func binary(
        _ name: String, _ usage: String, _ summary: String, example: String,
        _ f: @escaping @Sendable (Tensor, Tensor) throws -> Tensor
    ) -> Builtin {
        Builtin(name: name, usage: usage, summary: summary, keywords: [], example: example) { _, a in
            try a.expectCount(2...2)
            let x = try t(a, 0), y = try t(a, 1)
            return .tensor(try at(a.location) { try f(x, y) })
        }
    }

    /// `name([a, b, …], axis=0)`: joins a list of tensors along an axis.
    static func joining(
        _ name: String, _ summary: String, example: String, _ f: @escaping @Sendable ([Tensor], Int) throws -> Tensor
    ) -> Builtin {
        Builtin(name: name, usage: "\(name)([a, b, …], axis=0)", summary: summary, keywords: ["axis"], example: example) { _, a in
            try a.expectCount(1...1)
            guard case .list(let items) = a.positional[0].0 else { throw ShellError("\(name) takes a list of tensors", at: a.location(0)) }
            let ts = try items.map { try $0.tensor(at: a.location(0)) }
            let ax = try a.keyword("axis")?.int(at: a.keywordLocation("axis")) ?? 0
            return .tensor(try at(a.location) { try f(ts, ax) })
        }
    }

    static let tensorBuiltins: [Builtin] = [
        Builtin(name: "tensor", usage: "tensor([[1, 2], [3, 4]], grad=false)", summary: "a tensor from a nested list of numbers", keywords: ["grad"], example: "tensor([[1, 2], [3, 4]], grad=true)") { _, a in
            try a.expectCount(1...1)
            let x = try t(a, 0).detached()
            x.requiresGrad = try grad(a)
            return .tensor(x)
        },
        Builtin(name: "zeros", usage: "zeros(d1, d2, …, grad=false)", summary: "a tensor of zeros", keywords: ["grad"], example: "zeros(2, 3)") { _, a in
            let d = try shape(a), g = try grad(a)
            return .tensor(try at(a.location) { try Tensor.zeros(d, requiresGrad: g) })
        },
        Builtin(name: "ones", usage: "ones(d1, d2, …, grad=false)", summary: "a tensor of ones", keywords: ["grad"], example: "ones([2, 3])") { _, a in
            let d = try shape(a), g = try grad(a)
            return .tensor(try at(a.location) { try Tensor.ones(d, requiresGrad: g) })
        },
        Builtin(name: "full", usage: "full(d1, d2, …, value=0, grad=false)", summary: "a tensor filled with a value", keywords: ["value", "grad"], example: "full(2, 2, value=7)") { _, a in
            let d = try shape(a), g = try grad(a)
            let v = try a.keyword("value")?.number(at: a.keywordLocation("value")) ?? 0
            return .tensor(try at(a.location) { try Tensor.full(d, Float(v), requiresGrad: g) })
        },
        Builtin(name: "eye", usage: "eye(n, m=n)", summary: "the identity matrix (n rows, m columns)", keywords: ["m"], example: "eye(2, 3)") { _, a in
            try a.expectCount(1...2)
            let n = try a.positional[0].0.int(at: a.location(0))
            if n < 0 { throw ShellError("eye: negative size \(n)", at: a.location(0), hint: "sizes are whole numbers ≥ 0") }
            if a.count > 1, a.keyword("m") != nil { throw ShellError("eye got m twice", at: a.keywordLocation("m"), hint: "give m as the second argument or as m=, not both") }
            let m = try a.keyword("m")?.int(at: a.keywordLocation("m")) ?? (a.count > 1 ? try a.positional[1].0.int(at: a.location(1)) : n)
            if m < 0 { throw ShellError("eye: negative size \(m)", at: a.count > 1 ? a.location(1) : a.keywordLocation("m"), hint: "sizes are whole numbers ≥ 0") }
            return .tensor(try at(a.location) { try Tensor.eye(n, m) })
        },
        Builtin(name: "arange", usage: "arange(end) or arange(start, end, step=1)", summary: "evenly spaced values, end excluded", keywords: ["step"], example: "arange(0, 1, step=0.25)") { _, a in
            try a.expectCount(1...2)
            let x0 = try a.positional[0].0.number(at: a.location(0))
            let (s, e) = a.count == 2 ? (x0, try a.positional[1].0.number(at: a.location(1))) : (0, x0)
            let step = try a.keyword("step")?.number(at: a.keywordLocation("step")) ?? 1
            return .tensor(try at(a.location) { try Tensor.arange(Float(s), Float(e), step: Float(step)) })
        },
        Builtin(name: "randn", usage: "randn(d1, d2, …, seed=0, std=1, mean=0, grad=false)", summary: "standard normal draws from lmsh's seeded generator", keywords: ["seed", "grad", "std", "mean"], example: "randn(3, 4, seed=1, std=0.5)") { _, a in
            let d = try shape(a), g = try grad(a)
            var rng = RandomSource(seed: try seed(a))
            let std = try a.keyword("std")?.number(at: a.keywordLocation("std")) ?? 1
            let mean = try a.keyword("mean")?.number(at: a.keywordLocation("mean")) ?? 0
            return .tensor(try at(a.location) { try Tensor.randn(d, mean: Float(mean), std: Float(std), rng: &rng, requiresGrad: g) })
        },
        Builtin(name: "rand", usage: "rand(d1, d2, …, seed=0, low=0, high=1, grad=false)", summary: "uniform draws from lmsh's seeded generator", keywords: ["seed", "grad", "low", "high"], example: "rand(2, 3, seed=1, low=-1, high=1)") { _, a in
            let d = try shape(a), g = try grad(a)
            var rng = RandomSource(seed: try seed(a))
            let lo = try a.keyword("low")?.number(at: a.keywordLocation("low")) ?? 0
            let hi = try a.keyword("high")?.number(at: a.keywordLocation("high")) ?? 1
            return .tensor(try at(a.location) { try Tensor.rand(d, low: Float(lo), high: Float(hi), rng: &rng, requiresGrad: g) })
        },
        unary("exp", "eˣ elementwise", "exp([0, 1])", { $0.exp() }),
        unary("log", "natural log elementwise (log 0 = -inf)", "log([1, 2.718282])", { $0.log() }),
        unary("tanh", "hyperbolic tangent elementwise", "tanh([-1, 0, 1])", { $0.tanh() }),
        unary("sigmoid", "logistic sigmoid elementwise", "sigmoid([-2, 0, 2])", { $0.sigmoid() }),
        unary("relu", "max(x, 0) elementwise", "relu([-1, 0, 2])", { $0.relu() }),
        unary("sqrt", "square root elementwise", "sqrt([1, 4, 9])", { $0.sqrt() }),
        unary("abs", "absolute value elementwise", "abs([-1.5, 2])", { $0.abs() }),
        unary("square", "x² elementwise", "square([1, -2, 3])", { $0.square() }),
        unary("neg", "−x", "neg([1, -2])", { $0.neg() }),
        reduction("sum", "sum over all or the given axes", "sum(ones(2, 3), axis=0)", { try $0.sum(axes: $1, keepdims: $2) }),
        reduction("mean", "mean over all or the given axes", "mean([[1, 2], [3, 5]], axis=1, keepdims=true)", { try $0.mean(axes: $1, keepdims: $2) }),
        reduction("max", "largest element over all or the given axes", "max([[1, 5], [7, 2]], axis=0)", { try $0.max(axes: $1, keepdims: $2) }),
        reduction("min", "smallest element over all or the given axes", "min([3, -1, 2])", { try $0.min(axes: $1, keepdims: $2) }),
        reduction("norm", "Euclidean norm over all or the given axes", "norm([3, 4])", { try $0.norm(axes: $1, keepdims: $2) }),
        Builtin(name: "argmax", usage: "argmax(x, axis=none, keepdims=false)", summary: "index of the largest element (of the flattened tensor without an axis)", keywords: ["axis", "keepdims"], example: "argmax([[1, 5], [7, 2]], axis=1)") { _, a in
            try a.expectCount(1...2)
            let x = try t(a, 0), axes = try optionalAxes(a), keep = try keepdims(a)
            return .tensor(try at(a.location) { try x.argmax(axis: axes?.first, keepdims: keep) })
        },
        Builtin(name: "softmax", usage: "softmax(x, axis=-1)", summary: "exp(x) normalised along an axis (stable)", keywords: ["axis"], example: "softmax([1, 2, 3])") { _, a in
            try a.expectCount(1...2)
            let x = try t(a, 0), ax = try optionalAxes(a)?.first ?? -1
            return .tensor(try at(a.location) { try x.softmax(axis: ax) })
        },
        Builtin(name: "log_softmax", usage: "log_softmax(x, axis=-1)", summary: "x − logsumexp(x) along an axis (stable)", keywords: ["axis"], example: "log_softmax([[1, 2, 3]], axis=1)") { _, a in
            try a.expectCount(1...2)
            let x = try t(a, 0), ax = try optionalAxes(a)?.first ?? -1
            return .tensor(try at(a.location) { try x.logSoftmax(axis: ax) })
        },
        Builtin(name: "cross_entropy", usage: "cross_entropy(logits, targets)", summary: "mean −log softmax(logits)[target]; logits [..., C], targets [...] of class indices (e.g. [batch, seq, V] and [batch, seq])", keywords: [], example: "cross_entropy([[2, 0, 0], [0, 0, 3]], [0, 2])") { _, a in
            try a.expectCount(2...2)
            let x = try t(a, 0), y = try t(a, 1)
            return .tensor(try at(a.location) { try x.crossEntropy(targets: y) })
        },
        Builtin(name: "reshape", usage: "reshape(x, d1, d2, …)", summary: "same elements, new shape; one size may be -1", keywords: [], example: "reshape(arange(6), 2, -1)") { _, a in
            let x = try t(a, 0), d = try dims(a, from: 1)
            return .tensor(try at(a.location) { try x.reshape(d) })
        },
        Builtin(name: "diag", usage: "diag(v)", summary: "a vector as the diagonal of a square matrix (the lecture's diag(g′(z_n))), or a square matrix's diagonal",
                keywords: [], example: "diag(tensor([1, 2, 3]))") { _, a in
            try a.expectCount(1...1)
            let v = try t(a, 0)
            return .tensor(try at(a.location(0)) { try v.diag() })
        },
        Builtin(name: "transpose", usage: "transpose(x, axis0=-2, axis1=-1)", summary: "swaps two axes (x.T reverses all)", keywords: ["axis0", "axis1"], example: "transpose(randn(2, 3, 4), 0, 2).shape") { _, a in
            try a.expectCount(1...3)
            let x = try t(a, 0)
            for (k, i) in [("axis0", 1), ("axis1", 2)] where a.count > i && a.keyword(k) != nil {
                throw ShellError("transpose got \(k) twice", at: a.keywordLocation(k), hint: "give it as argument \(i + 1) or as \(k)=, not both")
            }
            let a0 = try a.keyword("axis0")?.int(at: a.keywordLocation("axis0"), "an axis") ?? (a.count > 1 ? try a.positional[1].0.int(at: a.location(1), "an axis") : -2)
            let a1 = try a.keyword("axis1")?.int(at: a.keywordLocation("axis1"), "an axis") ?? (a.count > 2 ? try a.positional[2].0.int(at: a.location(2), "an axis") : -1)
            return .tensor(try at(a.location) { try x.transpose(a0, a1) })
        },
        Builtin(name: "permute", usage: "permute(x, a0, a1, …)", summary: "reorders the axes", keywords: [], example: "permute(randn(2, 3, 4), 2, 0, 1).shape") { _, a in
            let x = try t(a, 0), d = try dims(a, from: 1)
            return .tensor(try at(a.location) { try x.permute(d) })
        },
        joining("concat", "joins tensors along an axis", example: "concat([ones(2), zeros(3)])") { try Tensor.concat($0, axis: $1) },
        joining("stack", "joins equally shaped tensors along a new axis", example: "stack([ones(2), zeros(2)], axis=1)") { try Tensor.stack($0, axis: $1) },
        binary("matmul", "matmul(a, b)", "matrix product, the same as a @ b", example: "matmul([[1, 2], [3, 4]], [1, 1])") { try $0.matmul($1) },
        Builtin(name: "pow", usage: "pow(x, p)", summary: "xᵖ elementwise, the same as x ^ p", keywords: [], example: "pow([1, 2, 3], 2)") { _, a in
            try a.expectCount(2...2)
            return try Operators.binary("^", a.positional[0].0, a.positional[1].0, at: a.location)
        },
        binary("maximum", "maximum(a, b)", "the larger of a and b elementwise", example: "maximum([1, 5], [3, 2])") { try $0.maximum($1) },
        binary("minimum", "minimum(a, b)", "the smaller of a and b elementwise", example: "minimum([1, 5], 3)") { try $0.minimum($1) },
        Builtin(name: "clamp", usage: "clamp(x, min=-inf, max=inf)", summary: "limits every element to [min, max]", keywords: ["min", "max"], example: "clamp([-2, 0.5, 3], min=0, max=1)") { _, a in
            try a.expectCount(1...1)
            let x = try t(a, 0)
            let lo = try a.keyword("min")?.number(at: a.keywordLocation("min")) ?? -.infinity
            let hi = try a.keyword("max")?.number(at: a.keywordLocation("max")) ?? .infinity
            return .tensor(x.clamp(min: Float(lo), max: Float(hi)))
        },
        Builtin(name: "where", usage: "where(condition, a, b)", summary: "a where condition is non-zero, else b", keywords: [], example: "x = tensor([-1, 2, -3])\nwhere(x > 0, x, 0)") { _, a in
            try a.expectCount(3...3)
            let c = try t(a, 0), x = try t(a, 1), y = try t(a, 2)
            return .tensor(try at(a.location) { try Tensor.where(c, x, y) })
        },
        Builtin(name: "one_hot", usage: "one_hot(indices, depth)", summary: "indices → rows of 0 and 1", keywords: [], example: "one_hot([0, 2], 3)") { _, a in
            try a.expectCount(2...2)
            let i = try t(a, 0), d = try a.positional[1].0.int(at: a.location(1))
            return .tensor(try at(a.location) { try Tensor.oneHot(i, depth: d) })
        },
        binary("gather", "gather(table, indices)", "rows of a table picked by indices (an embedding lookup)", example: "E = randn(5, 3, seed=1)\ngather(E, [4, 0])") { try $0.gatherRows($1) },
        Builtin(name: "item", usage: "item(x)", summary: "the number in a one-element tensor", keywords: [], example: "item(sum([1, 2]))") { _, a in
            try a.expectCount(1...1)
            let x = try t(a, 0)
            return .number(Double(try at(a.location) { try x.item() }))
        },
    ]
}
