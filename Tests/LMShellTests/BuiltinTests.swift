import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// Every builtin verb of `Builtins.table`, checked through `Interpreter.run` against LMCore and
/// LMModels called directly (or values worked out by hand), with at least one error per verb family
/// (message, line:column and hint). Then operators, members, indexing, the command form, `x.f(a)`,
/// `_`, keyword and argument-count errors, and `:help`.
@Suite("Builtins")
final class BuiltinTests {
    // MARK: - Fixtures and helpers

    /// Temp folders made by `shell()`, removed when the test ends.
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    final class Output: @unchecked Sendable { var text = "" }

    static let sentences = ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang to the cat.", "the mat was red."]
    /// About 12 000 characters: enough for the examples' default batch=50, seq=50, small enough to load at once.
    static let corpusText = (0..<600).map { sentences[$0 % sentences.count] }.joined(separator: "\n") + "\n"

    /// A fresh interpreter whose folder (a new temp dir) holds `input.txt`; its output is captured.
    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-builtins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try Self.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        i.configuration.environment = ["QUICK": "1", "LMSH_WHO": "student"]
        let out = Output()
        i.output = { out.text += $0 }
        return (i, out)
    }

    /// A shell with `text = corpus("input.txt", val=0.1, batch=4, seq=8)` and the same splits made directly.
    func corpusShell() throws -> (Interpreter, Output, Corpus, CorpusSplits) {
        let (i, out) = try shell()
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        let corpus = try Corpus(contentsOfFile: i.configuration.baseDirectory.appendingPathComponent("input.txt").path)
        let splits = try CorpusSplits(corpus, SplitSpec(val: 0.1, batch: 4, seq: 8))
        return (i, out, corpus, splits)
    }

    func value(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Value {
        try #require(try i.run(cell).value, "\(cell) showed no value", sourceLocation: sourceLocation)
    }

    func number(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Double {
        switch try value(i, cell, sourceLocation: sourceLocation) {
        case .number(let x): return x
        case let v: Issue.record("\(cell): expected a number, got a \(v.kind) \(v.display)", sourceLocation: sourceLocation); return .nan
        }
    }

    func tensor(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Tensor {
        switch try value(i, cell, sourceLocation: sourceLocation) {
        case .tensor(let t): return t
        case let v:
            Issue.record("\(cell): expected a tensor, got a \(v.kind) \(v.display)", sourceLocation: sourceLocation)
            return Tensor(Float.nan)
        }
    }

    func record(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [String: Value] {
        guard case .record(let fields) = try value(i, cell, sourceLocation: sourceLocation) else {
            Issue.record("\(cell): expected a record", sourceLocation: sourceLocation)
            return [:]
        }
        return Dictionary(fields, uniquingKeysWith: { a, _ in a })
    }

    func display(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        try value(i, cell, sourceLocation: sourceLocation).display
    }

    /// Expects `t` to have this shape and these values (exactly, or within `tol`).
    func expectTensor(_ t: Tensor, _ shape: [Int], _ data: [Float], tol: Float = 0,
                      sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(t.shape == shape, sourceLocation: sourceLocation)
        #expect(t.data.count == data.count, sourceLocation: sourceLocation)
        for (a, b) in zip(t.data, data) where !(abs(a - b) <= tol || (a.isNaN && b.isNaN)) {
            Issue.record("\(t.data) is not \(data) (tolerance \(tol))", sourceLocation: sourceLocation)
            return
        }
    }

    func same(_ t: Tensor, _ u: Tensor, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expectTensor(t, u.shape, u.data, sourceLocation: sourceLocation)
    }

    /// Runs a cell that must fail with this message, at line:column, with this hint.
    func expectError(_ i: Interpreter, _ cell: String, _ message: String, at lc: (Int, Int), hint: String?,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            let r = try i.run(cell)
            Issue.record("\(cell) should fail with \"\(message)\", gave \(r.value?.display ?? "nothing")", sourceLocation: sourceLocation)
        } catch let e as ShellError {
            #expect(e.message == message, "\(cell)", sourceLocation: sourceLocation)
            #expect(e.location == LMShell.SourceLocation(line: lc.0, column: lc.1), "\(cell): \(e)", sourceLocation: sourceLocation)
            #expect(e.hint == hint, "\(cell)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(cell) threw \(error), not a ShellError", sourceLocation: sourceLocation)
        }
    }

    func model(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ModelValue {
        guard case .model(let m) = try value(i, cell, sourceLocation: sourceLocation) else {
            Issue.record("\(cell) is not a model", sourceLocation: sourceLocation)
            throw ShellError("not a model")
        }
        return m
    }

    func sameParameters(_ a: RecurrentModel, _ b: RecurrentModel, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(a.parameters.names == b.parameters.names, sourceLocation: sourceLocation)
        for (x, y) in zip(a.parameters.entries, b.parameters.entries) {
            #expect(x.tensor.shape == y.tensor.shape && x.tensor.data == y.tensor.data, "\(x.name) differs", sourceLocation: sourceLocation)
        }
    }

    func fresh(_ cell: CellKind, _ vocab: Int, hidden: Int, layers: Int, embed: Int = 0,
               initialization: ModelConfig.Initialization? = nil, seed: UInt64 = 123) throws -> RecurrentModel {
        var rng = RandomSource(seed: seed)
        return try RecurrentModel(ModelConfig(cell: cell, vocabSize: vocab, hidden: hidden, layers: layers, embed: embed,
                                              initialization: initialization), rng: &rng)
    }

    // MARK: - Every verb

    /// The verbs the checks below cover; `Builtins.table` must have exactly these.
    static let tested: Set<String> = [
        "tensor", "zeros", "ones", "full", "eye", "arange", "randn", "rand",
        "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "square", "neg",
        "sum", "mean", "max", "min", "norm", "argmax", "softmax", "log_softmax", "cross_entropy",
        "reshape", "transpose", "permute", "concat", "stack", "matmul", "pow", "maximum", "minimum", "clamp", "where",
        "one_hot", "gather", "item", "diag",
        "backward", "zero_grad", "detach", "param", "gradcheck", "scan", "jacobian",
        "print", "len", "env", "pick", "type", "range",
        "gd", "sgd", "adam", "rmsprop", "adagrad", "clip_grad_norm", "batch", "recurrent",
        "corpus", "rnn", "lstm", "gru", "peephole", "ngram", "train", "step", "profile", "eval", "lm_loss", "sample", "save", "load",
        "grads", "spectrum", "eig", "with_radius", "assign", "gradflow", "encode", "rescale",
        "states", "show_cell", "feature", "cells", "select", "match", "saturation", "predict", "jacobians", "plot", "export",
        "prob", "next", "window", "classify", "tag",
        "gelu", "layer_norm", "linear", "causal_mask", "scaled_dot_attention", "transformer", "attention", "logprobs", "cpu_time",
    ]

    @Test func tableHasExactlyTheTestedVerbs() {
        let table = Set(Builtins.table.keys)
        #expect(table.subtracting(Self.tested).isEmpty, "builtins without a test: \(table.subtracting(Self.tested).sorted())")
        #expect(Self.tested.subtracting(table).isEmpty, "tested verbs that are not builtins: \(Self.tested.subtracting(table).sorted())")
        #expect(Builtins.table.values.allSatisfy { Builtins.table[$0.name] != nil })
    }

    /// One case per entry of the table: a verb added without a check here fails.
    @Test(arguments: Builtins.table.keys.sorted())
    func verb(_ name: String) throws {
        switch name {
        case "tensor": try checkTensor()
        case "zeros", "ones", "full": try checkConstants(name)
        case "eye": try checkEye()
        case "arange": try checkArange()
        case "randn", "rand": try checkRandom(name)
        case "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "square", "neg": try checkUnary(name)
        case "sum", "mean", "max", "min", "norm": try checkReduction(name)
        case "argmax": try checkArgmax()
        case "softmax", "log_softmax": try checkSoftmax(name)
        case "cross_entropy": try checkCrossEntropy()
        case "reshape": try checkReshape()
        case "transpose": try checkTranspose()
        case "permute": try checkPermute()
        case "concat", "stack": try checkJoin(name)
        case "matmul": try checkMatmul()
        case "pow": try checkPow()
        case "maximum", "minimum": try checkMaxMin(name)
        case "clamp": try checkClamp()
        case "where": try checkWhere()
        case "one_hot": try checkOneHot()
        case "gather": try checkGather()
        case "item": try checkItem()
        case "backward": try checkBackward()
        case "zero_grad": try checkZeroGrad()
        case "detach", "param": try checkDetachParam(name)
        case "gradcheck": try checkGradcheck()
        case "diag", "jacobian": try checkLectureProduct(name)
        case "scan": try checkScan()
        case "print": try checkPrint()
        case "len": try checkLen()
        case "env": try checkEnv()
        case "pick": try checkPick()
        case "type": try checkType()
        case "range": try checkRange()
        case "gd", "sgd", "adam", "rmsprop", "adagrad": try checkOptimizer(name)
        case "clip_grad_norm": try checkClipGradNorm()
        case "batch": try checkBatch()
        case "recurrent": try checkRecurrent()
        case "corpus": try checkCorpus()
        case "rnn", "lstm", "gru", "peephole": try checkModel(name)
        case "ngram": try checkNGram()
        case "train": try checkTrain()
        case "step": try checkStep()
        case "profile": try checkProfile()
        case "eval": try checkEval()
        case "lm_loss": try checkLoss()
        case "sample": try checkSample()
        case "save", "load": try checkSaveLoad(name)
        case "grads", "spectrum", "eig", "with_radius", "assign", "gradflow", "encode", "rescale": try checkInspect(name)
        case "states", "show_cell", "feature", "cells", "select", "match", "saturation", "predict", "jacobians": try checkStateVerb(name)
        case "plot", "export": try checkPicture(name)
        case "prob", "next": try checkWordQuestion(name)
        case "window": try checkWindow()
        case "classify", "tag": try checkHead(name)
        case "gelu", "layer_norm", "linear", "causal_mask", "scaled_dot_attention", "transformer", "attention", "logprobs", "cpu_time":
            try checkAttentionVerb(name)
        default: Issue.record("builtin '\(name)' has no test in BuiltinTests")
        }
    }

    // MARK: Creation

    func checkTensor() throws {
        let (i, _) = try shell()
        let t = try tensor(i, "tensor([[1, 2], [3, 4]], grad=true)")
        expectTensor(t, [2, 2], [1, 2, 3, 4])
        #expect(t.requiresGrad)
        expectTensor(try tensor(i, "tensor(2.5)"), [], [2.5])
        // A copy cut from the graph.
        try i.run("a = tensor([1, 2], grad=true)")
        try i.run("b = tensor(a * 2)")
        expectTensor(try tensor(i, "b"), [2], [2, 4])
        #expect(try display(i, "b.requires_grad") == "false")
        expectError(i, "tensor([[1, 2], [3]])", "tensor literal: element 1 has shape [1] but element 0 has [2]", at: (1, 8),
                    hint: "every row of a literal must have the same length")
        expectError(i, "tensor([1, \"a\"])", "a tensor literal holds numbers, not a string", at: (1, 8), hint: nil)
        expectError(i, "tensor(1, 2)", "tensor takes 1 argument, got 2", at: (1, 1), hint: "see :help tensor")
    }

    func checkConstants(_ name: String) throws {
        let (i, _) = try shell()
        let v: Float = name == "ones" ? 1 : (name == "full" ? 7 : 0)
        let extra = name == "full" ? ", value=7" : ""
        expectTensor(try tensor(i, "\(name)(2, 3\(extra))"), [2, 3], Array(repeating: v, count: 6))
        expectTensor(try tensor(i, "\(name)([3]\(extra))"), [3], Array(repeating: v, count: 3))
        expectTensor(try tensor(i, "\(name)(\(extra.dropFirst(2)))"), [], [v])
        #expect(try tensor(i, "\(name)(2, grad=true\(extra))").requiresGrad)
        #expect(try tensor(i, "\(name)(2\(extra))").requiresGrad == false)
        same(try tensor(i, "\(name)(2, 2\(extra))"), try Tensor.full([2, 2], v))
        expectError(i, "\(name)(2, -1)", "\(name): negative size -1 in shape [2,-1]", at: (1, name.count + 5), hint: "sizes are whole numbers ≥ 0")
        expectError(i, "\(name)(\"a\")", "expected a size, got a string", at: (1, name.count + 2), hint: nil)
        expectError(i, "\(name)(2.5)", "expected a size, got 2.5", at: (1, name.count + 2), hint: nil)
        if name == "full" {
            expectTensor(try tensor(i, "full(2)"), [2], [0, 0])
            expectError(i, "full(2, value=\"x\")", "expected a number, got a string", at: (1, 9), hint: nil)
        }
    }

    func checkEye() throws {
        let (i, _) = try shell()
        same(try tensor(i, "eye(3)"), try Tensor.eye(3))
        expectTensor(try tensor(i, "eye(2, 3)"), [2, 3], [1, 0, 0, 0, 1, 0])
        same(try tensor(i, "eye(3, m=2)"), try Tensor.eye(3, 2))
        expectError(i, "eye(3, 2, m=2)", "eye got m twice", at: (1, 11), hint: "give m as the second argument or as m=, not both")
        expectError(i, "eye(-1)", "eye: negative size -1", at: (1, 5), hint: "sizes are whole numbers ≥ 0")
        expectError(i, "eye(2, -3)", "eye: negative size -3", at: (1, 8), hint: "sizes are whole numbers ≥ 0")
        expectError(i, "eye(2.5)", "expected a whole number, got 2.5", at: (1, 5), hint: nil)
        expectError(i, "eye()", "eye takes 1 to 2 arguments, got 0", at: (1, 1), hint: "see :help eye")
    }

    func checkArange() throws {
        let (i, _) = try shell()
        expectTensor(try tensor(i, "arange(4)"), [4], [0, 1, 2, 3])
        expectTensor(try tensor(i, "arange(1, 2, step=0.25)"), [4], [1, 1.25, 1.5, 1.75])
        expectTensor(try tensor(i, "arange(5, 0, step=-2)"), [3], [5, 3, 1])
        same(try tensor(i, "arange(2, 7)"), try Tensor.arange(2, 7))
        expectError(i, "arange(0, 1, step=0)", "arange: step must be finite and non-zero, start and end finite", at: (1, 1), hint: nil)
        expectError(i, "arange()", "arange takes 1 to 2 arguments, got 0", at: (1, 1), hint: "see :help arange")
        expectError(i, "arange(1, 2, 3)", "arange takes 1 to 2 arguments, got 3", at: (1, 1), hint: "see :help arange")
    }

    func checkRandom(_ name: String) throws {
        let (i, _) = try shell()
        if name == "randn" {
            var rng = RandomSource(seed: 1)
            same(try tensor(i, "randn(3, 4, seed=1, std=0.5, mean=2)"), try Tensor.randn([3, 4], mean: 2, std: 0.5, rng: &rng))
            same(try tensor(i, "randn(2, 3)"), try Tensor.randn([2, 3], seed: 0))
            let big = try tensor(i, "randn(4000, seed=5)")
            #expect(abs(big.data.reduce(0, +) / 4000) < 0.1)
        } else {
            var rng = RandomSource(seed: 1)
            same(try tensor(i, "rand(2, 3, seed=1, low=-1, high=1)"), try Tensor.rand([2, 3], low: -1, high: 1, rng: &rng))
            same(try tensor(i, "rand([5])"), try Tensor.rand([5], seed: 0))
            let u = try tensor(i, "rand(1000, seed=2, low=3, high=4)")
            #expect(u.data.allSatisfy { $0 >= 3 && $0 < 4 })
        }
        // The same seed gives the same numbers; another seed others.
        #expect(try tensor(i, "\(name)(5, seed=9)").data == (try tensor(i, "\(name)(5, seed=9)").data))
        #expect(try tensor(i, "\(name)(5, seed=9)").data != (try tensor(i, "\(name)(5, seed=10)").data))
        #expect(try tensor(i, "\(name)(2, grad=true)").requiresGrad)
        expectError(i, "\(name)(2, seed=-1)", "seed must be ≥ 0", at: (1, name.count + 5), hint: nil)
        // The command form needs parentheses around a negative value.
        expectError(i, "\(name) 2 seed=-1", "expected a value after 'seed=', found '-'", at: (1, name.count + 9),
                    hint: "write a negative value in parentheses: seed=(-1)")
        expectError(i, "\(name)(2, sed=1)", "\(name) has no keyword 'sed'", at: (1, name.count + 5), hint: "did you mean 'seed'?")
        expectError(i, "\(name)(2, -3)", "\(name): negative size -3 in shape [2,-3]", at: (1, name.count + 5), hint: "sizes are whole numbers ≥ 0")
    }

    // MARK: Elementwise and reductions

    func checkUnary(_ name: String) throws {
        let (i, _) = try shell()
        let xs: [Float] = [-1.5, 0.25, 2]
        let x = try Tensor(shape: [3], data: xs)
        let expected: Tensor = switch name {
        case "exp": x.exp()
        case "log": x.log()
        case "tanh": x.tanh()
        case "sigmoid": x.sigmoid()
        case "relu": x.relu()
        case "sqrt": x.sqrt()
        case "abs": x.abs()
        case "square": x.square()
        default: x.neg()
        }
        let t = try tensor(i, "\(name)([-1.5, 0.25, 2])")
        expectTensor(t, [3], expected.data)
        // By hand for a few.
        switch name {
        case "relu": expectTensor(t, [3], [0, 0.25, 2])
        case "abs": expectTensor(t, [3], [1.5, 0.25, 2])
        case "square": expectTensor(t, [3], [2.25, 0.0625, 4])
        case "neg": expectTensor(t, [3], [1.5, -0.25, -2])
        case "sqrt": #expect(t.data[0].isNaN && t.data[2] == Float(2).squareRoot())
        case "log": #expect(t.data[0].isNaN && abs(t.data[2] - Float(M_LN2)) < 1e-6)
        default: break
        }
        // A number in, a number out.
        let n = try value(i, "\(name)(0.25)")
        guard case .number(let y) = n else { Issue.record("\(name)(0.25) gave a \(n.kind)"); return }
        #expect(abs(y - Double(expected.data[1])) < 1e-6)
        // Gradients flow.
        try i.run("x = tensor([0.5, 2], grad=true)")
        try i.run("sum(\(name)(x)).backward()")
        let g = try tensor(i, "x.grad")
        let leaf = try Tensor(shape: [2], data: [0.5, 2], requiresGrad: true)
        let out: Tensor = switch name {
        case "exp": leaf.exp()
        case "log": leaf.log()
        case "tanh": leaf.tanh()
        case "sigmoid": leaf.sigmoid()
        case "relu": leaf.relu()
        case "sqrt": leaf.sqrt()
        case "abs": leaf.abs()
        case "square": leaf.square()
        default: leaf.neg()
        }
        try out.sum().backward()
        same(g, try #require(leaf.grad))
        expectError(i, "\(name)(\"a\")", "expected a tensor, got a string", at: (1, name.count + 2), hint: nil)
        expectError(i, "\(name)(1, 2)", "\(name) takes 1 argument, got 2", at: (1, 1), hint: "see :help \(name)")
        expectError(i, "\(name)(1, axis=0)", "\(name) has no keyword 'axis'", at: (1, name.count + 5), hint: "\(name) takes no keywords")
    }

    func checkReduction(_ name: String) throws {
        let (i, _) = try shell()
        try i.run("x = [[1, -2, 3], [4, 5, -6]]")
        let x = try Tensor(shape: [2, 3], data: [1, -2, 3, 4, 5, -6])
        func direct(_ axes: [Int]?, _ keep: Bool) throws -> Tensor {
            switch name {
            case "sum": return try x.sum(axes: axes, keepdims: keep)
            case "mean": return try x.mean(axes: axes, keepdims: keep)
            case "max": return try x.max(axes: axes, keepdims: keep)
            case "min": return try x.min(axes: axes, keepdims: keep)
            default: return try x.norm(axes: axes, keepdims: keep)
            }
        }
        same(try tensor(i, "\(name)(x)"), try direct(nil, false))
        same(try tensor(i, "\(name)(x, 0)"), try direct([0], false))
        same(try tensor(i, "\(name)(x, axis=1)"), try direct([1], false))
        same(try tensor(i, "\(name)(x, axis=-1, keepdims=true)"), try direct([-1], true))
        same(try tensor(i, "\(name)(x, axis=[0, 1])"), try direct([0, 1], false))
        same(try tensor(i, "\(name)(x, none)"), try direct(nil, false))
        // By hand.
        let byHand: [String: ([Float], [Float])] = [
            "sum": ([5, 3, -3], [2, 3]), "mean": ([2.5, 1.5, -1.5], [2 / 3, 1]),
            "max": ([4, 5, 3], [3, 5]), "min": ([1, -2, -6], [-2, -6]),
            "norm": ([Float(17).squareRoot(), Float(29).squareRoot(), Float(45).squareRoot()], [Float(14).squareRoot(), Float(77).squareRoot()]),
        ]
        let (axis0, axis1) = try #require(byHand[name])
        expectTensor(try tensor(i, "\(name)(x, axis=0)"), [3], axis0, tol: 1e-5)
        expectTensor(try tensor(i, "x.\(name)(axis=1, keepdims=true)"), [2, 1], axis1, tol: 1e-5)
        expectError(i, "\(name)(x, axis=5)", "\(name): axis 5 is out of range for a tensor of rank 2", at: (1, name.count + 5),
                    hint: "axes go from -2 to 1")
        expectError(i, "\(name)(x, 2)", "\(name): axis 2 is out of range for a tensor of rank 2", at: (1, name.count + 5),
                    hint: "axes go from -2 to 1")
        expectError(i, "\(name)(x, axis=0.5)", "expected an axis, got 0.5", at: (1, name.count + 5), hint: nil)
        expectError(i, "\(name)(x, 0, 1)", "\(name) takes 1 to 2 arguments, got 3", at: (1, 1), hint: "see :help \(name)")
        expectError(i, "\(name)(x, axes=0)", "\(name) has no keyword 'axes'", at: (1, name.count + 5), hint: "did you mean 'axis'?")
    }

    func checkArgmax() throws {
        let (i, _) = try shell()
        try i.run("x = [[1, 5, 2], [7, 0, 3]]")
        expectTensor(try tensor(i, "argmax(x)"), [], [3])
        expectTensor(try tensor(i, "argmax(x, axis=1)"), [2], [1, 0])
        expectTensor(try tensor(i, "argmax(x, 0, keepdims=true)"), [1, 3], [1, 0, 1])
        same(try tensor(i, "argmax(x, axis=-1)"), try Tensor(shape: [2, 3], data: [1, 5, 2, 7, 0, 3]).argmax(axis: -1))
        expectError(i, "argmax(x, axis=3)", "argmax: axis 3 is out of range for a tensor of rank 2", at: (1, 1), hint: "axes go from -2 to 1")
    }

    func checkSoftmax(_ name: String) throws {
        let (i, _) = try shell()
        let x = try Tensor(shape: [2, 3], data: [1, 2, 3, 0, 0, 0])
        try i.run("x = [[1, 2, 3], [0, 0, 0]]")
        let direct = name == "softmax" ? try x.softmax(axis: -1) : try x.logSoftmax(axis: -1)
        same(try tensor(i, "\(name)(x)"), direct)
        same(try tensor(i, "\(name)(x, axis=0)"), name == "softmax" ? try x.softmax(axis: 0) : try x.logSoftmax(axis: 0))
        same(try tensor(i, "\(name)(x, 0)"), name == "softmax" ? try x.softmax(axis: 0) : try x.logSoftmax(axis: 0))
        // By hand: the uniform row.
        let row = try tensor(i, "\(name)(x)[1]")
        expectTensor(row, [3], Array(repeating: name == "softmax" ? 1 / 3 : -Foundation.log(Float(3)), count: 3), tol: 1e-6)
        // Rows of softmax sum to one.
        if name == "softmax" { expectTensor(try tensor(i, "sum(softmax(x), axis=1)"), [2], [1, 1], tol: 1e-6) }
        expectError(i, "\(name)(x, axis=2)", "\(name): axis 2 is out of range for a tensor of rank 2", at: (1, 1), hint: "axes go from -2 to 1")
        expectError(i, "\(name)(x, keepdims=true)", "\(name) has no keyword 'keepdims'", at: (1, name.count + 5), hint: "its keywords are axis")
    }

    func checkCrossEntropy() throws {
        let (i, _) = try shell()
        let logits = try Tensor(shape: [2, 3], data: [2, 0, 0, 0, 0, 3])
        let y = try Tensor(shape: [2], data: [0, 2])
        let t = try tensor(i, "cross_entropy([[2, 0, 0], [0, 0, 3]], [0, 2])")
        same(t, try logits.crossEntropy(targets: y))
        // By hand: mean of −log softmax at the targets.
        let l0 = -(2 - Float(Foundation.log(exp(2.0) + 2))), l1 = -(3 - Float(Foundation.log(exp(3.0) + 2)))
        expectTensor(t, [], [(l0 + l1) / 2], tol: 1e-6)
        expectError(i, "cross_entropy([[1, 2]], [5])", "cross_entropy: index 5.0 is not an integer in 0..<2", at: (1, 1), hint: nil)
        expectError(i, "cross_entropy([[1, 2]], [0, 1])", "cross_entropy: 1 rows of logits but 2 targets", at: (1, 1), hint: nil)
        expectError(i, "cross_entropy([[1, 2]])", "cross_entropy takes 2 arguments, got 1", at: (1, 1), hint: "see :help cross_entropy")
    }

    // MARK: Shapes

    func checkReshape() throws {
        let (i, _) = try shell()
        expectTensor(try tensor(i, "reshape(arange(6), 2, 3)"), [2, 3], [0, 1, 2, 3, 4, 5])
        expectTensor(try tensor(i, "reshape(arange(6), [3, -1])"), [3, 2], [0, 1, 2, 3, 4, 5])
        expectTensor(try tensor(i, "arange(6).reshape(-1)"), [6], [0, 1, 2, 3, 4, 5])
        expectTensor(try tensor(i, "reshape([7])"), [], [7])
        expectError(i, "reshape(arange(6), 4, 2)", "reshape: [6] has 6 elements, [4,2] needs 8", at: (1, 1),
                    hint: "the product of the sizes must stay the same")
        expectError(i, "reshape(arange(6), -1, -1)", "reshape: only one size may be -1, got [-1,-1]", at: (1, 1), hint: nil)
        expectError(i, "reshape()", "reshape needs a tensor as argument 1", at: (1, 1), hint: nil)
    }

    func checkTranspose() throws {
        let (i, _) = try shell()
        try i.run("x = randn(2, 3, 4, seed=1)")
        let x = try Tensor.randn([2, 3, 4], seed: 1)
        same(try tensor(i, "transpose(x)"), try x.transpose(-2, -1))
        same(try tensor(i, "transpose(x, 0, 2)"), try x.transpose(0, 2))
        same(try tensor(i, "transpose(x, axis0=0, axis1=1)"), try x.transpose(0, 1))
        same(try tensor(i, "transpose(x, 0, axis1=1)"), try x.transpose(0, 1))
        expectTensor(try tensor(i, "transpose([[1, 2, 3], [4, 5, 6]])"), [3, 2], [1, 4, 2, 5, 3, 6])
        expectError(i, "transpose(x, 0, 5)", "transpose: axis 5 is out of range for a tensor of rank 3", at: (1, 1), hint: "axes go from -3 to 2")
        expectError(i, "transpose(x, 1, axis0=0)", "transpose got axis0 twice", at: (1, 17), hint: "give it as argument 2 or as axis0=, not both")
        expectError(i, "transpose(x, axis=0)", "transpose has no keyword 'axis'", at: (1, 14), hint: "did you mean 'axis0'?")
    }

    func checkPermute() throws {
        let (i, _) = try shell()
        try i.run("x = randn(2, 3, 4, seed=2)")
        let x = try Tensor.randn([2, 3, 4], seed: 2)
        same(try tensor(i, "permute(x, 2, 0, 1)"), try x.permute([2, 0, 1]))
        same(try tensor(i, "permute(x, [1, 2, 0])"), try x.permute([1, 2, 0]))
        #expect(try display(i, "x.permute(2, 1, 0).shape") == "[4, 3, 2]")
        expectError(i, "permute(x, 0)", "permute: 1 axes given for a tensor of rank 3", at: (1, 1), hint: nil)
    }

    func checkJoin(_ name: String) throws {
        let (i, _) = try shell()
        let a = try Tensor(shape: [2], data: [1, 2]), b = try Tensor(shape: [2], data: [3, 4])
        if name == "concat" {
            same(try tensor(i, "concat([[1, 2], [3, 4]])"), try Tensor.concat([a, b]))
            expectTensor(try tensor(i, "concat([ones(2, 1), zeros(2, 2)], axis=1)"), [2, 3], [1, 0, 0, 1, 0, 0])
            expectTensor(try tensor(i, "concat([ones(1), [5]])"), [2], [1, 5])
            expectError(i, "concat([ones(2), ones(2, 2)])", "concat: tensor 1 has rank 2, tensor 0 has rank 1", at: (1, 1), hint: nil)
        } else {
            same(try tensor(i, "stack([[1, 2], [3, 4]])"), try Tensor.stack([a, b]))
            expectTensor(try tensor(i, "stack([[1, 2], [3, 4]], axis=1)"), [2, 2], [1, 3, 2, 4])
            expectError(i, "stack([ones(2), ones(3)])", "stack: tensor 1 has shape [3], tensor 0 [2]", at: (1, 1), hint: nil)
        }
        expectError(i, "\(name)(ones(2))", "\(name) takes a list of tensors", at: (1, name.count + 2), hint: nil)
        expectError(i, "\(name)([ones(2), \"a\"])", "expected a tensor, got a string", at: (1, name.count + 2), hint: nil)
        expectError(i, "\(name)(ones(2), ones(2))", "\(name) takes 1 argument, got 2", at: (1, 1), hint: "see :help \(name)")
    }

    // MARK: Binary

    func checkMatmul() throws {
        let (i, _) = try shell()
        try i.run("a = randn(3, 4, seed=1)")
        try i.run("b = randn(4, 2, seed=2)")
        let a = try Tensor.randn([3, 4], seed: 1), b = try Tensor.randn([4, 2], seed: 2)
        same(try tensor(i, "matmul(a, b)"), try a.matmul(b))
        same(try tensor(i, "a @ b"), try a.matmul(b))
        expectTensor(try tensor(i, "matmul([[1, 2], [3, 4]], [1, 1])"), [2], [3, 7])
        expectTensor(try tensor(i, "[1, 2] @ [3, 4]"), [], [11])
        expectError(i, "matmul(a, a)", "matmul: [3,4] @ [3,4]: inner sizes 4 and 3 differ", at: (1, 1),
                    hint: "the last size of the left operand must equal the first matrix size of the right; transpose one?")
        expectError(i, "matmul(a)", "matmul takes 2 arguments, got 1", at: (1, 1), hint: "see :help matmul")
    }

    func checkPow() throws {
        let (i, _) = try shell()
        #expect(try number(i, "pow(2, 10)") == 1024)
        expectTensor(try tensor(i, "pow([1, 2, 3], 2)"), [3], [1, 4, 9])
        expectTensor(try tensor(i, "pow([4, 9], [0.5, 2])"), [2], [2, 81])
        let x = try Tensor(shape: [2], data: [1.5, 3])
        same(try tensor(i, "pow([1.5, 3], 3)"), x.pow(3))
        expectError(i, "pow(\"a\", 2)", "expected a number or tensor on the left of ^, got a string", at: (1, 1), hint: nil)
        expectError(i, "pow([1, 2], [1, 2, 3])", "pow: shapes [2] and [3] do not broadcast: sizes 2 and 3 differ", at: (1, 1),
                    hint: "sizes must be equal or 1, aligned from the right")
    }

    func checkMaxMin(_ name: String) throws {
        let (i, _) = try shell()
        let a = try Tensor(shape: [3], data: [1, 5, -2]), b = try Tensor(shape: [3], data: [3, 2, -1])
        same(try tensor(i, "\(name)([1, 5, -2], [3, 2, -1])"), name == "maximum" ? try a.maximum(b) : try a.minimum(b))
        expectTensor(try tensor(i, "\(name)([1, 5, -2], 0)"), [3], name == "maximum" ? [1, 5, 0] : [0, 0, -2])
        expectError(i, "\(name)(ones(2), ones(3))", "\(name): shapes [2] and [3] do not broadcast: sizes 2 and 3 differ", at: (1, 1),
                    hint: "sizes must be equal or 1, aligned from the right")
    }

    func checkClamp() throws {
        let (i, _) = try shell()
        expectTensor(try tensor(i, "clamp([-2, 0.5, 3], min=0, max=1)"), [3], [0, 0.5, 1])
        expectTensor(try tensor(i, "clamp([-2, 0.5, 3], max=0)"), [3], [-2, 0, 0])
        expectTensor(try tensor(i, "clamp([-2, 0.5, 3])"), [3], [-2, 0.5, 3])
        let x = try Tensor.randn([5], seed: 4)
        same(try tensor(i, "clamp(randn(5, seed=4), min=-0.5, max=0.5)"), x.clamp(min: -0.5, max: 0.5))
        expectError(i, "clamp([1, 5], 0, 1)", "clamp takes 1 argument, got 3", at: (1, 1), hint: "see :help clamp")
        expectError(i, "clamp([1, 5], min=\"a\")", "expected a number, got a string", at: (1, 15), hint: nil)
        expectError(i, "clamp([1, 5], mn=0)", "clamp has no keyword 'mn'", at: (1, 15), hint: "did you mean 'min'?")
    }

    func checkWhere() throws {
        let (i, _) = try shell()
        try i.run("x = tensor([-1, 2, -3])")
        expectTensor(try tensor(i, "where(x > 0, x, 0)"), [3], [0, 2, 0])
        expectTensor(try tensor(i, "where([1, 0, 1], [1, 2, 3], [[10], [20]])"), [2, 3], [1, 10, 3, 1, 20, 3])
        let c = try Tensor(shape: [3], data: [0, 1, 1])
        same(try tensor(i, "where([0, 1, 1], x, -x)"),
             try Tensor.where(c, try Tensor(shape: [3], data: [-1, 2, -3]), try Tensor(shape: [3], data: [1, -2, 3])))
        expectError(i, "where([1, 0], [1, 2, 3], 0)", "where: shapes [2] and [3] do not broadcast: sizes 2 and 3 differ", at: (1, 1),
                    hint: "sizes must be equal or 1, aligned from the right")
        expectError(i, "where(x > 0, x)", "where takes 3 arguments, got 2", at: (1, 1), hint: "see :help where")
    }

    // MARK: Indices

    func checkOneHot() throws {
        let (i, _) = try shell()
        expectTensor(try tensor(i, "one_hot([0, 2], 3)"), [2, 3], [1, 0, 0, 0, 0, 1])
        same(try tensor(i, "one_hot([[1], [0]], 2)"), try Tensor.oneHot(try Tensor(shape: [2, 1], data: [1, 0]), depth: 2))
        expectError(i, "one_hot([0, 5], 3)", "one_hot: index 5.0 is not an integer in 0..<3", at: (1, 1), hint: nil)
        expectError(i, "one_hot([0.5], 3)", "one_hot: index 0.5 is not an integer in 0..<3", at: (1, 1), hint: nil)
        expectError(i, "one_hot([0], 2.5)", "expected a whole number, got 2.5", at: (1, 14), hint: nil)
    }

    func checkGather() throws {
        let (i, _) = try shell()
        try i.run("E = randn(5, 3, seed=1, grad=true)")
        let e = try Tensor.randn([5, 3], seed: 1)
        let g = try tensor(i, "gather(E, [4, 0, 4])")
        same(g, try e.gatherRows(try Tensor(shape: [3], data: [4, 0, 4])))
        expectTensor(g, [3, 3], Array(e.data[12..<15]) + Array(e.data[0..<3]) + Array(e.data[12..<15]))
        // The embedding gradient counts how often each row was picked.
        try i.run("sum(gather(E, [4, 0, 4])).backward()")
        expectTensor(try tensor(i, "E.grad[:, 0]"), [5], [1, 0, 0, 0, 2])
        expectError(i, "gather(ones(3, 2), [3])", "gather: index 3.0 is not an integer in 0..<3", at: (1, 1), hint: nil)
    }

    func checkItem() throws {
        let (i, _) = try shell()
        #expect(try number(i, "item(sum([1, 2]))") == 3)
        #expect(try number(i, "item([[2.5]])") == 2.5)
        #expect(try number(i, "mean([1, 2]).item()") == 1.5)
        expectError(i, "item(ones(2))", "item: the tensor has shape [2], not one element", at: (1, 1),
                    hint: "reduce it first, e.g. with sum or mean")
    }

    // MARK: Autodiff

    func checkBackward() throws {
        let (i, _) = try shell()
        try i.run("x = tensor([1, 2, 3], grad=true)")
        #expect(try i.run("backward(sum(x ^ 2))").value == nil)
        expectTensor(try tensor(i, "x.grad"), [3], [2, 4, 6])
        // Gradients accumulate.
        try i.run("sum(3 * x).backward()")
        expectTensor(try tensor(i, "x.grad"), [3], [5, 7, 9])
        expectError(i, "backward(ones(2))", "backward: the tensor has shape [2], not one element", at: (1, 1),
                    hint: "call backward on a scalar loss, or pass a seed gradient")
        expectError(i, "backward(ones(1))", "backward: this tensor does not depend on anything that requires grad", at: (1, 1),
                    hint: "make the inputs with requiresGrad (in the shell: param(x) or randn(..., grad=true))")
    }

    func checkZeroGrad() throws {
        let (i, _, _, _) = try corpusShell()
        try i.run("x = tensor([1, 2], grad=true)")
        try i.run("sum(x).backward()")
        expectTensor(try tensor(i, "x.grad"), [2], [1, 1])
        #expect(try i.run("zero_grad(x)").value == nil)
        #expect(try display(i, "type(x.grad)") == "none")
        // A model's gradients too.
        try i.run("m = rnn(text, hidden=4)")
        try i.run("step m text batch=4 seq=8")
        let m = try model(i, "m")
        m.model.parameters.entries[0].tensor.grad = try Tensor.ones(m.model.parameters.entries[0].tensor.shape)
        try i.run("zero_grad(m, x)")
        #expect(m.model.parameters.tensors.allSatisfy { $0.grad == nil })
        expectError(i, "zero_grad(x, \"a\")", "expected a tensor, got a string", at: (1, 14), hint: nil)
    }

    func checkDetachParam(_ name: String) throws {
        let (i, _) = try shell()
        try i.run("x = tensor([1, 2], grad=true)")
        let y = try tensor(i, "\(name)(x * 2)")
        expectTensor(y, [2], [2, 4])
        #expect(y.requiresGrad == (name == "param"))
        #expect(y.isLeaf)
        if name == "param" {
            // A new leaf: gradients stop at it and do not reach x.
            try i.run("w = param(x * 2)")
            try i.run("sum(w * w).backward()")
            expectTensor(try tensor(i, "w.grad"), [2], [4, 8])
            #expect(try display(i, "type(x.grad)") == "none")
        } else {
            // Cut from the graph: the detached branch adds no gradient.
            try i.run("sum(x * detach(x)).backward()")
            expectTensor(try tensor(i, "x.grad"), [2], [1, 2])
        }
        expectError(i, "\(name)(1, 2)", "\(name) takes 1 argument, got 2", at: (1, 1), hint: "see :help \(name)")
        expectError(i, "\(name)()", "\(name) takes 1 argument, got 0", at: (1, 1), hint: "see :help \(name)")
    }

    func checkGradcheck() throws {
        let (i, _) = try shell()
        try i.run("def f(w) = sum(tanh(w) ^ 2)")
        let r = try record(i, "gradcheck(f, randn(3, 2, seed=1))")
        let direct = try Tensor.gradcheck([try Tensor.randn([3, 2], seed: 1)]) { try $0[0].tanh().pow(2).sum() }
        guard case .bool(true)? = r["passed"] else { Issue.record("gradcheck failed: \(r)"); return }
        guard case .number(let checked)? = r["checked"], case .number(let err)? = r["max_error"] else { Issue.record("\(r)"); return }
        #expect(Int(checked) == direct.checked && checked == 6)
        #expect(Float(err) == direct.maxError)
        // Builtins are functions too; two inputs; keywords.
        let r2 = try record(i, "gradcheck(matmul, randn(2, 3, seed=1), randn(3, 2, seed=2), eps=1e-3, tol=5e-2)")
        guard case .bool(true)? = r2["passed"], case .number(12)? = r2["checked"] else { Issue.record("\(r2)"); return }
        // A wrong gradient is caught: relu at its kink compared with a wide step.
        let r3 = try record(i, "gradcheck(relu, [0.001], eps=0.1, tol=1e-3)")
        guard case .bool(false)? = r3["passed"] else { Issue.record("a kink passed: \(r3)"); return }
        expectError(i, "gradcheck(f)", "gradcheck needs a function and at least one tensor", at: (1, 1), hint: nil)
        expectError(i, "gradcheck(3, ones(2))", "a number cannot be called", at: (1, 1), hint: "only functions and builtins take arguments")
        expectError(i, "gradcheck(f, ones(2), epsilon=1)", "gradcheck has no keyword 'epsilon'", at: (1, 23), hint: "its keywords are eps, tol")
    }

    func checkScan() throws {
        let (i, _) = try shell()
        try i.run("def cell(x, h) = tanh(x + 0.5 * h)")
        try i.run("xs = randn(4, 3, seed=1)")
        let hs = try tensor(i, "scan(cell, xs, zeros(3))")
        // By hand: the same recurrence on the engine.
        let xs = try Tensor.randn([4, 3], seed: 1)
        var h = try Tensor.zeros([3]), states: [Tensor] = []
        for t in 0..<4 {
            h = try xs.slice([.at(t)]).add(h.mul(Tensor(0.5))).tanh()
            states.append(h)
        }
        same(hs, try Tensor.stack(states))
        // The initial state may be a number (broadcast) and the result is differentiable.
        try i.run("W = ones(3, grad=true)")
        try i.run("def cellw(x, h) = x * W + h")
        expectTensor(try tensor(i, "scan(cellw, [[1, 2, 3], [4, 5, 6]], 0)"), [2, 3], [1, 2, 3, 5, 7, 9])
        try i.run("sum(scan(cellw, [[1, 2, 3], [4, 5, 6]], 0)).backward()")
        expectTensor(try tensor(i, "W.grad"), [3], [6, 9, 12])
        expectError(i, "scan(cell, 3, 0)", "scan needs xs with at least one axis", at: (1, 12), hint: nil)
        expectError(i, "scan(cell, zeros(0, 2), 0)", "scan over an empty axis", at: (1, 12), hint: nil)
        try i.run("def bad(x, h) = \"a\"")
        expectError(i, "scan(bad, ones(2, 2), 0)", "expected a tensor state from the step function, got a string", at: (1, 1), hint: nil)
        expectError(i, "scan(cell, xs)", "scan takes 3 arguments, got 2", at: (1, 1), hint: "see :help scan")
    }

    // MARK: Utilities

    func checkPrint() throws {
        let (i, out) = try shell()
        #expect(try i.run("print(\"loss\", 2.5, [1, \"b\"], true, none)").value == nil)
        #expect(out.text == "loss 2.5 [1, \"b\"] true none\n")
        out.text = ""
        try i.run("print(tensor([1, 2]))")
        #expect(out.text == (try Tensor(shape: [2], data: [1, 2])).description + "\n")
        out.text = ""
        try i.run("print()")
        #expect(out.text == "\n")
        expectError(i, "print(1, sep=\",\")", "print has no keyword 'sep'", at: (1, 10), hint: "print takes no keywords")
    }

    func checkLen() throws {
        let (i, _) = try shell()
        #expect(try number(i, "len([1, 2, 3])") == 3)
        #expect(try number(i, "len(\"héllo\")") == 5)
        #expect(try number(i, "len(ones(4, 2))") == 4)
        #expect(try number(i, "len([])") == 0)
        expectError(i, "len(3)", "a number has no length", at: (1, 5), hint: nil)
        expectError(i, "len(tensor(5))", "a tensor of rank 0 has no length", at: (1, 5), hint: "x.size counts its elements")
    }

    func checkEnv() throws {
        let (i, _) = try shell()
        #expect(try number(i, "env(\"QUICK\")") == 1)
        #expect(try display(i, "env(\"LMSH_WHO\")") == "student")
        #expect(try i.run("env(\"LMSH_NOT_SET\")").value == nil)
        #expect(try number(i, "env(\"LMSH_NOT_SET\", 4)") == 4)
        expectError(i, "env(3)", "expected a string in double quotes, got a number", at: (1, 5), hint: nil)
        expectError(i, "env()", "env takes 1 to 2 arguments, got 0", at: (1, 1), hint: "see :help env")
    }

    func checkPick() throws {
        let (i, _) = try shell()
        #expect(try number(i, "pick(env(\"QUICK\", 0), 20, 2000)") == 20)
        #expect(try number(i, "pick(1 > 2, 1, 2)") == 2)
        #expect(try display(i, "pick(true, \"a\", 2)") == "a")
        expectError(i, "pick(\"a\", 1, 2)", "expected true or false, got a string", at: (1, 6), hint: nil)
        expectError(i, "pick(true, 1)", "pick takes 3 arguments, got 2", at: (1, 1), hint: "see :help pick")
    }

    func checkType() throws {
        let (i, _, _, _) = try corpusShell()
        try i.run("def f(x) = x")
        try i.run("m = rnn(text, hidden=4)")
        let kinds = [
            "1": "number", "\"a\"": "string", "true": "bool", "[1]": "list", "ones(1)": "tensor", "text": "corpus",
            "text.val": "text", "m": "model", "f": "function", "sum": "builtin", "none": "none", "eval(m, \"the\")": "record",
        ]
        for (cell, kind) in kinds { #expect(try display(i, "type(\(cell))") == kind, "type(\(cell))") }
        try i.run("lm = ngram(text, n=2)")
        #expect(try display(i, "type(lm)") == "ngram")
        expectError(i, "type()", "type takes 1 argument, got 0", at: (1, 1), hint: "see :help type")
    }

    // MARK: Corpora and models

    func checkCorpus() throws {
        let (i, out, corpus, splits) = try corpusShell()
        #expect(try number(i, "text.size") == Double(corpus.count))
        #expect(try number(i, "text.vocab_size") == Double(corpus.vocabulary.count))
        #expect(try display(i, "text.vocab") == String(String.UnicodeScalarView(corpus.vocabulary.scalars)))
        #expect(try number(i, "text.train.size") == Double(splits.train.count))
        #expect(try number(i, "text.val.size") == Double(splits.val.count))
        #expect(try number(i, "text.test.size") == Double(splits.test.count))
        #expect(try display(i, "text.split") == splits.summary)
        #expect(try display(i, "text.path") == "input.txt")
        #expect(try display(i, "text.val.name") == "val")
        #expect(try display(i, "text") == "corpus input.txt: \(splits.sizeReport) (\(splits.summary))")
        // Layout and a test split.
        try i.run("t2 = corpus(\"input.txt\", val=0.1, test=0.1, layout=\"contiguous\", batch=4, seq=8)")
        let s2 = try CorpusSplits(corpus, SplitSpec(val: 0.1, test: 0.1, layout: .contiguous, batch: 4, seq: 8))
        #expect(try number(i, "t2.test.size") == Double(s2.test.count))
        #expect(try number(i, "t2.train.size") == Double(s2.train.count))
        #expect(s2.test.count > 0)
        _ = out
        expectError(i, "corpus(\"nope.txt\")", "corpus: no such file: \(i.configuration.baseDirectory.appendingPathComponent("nope.txt").path)", at: (1, 8), hint: nil)
        expectError(i, "corpus(3)", "expected a file path in double quotes, got a number", at: (1, 8), hint: nil)
        expectError(i, "corpus(\"input.txt\", layout=\"weird\")", "layout must be \"charrnn\" or \"contiguous\"", at: (1, 21), hint: nil)
        expectError(i, "corpus(\"input.txt\", val=2)", "split: val 2.0 and test 0.0 must each be in [0, 1) and leave some text for training",
                    at: (1, 1), hint: nil)
        expectError(i, "corpus(\"input.txt\", vl=0.1)", "corpus has no keyword 'vl'", at: (1, 21), hint: "did you mean 'val'?")
    }

    /// `diag` and `jacobian`: the lecture's factor diag(g′(z))·V_h, built by hand, is what autodiff gives for one
    /// tanh step; `jacobian` leaves every .grad alone; `diag` is its own gradient's transpose.
    func checkLectureProduct(_ name: String) throws {
        let (i, out) = try shell()
        try i.run("V = tensor([[0.5, -0.2], [0.1, 0.9]])")
        try i.run("def cell(h) = tanh(h @ V)")
        try i.run("h = tensor([[0.3, -0.1]])")
        switch name {
        case "diag":
            expectTensor(try tensor(i, "diag(tensor([1, 2]))"), [2, 2], [1, 0, 0, 2])
            expectTensor(try tensor(i, "diag(tensor([[1, 2], [3, 4]]))"), [2], [1, 4])
            try i.run("v = param(tensor([1, -2, 3]))")
            try i.run("l = sum(diag(v) @ tensor([[1], [2], [3]]))")
            try i.run("l.backward()")
            expectTensor(try tensor(i, "v.grad"), [3], [1, 2, 3])
            let r = try record(i, "gradcheck(diag, randn(4, seed=3))")
            #expect(r["passed"]?.display == "true")
            expectError(i, "diag(zeros(2, 3))", "diag: needs a vector or a square matrix, got [2,3]", at: (1, 6), hint: nil)
        case "jacobian":
            // ∂h_n/∂h_{n−1} for h_n = tanh(h_{n−1}·V): (diag(1 − h_n²)·Vᵀ), row-major [1, 2, 1, 2].
            try i.run("V = param(V)")
            let j = try tensor(i, "jacobian(cell, h)")
            #expect(j.shape == [1, 2, 1, 2])
            let byHand = try tensor(i, "diag(1 - cell(h)[0] ^ 2) @ V.T")
            #expect(zip(j.data, byHand.data).allSatisfy { Swift.abs($0 - $1) < 1e-6 }, "\(j.data) against \(byHand.data)")
            _ = out.text
            #expect(try display(i, "type(V.grad)") == "none", "jacobian must not fill .grad")
            expectError(i, "jacobian(cell)", "jacobian takes 2 arguments, got 1", at: (1, 1), hint: "see :help jacobian")
            let hint = try #require(failure(i, "jacobain(cell, h)")?.hint)
            #expect(hint.contains("jacobian"))
        default: Issue.record("\(name)")
        }
    }

    func checkModel(_ name: String) throws {
        let (i, _, corpus, _) = try corpusShell()
        let v = corpus.vocabulary.count
        let kind = try #require(CellKind.named(name == "lstm" ? "lstm" : name))
        let gates = kind.gates
        let m = try model(i, "\(name)(text, hidden=8, layers=1)")
        sameParameters(m.model, try fresh(kind, v, hidden: 8, layers: 1))
        #expect(m.vocabulary == corpus.vocabulary)
        try i.run("m = \(name)(text, hidden=8, layers=2, embed=5, seed=7, init=\"pytorch\")")
        sameParameters(try model(i, "m").model, try fresh(kind, v, hidden: 8, layers: 2, embed: 5, initialization: .pytorch, seed: 7))
        #expect(try display(i, "m.rnn.weight_ih_l0.shape") == "[\(gates * 8), 5]")
        #expect(try display(i, "m.rnn.weight_ih_l1.shape") == "[\(gates * 8), 8]")
        #expect(try display(i, "m.encoder.weight.shape") == "[\(v), 5]")
        #expect(try display(i, "m.decoder.bias.shape") == "[\(v)]")
        #expect(try display(i, "m.cell") == kind.rawValue)
        #expect(try number(i, "m.hidden") == 8)
        #expect(try number(i, "m.layers") == 2)
        #expect(try number(i, "m.vocab_size") == Double(v))
        #expect(try number(i, "m.steps") == 0)
        // Defaults: hidden 128; layers 1 for rnn, else 2; dropout shows.
        let d = try model(i, "\(name)(text)")
        #expect(d.model.config.hidden == 128 && d.model.config.layers == (name == "rnn" ? 1 : 2))
        #expect(try display(i, "\(name)(text, hidden=4, layers=2, dropout=0.25)").contains("dropout 0.25"))
        if name == "lstm" {
            let c = try model(i, "lstm(text, hidden=4, layers=1, cell=\"coupled\")")
            sameParameters(c.model, try fresh(.coupledLSTM, v, hidden: 4, layers: 1))
            #expect(try display(i, "lstm(text, hidden=4, layers=1, cell=\"coupled\")").hasPrefix("coupled LSTM model: 1 × 4"))
            let p = try model(i, "lstm(text, hidden=4, layers=1, cell=\"peephole\")")
            sameParameters(p.model, try fresh(.peephole, v, hidden: 4, layers: 1))
            expectError(i, "lstm(text, cell=\"mgu\")", "cell must be \"standard\", \"coupled\" or \"peephole\", not \"mgu\"", at: (1, 12), hint: nil)
        } else if name == "peephole" {
            // The peephole weights, one vector per gate that looks at the cell, and a plan that says it runs on its definition.
            #expect(try display(i, "m.rnn.weight_ci_l1.shape") == "[8]")
            #expect(try display(i, "m.plan.path") == "reference")
            #expect(try display(i, "m").hasPrefix("peephole LSTM model: 2 × 8"))
            expectError(i, "peephole(text, cell=\"coupled\")", "peephole has no keyword 'cell'", at: (1, 16),
                        hint: "its keywords are hidden, layers, embed, tie, dropout, init, seed, forget_bias")
        } else {
            expectError(i, "\(name)(text, cell=\"coupled\")", "\(name) has no keyword 'cell'", at: (1, name.count + 8),
                        hint: "its keywords are hidden, layers, embed, tie, dropout, init, seed")
        }
        expectError(i, "\(name)(text, hidden=0)", "hidden size 0 must be in 1...16384", at: (1, 1), hint: nil)
        expectError(i, "\(name)(text, init=\"xavier\")", "init must be \"charrnn\" or \"pytorch\"", at: (1, name.count + 8), hint: nil)
        expectError(i, "\(name)(text, hiden=4)", "\(name) has no keyword 'hiden'", at: (1, name.count + 8), hint: "did you mean 'hidden'?")
        expectError(i, "\(name)(3)", "expected a corpus (made with corpus(\"file.txt\")), got a number", at: (1, name.count + 2), hint: nil)
        expectError(i, "\(name)(text, hidden=2.5)", "expected a whole number for hidden, got 2.5", at: (1, name.count + 8), hint: nil)
    }

    /// `prob` and `next` are checked for every model kind in WordBuiltinTests; here, against the n-gram's
    /// own distribution on the character corpus, and their errors.
    func checkWordQuestion(_ name: String) throws {
        let (i, _, corpus, splits) = try corpusShell()
        try i.run("lm = ngram(text, n=6)")
        let direct = try NGramModel(order: 6, vocabularySize: corpus.vocabulary.count, training: splits.train)
        let ctx = try corpus.vocabulary.encode("\nthe cat ")
        if name == "prob" {
            let t = try corpus.vocabulary.encode("sat")
            let p = try direct.probability(of: t[0], after: ctx) * direct.probability(of: t[1], after: ctx + [t[0]])
                * direct.probability(of: t[2], after: ctx + [t[0], t[1]])
            #expect(abs(try number(i, "prob(lm, \"the cat\", \"sat\").p") - p) < 1e-12)
            expectError(i, "prob lm \"the cat\"", "prob takes 3 arguments, got 2", at: (1, 1), hint: "see :help prob")
        } else {
            #expect(try display(i, "next(lm, \"the cat\", k=1).words") == "[\"sat\"]")
            expectError(i, "next lm \"the\" k=0", "k must be in 1...1000, got 0", at: (1, 15), hint: nil)
        }
    }

    /// The window model is trained, evaluated, sampled and saved in WordBuiltinTests; here its shape and errors.
    func checkWindow() throws {
        let (i, _, corpus, _) = try corpusShell()
        try i.run("wm = window(text, n=3, embed=4, hidden=8)")
        let v = corpus.vocabulary.count
        #expect(try display(i, "wm") == "window MLP model (Bengio 2003): 2 chars × embedding 4 → tanh 8 → vocab \(v), \(v * 4 + 8 * 8 + 8 + v * 8 + v) parameters")
        expectError(i, "window(text, n=1)", "window: n 1 must be in 2...64 (a window of n − 1 symbols)", at: (1, 1), hint: nil)
    }

    /// The heads learn in HeadBuiltinTests; here their argument errors.
    func checkHead(_ name: String) throws {
        let (i, _, _, _) = try corpusShell()
        try i.run("m = rnn(text, hidden=4)")
        if name == "classify" {
            expectError(i, "classify(m, [\"a\"])", "classify needs a list of at least two texts, one per class", at: (1, 13), hint: nil)
        } else {
            expectError(i, "tag(m, \"the cat\", feature=\"colour\")", "no feature \"colour\"", at: (1, 19),
                        hint: "one of line_position, quotes, parens, brace_depth, comment, if_body, word_start")
        }
    }

    func checkNGram() throws {
        let (i, _, corpus, splits) = try corpusShell()
        try i.run("lm = ngram(text, n=3)")
        #expect(try display(i, "lm") == "KN 3-gram over input.txt")
        let direct = try NGramModel(order: 3, vocabularySize: corpus.vocabulary.count, training: splits.train)
        let r = try record(i, "eval lm text.val")
        guard case .number(let nats)? = r["nats"] else { Issue.record("\(r)"); return }
        // Scored on the predictions eval makes with its default batch and seq (as a recurrent model's).
        #expect(nats == (try direct.evaluate(splits.val, batch: 50, seq: 50)).natsPerSymbol)
        // The default order is 6.
        try i.run("lm6 = ngram(text)")
        #expect(try display(i, "lm6") == "KN 6-gram over input.txt")
        expectError(i, "ngram(text, n=0)", "n-gram: order must be at least 1, not 0", at: (1, 1), hint: nil)
        expectError(i, "ngram(text, order=3)", "ngram has no keyword 'order'", at: (1, 13), hint: "its keywords are n")
        expectError(i, "ngram(\"input.txt\")", "expected a corpus (made with corpus(\"file.txt\")), got a string", at: (1, 7), hint: nil)
    }

    func checkTrain() throws {
        let (i, _, corpus, splits) = try corpusShell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        let r = try record(i, "train m text steps=12 batch=4 seq=8 opt=\"adam\" lr=1e-2 clip=1 clip_mode=\"norm\" every=6 seed=3")
        // The same run straight on LMModels.
        let direct = try fresh(.lstm, corpus.vocabulary.count, hidden: 8, layers: 1)
        var s = TrainSettings()
        (s.batch, s.seq, s.optimizer, s.lr, s.clip, s.clipMode, s.evalEvery, s.seed) = (4, 8, .adam, 1e-2, 1, .norm, 6, 3)
        let trainer = try Trainer(model: direct, splits: splits, settings: s)
        var last: TrainProgress?
        try trainer.train(steps: 12) { last = $0; return true }
        sameParameters(try model(i, "m").model, direct)
        guard case .number(12)? = r["steps"], case .number(12)? = r["total_steps"], case .number(let loss)? = r["train_loss"],
              case .number(let val)? = r["val_loss"], case .number(let norm)? = r["grad_norm"] else { Issue.record("\(r)"); return }
        #expect(Float(loss) == last?.trainLoss)
        #expect(val == last?.valLoss)
        #expect(Float(norm) == last?.gradNorm)
        #expect(try number(i, "m.steps") == 12)
        guard case .list(let history) = try value(i, "m.loss_history") else { Issue.record("no loss history"); return }
        #expect(history.count == 12)
        // Training again with the same settings continues (the step count goes on).
        try i.run("train m text steps=3 batch=4 seq=8 opt=\"adam\" lr=1e-2 clip=1 clip_mode=\"norm\" every=6 seed=3")
        #expect(try number(i, "m.steps") == 15)
        // Ctrl-C: stops after the current step and says so.
        i.shouldStop = { true }
        let stopped = try record(i, "train m text steps=10 batch=4 seq=8 opt=\"adam\" lr=1e-2 clip=1 clip_mode=\"norm\" every=6 seed=3")
        i.shouldStop = { false }
        guard case .number(1)? = stopped["steps"], case .bool(true)? = stopped["interrupted"] else { Issue.record("\(stopped)"); return }
        expectError(i, "train m text steps=5 opt=\"adamm\"", "unknown optimizer \"adamm\"", at: (1, 22), hint: "did you mean 'adam'?")
        expectError(i, "train m text steps=5 opt=\"momentum\"", "unknown optimizer \"momentum\"", at: (1, 22), hint: "one of gd, sgd, adagrad, rmsprop, adam")
        expectError(i, "train m text steps=5 clip_mode=\"x\"", "clip_mode must be \"norm\" or \"value\"", at: (1, 22), hint: nil)
        expectError(i, "train m text steps=(-1)", "steps must be in 0...10000000", at: (1, 14), hint: nil)
        expectError(i, "train m text stps=5", "train has no keyword 'stps'", at: (1, 14), hint: "did you mean 'steps'?")
        expectError(i, "train m text batch=0 steps=1", "train: batch 0 must be in 1...100000", at: (1, 1), hint: nil)
        expectError(i, "train text m", "expected a model, got a corpus", at: (1, 7), hint: "make one with lstm(text), rnn(text) or gru(text)")
        expectError(i, "train m", "train takes 2 arguments, got 1", at: (1, 1), hint: "see :help train")
    }

    /// `profile train m text`: a record of ms per step by phase (the table and the rest: ProfileBuiltinTests),
    /// the weights as they were, and its errors.
    func checkProfile() throws {
        let (i, out, _, _) = try corpusShell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        let before = try model(i, "m").model.parameters.tensors.map(\.data)
        let r = try record(i, "profile train m text steps=2 warm=1 batch=4 seq=8")
        guard case .number(2)? = r["steps"], case .number(let step)? = r["step_ms"], case .number(let opt)? = r["optimizer_ms"],
              case .number(let other)? = r["other_ms"] else {
            Issue.record("\(r)"); return
        }
        #expect(step > 0 && opt >= 0 && other >= 0 && opt <= step)
        #expect(out.text.contains("optimizer update"))
        #expect(try model(i, "m").model.parameters.tensors.map(\.data) == before)
        #expect(try model(i, "m").trainer == nil)
        expectError(i, "profile train m text steps=0", "steps must be at least 1 to profile, got 0", at: (1, 22),
                    hint: "steps=20 (the default) times 20 steps after warm=3 untimed ones")
        expectError(i, "profile train text text", "profile measures training of a recurrent model or a transformer, got a corpus", at: (1, 15),
                    hint: "m = lstm(text, hidden=128); profile train m text")
    }

    func checkStep() throws {
        let (i, _, corpus, splits) = try corpusShell()
        try i.run("m = rnn(text, hidden=8)")
        let r = try record(i, "step m text batch=4 seq=8 lr=0.01")
        let direct = try fresh(.rnn, corpus.vocabulary.count, hidden: 8, layers: 1)
        var s = TrainSettings()
        (s.batch, s.seq, s.lr) = (4, 8, 0.01)
        let trainer = try Trainer(model: direct, splits: splits, settings: s)
        let report = try trainer.step()
        sameParameters(try model(i, "m").model, direct)
        guard case .number(1)? = r["step"], case .number(let loss)? = r["loss"], case .number(let norm)? = r["grad_norm"],
              case .bool(let clipped)? = r["clipped"], case .number(let lr)? = r["lr"], case .number(let ratio)? = r["grad_ratio"] else {
            Issue.record("\(r)"); return
        }
        #expect(Float(loss) == report.loss && Float(norm) == report.stats.norm && Float(ratio) == report.stats.ratio)
        #expect(clipped == report.stats.clipped && Float(lr) == report.lr)
        // At the start the loss is about log(vocabulary size).
        #expect(abs(loss - Foundation.log(Double(corpus.vocabulary.count))) < 0.5)
        // A second step continues the same trainer.
        guard case .number(2)? = try record(i, "step m text batch=4 seq=8 lr=0.01")["step"] else { Issue.record("no second step"); return }
        // opt="gd" with clipping off: one step moves each weight by exactly −lr·grad.
        try i.run("g = rnn(text, hidden=8)")
        try i.run("w0 = g.rnn.weight_hh_l0 * 1")
        try i.run("step g text batch=4 seq=8 opt=\"gd\" lr=0.1 clip=0")
        #expect(try number(i, "item(max(abs(g.rnn.weight_hh_l0 - (w0 - 0.1 * g.rnn.weight_hh_l0.grad))))") == 0)
        #expect(try number(i, "item(max(abs(g.rnn.weight_hh_l0 - w0)))") > 0)
        expectError(i, "step m text steps=3", "step has no keyword 'steps'", at: (1, 13),
                    hint: "its keywords are batch, seq, opt, lr, clip, clip_mode, every, seed, decay, min_lr, warmup")
        expectError(i, "step m text batch=4 seq=8 opt=\"sgdd\"", "unknown optimizer \"sgdd\"", at: (1, 27), hint: "did you mean 'sgd'?")
        expectError(i, "step m 3", "expected a corpus (made with corpus(\"file.txt\")), got a number", at: (1, 8), hint: nil)
    }

    func checkEval() throws {
        let (i, _, corpus, splits) = try corpusShell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        let r = try record(i, "eval m text.val batch=4 seq=8")
        let direct = try fresh(.lstm, corpus.vocabulary.count, hidden: 8, layers: 1)
        let report = try direct.evaluate(splits.val, batch: 4, seq: 8)
        guard case .number(let nats)? = r["nats"], case .number(let bits)? = r["bits"], case .number(let ppl)? = r["perplexity"],
              case .number(let chars)? = r["chars"], case .string(let split)? = r["split"] else { Issue.record("\(r)"); return }
        #expect(nats == report.nats && bits == report.bits && ppl == report.perplexity && Int(chars) == report.characters)
        #expect(abs(bits - nats / M_LN2) < 1e-9 && abs(ppl - exp(nats)) < 1e-9)
        #expect(split == "val, \(splits.summary)")
        // The call form and the train split give the same as the engine.
        guard case .number(let trainNats)? = try record(i, "eval(m, text.train, batch=4, seq=8)")["nats"] else { Issue.record("no nats"); return }
        #expect(trainNats == (try direct.evaluate(splits.train, batch: 4, seq: 8)).nats)
        // A literal string: chars counts the predicted characters.
        let s = try record(i, "eval m \"the cat\"")
        guard case .number(6)? = s["chars"], case .string("a given text")? = s["split"] else { Issue.record("\(s)"); return }
        #expect(try number(i, "eval(m, \"the cat\").nats") > 0)
        expectError(i, "eval m \"t\"", "eval needs a text of at least two characters", at: (1, 8), hint: nil)
        expectError(i, "eval m 3", "eval takes a model or n-gram and a text (e.g. text.val), got a model and a number", at: (1, 1), hint: nil)
        expectError(i, "eval 3 text.val", "eval takes a model or n-gram and a text (e.g. text.val), got a number and a text", at: (1, 1), hint: nil)
        expectError(i, "eval m text.val batch=4 seq=8 steps=3", "eval has no keyword 'steps'", at: (1, 31), hint: "its keywords are batch, seq, unit")
    }

    /// `loss` is the fused path's loss on the same text, and its backward gives the model's gradient
    /// (checked against a central difference on one weight).
    func checkLoss() throws {
        let (i, _, _, _) = try corpusShell()
        try i.run("m = rnn(text, hidden=6)")
        let l = try number(i, "item(lm_loss(m, \"the cat sat\"))")
        #expect(abs(l - (try number(i, "eval(m, \"the cat sat\").nats"))) < 1e-5)
        try i.run("l = lm_loss m \"the cat sat\"")
        try i.run("l.backward()")
        let g = try tensor(i, "m.rnn.weight_hh_l0.grad")
        #expect(g.shape == [6, 6] && g.data.contains { $0 != 0 })
        // Central difference on weight_hh_l0[1, 2].
        let w = try tensor(i, "m.rnn.weight_hh_l0")
        let eps: Float = 1e-2, original = w.data[1 * 6 + 2]
        w.data[1 * 6 + 2] = original + eps
        let up = try number(i, "item(lm_loss(m, \"the cat sat\"))")
        w.data[1 * 6 + 2] = original - eps
        let down = try number(i, "item(lm_loss(m, \"the cat sat\"))")
        w.data[1 * 6 + 2] = original
        #expect(abs((up - down) / Double(2 * eps) - Double(g.data[1 * 6 + 2])) < 1e-3)
        expectError(i, "lm_loss m \"t\"", "lm_loss needs a text of at least two characters", at: (1, 11), hint: nil)
        expectError(i, "lm_loss 3 \"the\"", "expected a model, got a number", at: (1, 9), hint: "make one with lstm(text), rnn(text) or gru(text)")
    }

    func checkSample() throws {
        let (i, out, corpus, _) = try corpusShell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        #expect(try i.run("sample m 20 temp=0 prime=\"the \"").value == nil)
        let m = try fresh(.lstm, corpus.vocabulary.count, hidden: 8, layers: 1)
        var s = SampleSettings()
        (s.length, s.temperature, s.prime) = (20, 0, "the ")
        let direct = try m.sample(vocabulary: corpus.vocabulary, s)
        #expect(out.text == direct + "\n")
        #expect(direct.unicodeScalars.count == 24)
        // The text becomes `_`.
        #expect(try display(i, "_") == direct)
        // Seeded draws repeat; the call form is the same call.
        out.text = ""
        try i.run("sample m 30 temp=0.8 seed=5 topk=3")
        let first = out.text
        out.text = ""
        try i.run("sample(m, 30, temp=0.8, seed=5, topk=3)")
        #expect(out.text == first && first.unicodeScalars.count == 31)
        (s.length, s.temperature, s.prime, s.seed, s.topK) = (30, 0.8, "", 5, 3)
        #expect(first == (try m.sample(vocabulary: corpus.vocabulary, s)) + "\n")
        // An n-gram samples too.
        try i.run("lm = ngram(text, n=4)")
        out.text = ""
        try i.run("sample lm 10 prime=\"the\" seed=2")
        #expect(out.text.hasPrefix("the") && out.text.unicodeScalars.count == 14)
        expectError(i, "sample m 10 prime=\"xyz\"", "symbol 'x' (U+0078) at position 0 (line 1, column 1) is not in the vocabulary of \(corpus.vocabulary.count) symbols",
                    at: (1, 1), hint: nil)
        expectError(i, "sample m 10 temp=(-1)", "sample: temp -1.0 must be ≥ 0", at: (1, 1), hint: nil)
        expectError(i, "sample 3", "sample takes a model or an n-gram, got a number", at: (1, 8), hint: nil)
        expectError(i, "sample m 10 temperature=0", "sample has no keyword 'temperature'", at: (1, 13), hint: "its keywords are temp, prime, seed, topk")
        expectError(i, "sample m 2.5", "expected a length, got 2.5", at: (1, 10), hint: nil)
    }

    func checkSaveLoad(_ name: String) throws {
        let (i, _, _, _) = try corpusShell()
        try i.run("m = gru(text, hidden=8, layers=1, embed=4)")
        try i.run("train m text steps=3 batch=4 seq=8")
        #expect(try i.run("save m \"ck/m.safetensors\"").value == nil)
        #expect(FileManager.default.fileExists(atPath: i.configuration.baseDirectory.appendingPathComponent("ck/m.safetensors").path))
        try i.run("m2 = load(\"ck/m.safetensors\")")
        sameParameters(try model(i, "m2").model, try model(i, "m").model)
        #expect(try model(i, "m2").model.config == (try model(i, "m").model.config))
        #expect(try number(i, "eval(m2, text.val, batch=4, seq=8).nats") == (try number(i, "eval(m, text.val, batch=4, seq=8).nats")))
        // With the training state.
        try i.run("save m \"t.safetensors\" training=true")
        #expect(try model(i, "load(\"t.safetensors\")").model.config == (try model(i, "m").model.config))
        // A run folder handed to PyTorch (`export … torch=true`) loads with its step count.
        try i.run("export m \"run\" torch=true")
        #expect(try model(i, "load(\"run\")").steps == 3)
        sameParameters(try model(i, "load(\"run\")").model, try model(i, "m").model)
        expectError(i, "save m 3", "expected a file path in double quotes, got a number", at: (1, 8), hint: nil)
        expectError(i, "save 3 \"a.safetensors\"", "expected a model, got a number", at: (1, 6), hint: "make one with lstm(text), rnn(text) or gru(text)")
        expectError(i, "save m \"a.safetensors\" train=true", "save has no keyword 'train'", at: (1, 24), hint: "its keywords are training, overwrite")
        expectError(i, "load(3)", "expected a file path in double quotes, got a number", at: (1, 6), hint: nil)
        do {
            _ = try i.run("load(\"nope.safetensors\")")
            Issue.record("loading a missing file worked")
        } catch let e as ShellError {
            #expect(e.message.hasPrefix("checkpoint: cannot read \(i.configuration.baseDirectory.appendingPathComponent("nope.safetensors").path)"))
            #expect(e.location == LMShell.SourceLocation(line: 1, column: 6))
        }
        // A corrupted file is refused.
        let path = i.configuration.baseDirectory.appendingPathComponent("ck/m.safetensors")
        var bytes = try Data(contentsOf: path)
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: path)
        #expect(throws: ShellError.self) { try i.run("load(\"ck/m.safetensors\")") }
        _ = name
    }
}

// MARK: - The language around the verbs

extension BuiltinTests {
    @Test func operatorsOnNumbers() throws {
        let (i, _) = try shell()
        let cases: [(String, Double)] = [
            ("1 + 2 * 3", 7), ("7 - 2 - 1", 4), ("7 / 2", 3.5), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4), ("(-2) ^ 2", 4),
            ("- -3", 3), ("2 * -3", -6), ("1 / 0", .infinity), ("10 - 2 * 3 ^ 2", -8),
        ]
        for (cell, x) in cases { #expect(try number(i, cell) == x, "\(cell)") }
        let comparisons: [(String, Bool)] = [
            ("1 < 2", true), ("2 <= 2", true), ("3 > 4", false), ("3 >= 4", false), ("1 == 1", true), ("1 != 1", false),
            ("1 + 1 == 2", true), ("true == true", true), ("true != false", true),
        ]
        for (cell, b) in comparisons { #expect(try display(i, cell) == (b ? "true" : "false"), "\(cell)") }
        expectError(i, "1 @ 2", "@ multiplies matrices, not numbers", at: (1, 3), hint: "use * for numbers")
        expectError(i, "1 < 2 < 3", "comparisons do not chain: found '<' after a comparison", at: (1, 7),
                    hint: "compare two at a time and multiply the 0/1 results: (a < b) * (b < c)")
    }

    @Test func operatorsOnTensorsBroadcast() throws {
        let (i, _) = try shell()
        try i.run("a = tensor([[1, 2, 3], [4, 5, 6]])")
        try i.run("b = tensor([10, 20, 30])")
        let a = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), b = try Tensor(shape: [3], data: [10, 20, 30])
        same(try tensor(i, "a + b"), try a.add(b))
        expectTensor(try tensor(i, "a + b"), [2, 3], [11, 22, 33, 14, 25, 36])
        expectTensor(try tensor(i, "b - a"), [2, 3], [9, 18, 27, 6, 15, 24])
        expectTensor(try tensor(i, "a * [[2], [3]]"), [2, 3], [2, 4, 6, 12, 15, 18])
        expectTensor(try tensor(i, "a / 2"), [2, 3], [0.5, 1, 1.5, 2, 2.5, 3])
        expectTensor(try tensor(i, "1 / [1, 2, 4]"), [3], [1, 0.5, 0.25])
        expectTensor(try tensor(i, "a ^ 2"), [2, 3], [1, 4, 9, 16, 25, 36])
        expectTensor(try tensor(i, "2 ^ [1, 2, 3]"), [3], [2, 4, 8])
        expectTensor(try tensor(i, "a @ [1, 0, 1]"), [2], [4, 10])
        expectTensor(try tensor(i, "a @ a.T"), [2, 2], [14, 32, 32, 77])
        // Comparisons give 0/1 masks; * and + combine them.
        expectTensor(try tensor(i, "a > 2"), [2, 3], [0, 0, 1, 1, 1, 1])
        expectTensor(try tensor(i, "(a >= 2) * (a <= 4)"), [2, 3], [0, 1, 1, 1, 0, 0])
        expectTensor(try tensor(i, "a == [1, 5, 3]"), [2, 3], [1, 0, 1, 0, 1, 0])
        expectTensor(try tensor(i, "a != 6"), [2, 3], [1, 1, 1, 1, 1, 0])
        expectTensor(try tensor(i, "b < 15"), [3], [1, 0, 0])
        // Unary minus on tensors and tensor literals.
        expectTensor(try tensor(i, "-a[0]"), [3], [-1, -2, -3])
        expectTensor(try tensor(i, "-[1, 2]"), [2], [-1, -2])
        expectTensor(try tensor(i, "-[1, 2] + 0"), [2], [-1, -2])
        // Gradients through operators.
        try i.run("w = tensor([1, 2], grad=true)")
        try i.run("sum(w * w / 2 - w ^ 3 + 3 * w).backward()")
        expectTensor(try tensor(i, "w.grad"), [2], [1 - 3 + 3, 2 - 12 + 3])
        expectError(i, "a + [1, 2]", "add: shapes [2,3] and [2] do not broadcast: sizes 3 and 2 differ", at: (1, 3),
                    hint: "sizes must be equal or 1, aligned from the right")
        expectError(i, "ones(2) + \"a\"", "expected a number or tensor on the right of +, got a string", at: (1, 9), hint: nil)
        expectError(i, "-\"a\"", "cannot negate a string", at: (1, 1), hint: nil)
        expectError(i, "-[1, \"a\"]", "a tensor literal holds numbers, not a string", at: (1, 1), hint: nil)
    }

    @Test func operatorsOnStringsAndLists() throws {
        let (i, _) = try shell()
        #expect(try display(i, "\"ab\" + \"cd\"") == "abcd")
        #expect(try display(i, "\"ab\" == \"ab\"") == "true")
        #expect(try display(i, "\"ab\" != \"ab\"") == "false")
        // + joins lists (as in Python); other operators treat number lists as tensors.
        #expect(try display(i, "[1, \"a\"] + [[2]]") == "[1, \"a\", [2]]")
        expectTensor(try tensor(i, "[1, 2] * 2"), [2], [2, 4])
        expectTensor(try tensor(i, "[1, 2] - [3, 4]"), [2], [-2, -2])
        expectError(i, "\"a\" < \"b\"", "strings support + (join), == and !=, not <", at: (1, 5), hint: nil)
        expectError(i, "\"a\" * 2", "expected a number or tensor on the left of *, got a string", at: (1, 5), hint: nil)
        expectError(i, "[1, \"a\"] * 2", "a tensor literal holds numbers, not a string", at: (1, 10), hint: nil)
    }

    @Test func membersOfTensors() throws {
        let (i, _) = try shell()
        try i.run("t = randn(2, 3, seed=1, grad=true)")
        let t = try Tensor.randn([2, 3], seed: 1)
        #expect(try display(i, "t.shape") == "[2, 3]")
        #expect(try number(i, "t.rank") == 2)
        #expect(try number(i, "t.size") == 6)
        #expect(try display(i, "t.requires_grad") == "true")
        same(try tensor(i, "t.T"), t.T)
        #expect(try display(i, "type(t.grad)") == "none")
        try i.run("sum(t * 3).backward()")
        expectTensor(try tensor(i, "t.grad"), [2, 3], Array(repeating: 3, count: 6))
        #expect(try display(i, "t.grad.shape") == "[2, 3]")
        #expect(try display(i, "tensor(1).shape") == "[]")
        expectError(i, "t.shap", "tensor has no member 'shap'", at: (1, 3), hint: "did you mean 'shape'?")
        expectError(i, "t.foo", "tensor has no member 'foo'", at: (1, 3), hint: "members: grad, shape, T, rank, size, requires_grad")
        expectError(i, "(1).foo", "number has no member 'foo'", at: (1, 5), hint: nil)
    }

    @Test func membersOfCorporaModelsAndRecords() throws {
        let (i, _, corpus, splits) = try corpusShell()
        #expect(try number(i, "text.vocab_size") == Double(corpus.vocabulary.count))
        #expect(try number(i, "text.train.size") + (try number(i, "text.val.size")) + (try number(i, "text.test.size")) <= Double(corpus.count))
        #expect(try number(i, "text.val.size") == Double(splits.val.count))
        #expect(try display(i, "text.train").hasPrefix("text train of input.txt: \(splits.train.count) symbols"))
        try i.run("m = rnn(text, hidden=6)")
        let m = try model(i, "m")
        same(try tensor(i, "m.rnn.weight_ih_l0"), try #require(m.model.parameters["rnn.weight_ih_l0"]))
        same(try tensor(i, "m.decoder.bias"), try #require(m.model.parameters["decoder.bias"]))
        #expect(try display(i, "m.parameters") == "[\"rnn.weight_ih_l0\", \"rnn.weight_hh_l0\", \"rnn.bias_ih_l0\", \"rnn.bias_hh_l0\", \"decoder.weight\", \"decoder.bias\"]")
        #expect(try display(i, "m.cell") == "rnn")
        #expect(try display(i, "m.rnn").hasPrefix("weight_ih_l0: tensor[6,\(corpus.vocabulary.count)]"))
        // The model's tensors are its parameters: a gradient through them lands in the model.
        try i.run("sum(m.decoder.bias).backward()")
        expectTensor(try tensor(i, "m.decoder.bias.grad"), [corpus.vocabulary.count], Array(repeating: 1, count: corpus.vocabulary.count))
        try i.run("zero_grad(m)")
        #expect(try number(i, "m.steps") == 0)
        try i.run("step m text batch=4 seq=8")
        #expect(try number(i, "m.steps") == 1)
        // Records: fields by name.
        try i.run("r = eval m text.val batch=4 seq=8")
        let nats = try number(i, "r.nats")
        #expect(abs(try number(i, "r.bits") - nats / M_LN2) < 1e-9)
        #expect(try number(i, "r.chars") > 0)
        expectError(i, "r.nat", "record has no member 'nat'", at: (1, 3), hint: "did you mean 'nats'?")
        expectError(i, "text.trin", "corpus has no member 'trin'", at: (1, 6), hint: "did you mean 'train'?")
        expectError(i, "text.tokens", "corpus has no member 'tokens'", at: (1, 6), hint: "members: train, val, test, vocab, vocab_size, size, path, split, unit, unk_rate")
        expectError(i, "m.rnn.weight_hh_l9", "record has no member 'weight_hh_l9'", at: (1, 7), hint: "did you mean 'weight_hh_l0'?")
        expectError(i, "m.encoder", "model has no member 'encoder'", at: (1, 3), hint: "did you mean 'decoder'?")
        expectError(i, "m.weights", "model has no member 'weights'", at: (1, 3),
                    hint: "members: decoder, rnn, parameters, steps, loss_history, update_ratio, grad_norm, cell, hidden, layers, vocab_size, plan")
        expectError(i, "text.val.foo", "text has no member 'foo'", at: (1, 10), hint: "members: size, name")
    }

    @Test func indexingAndSlicingTensors() throws {
        let (i, _) = try shell()
        try i.run("x = reshape(arange(12), 3, 4)")
        let x = try Tensor.arange(0, 12).reshape([3, 4])
        expectTensor(try tensor(i, "x[1]"), [4], [4, 5, 6, 7])
        expectTensor(try tensor(i, "x[-1]"), [4], [8, 9, 10, 11])
        expectTensor(try tensor(i, "x[1, 2]"), [], [6])
        expectTensor(try tensor(i, "x[1][2]"), [], [6])
        expectTensor(try tensor(i, "x[:, 0]"), [3], [0, 4, 8])
        expectTensor(try tensor(i, "x[0:2, 1:3]"), [2, 2], [1, 2, 5, 6])
        expectTensor(try tensor(i, "x[:, ::2]"), [3, 2], [0, 2, 4, 6, 8, 10])
        expectTensor(try tensor(i, "x[1:, -1]"), [2], [7, 11])
        expectTensor(try tensor(i, "x[5:]"), [0, 4], [])
        same(try tensor(i, "x[:, 1:4:2]"), try x.slice([.range(nil, nil, step: 1), .range(1, 4, step: 2)]))
        // An index may be a computed one-element tensor.
        expectTensor(try tensor(i, "x[argmax([0, 9, 1])]"), [4], [4, 5, 6, 7])
        // Slices carry gradients back.
        try i.run("w = ones(2, 3, grad=true)")
        try i.run("sum(w[:, 1:] * 2).backward()")
        expectTensor(try tensor(i, "w.grad"), [2, 3], [0, 2, 2, 0, 2, 2])
        expectError(i, "x[5]", "index: 5 is out of range for axis 0 of size 3", at: (1, 2), hint: "valid indices are -3...2")
        expectError(i, "x[0:2:0]", "slice: step 0 must be positive", at: (1, 2), hint: nil)
        expectError(i, "x[0.5]", "expected an index, got 0.5", at: (1, 3), hint: nil)
        expectError(i, "x[0, 0, 0]", "index: 3 indices for a tensor of shape [3,4]", at: (1, 2), hint: "a tensor of rank 2 takes at most 2 indices")
        expectError(i, "3[0]", "a number cannot be indexed", at: (1, 2), hint: nil)
    }

    @Test func indexingAndSlicingLists() throws {
        let (i, _) = try shell()
        try i.run("l = [10, \"a\", [1, 2], 40, 50]")
        #expect(try number(i, "l[0]") == 10)
        #expect(try display(i, "l[1]") == "a")
        #expect(try number(i, "l[-1]") == 50)
        #expect(try number(i, "l[2][1]") == 2)
        #expect(try display(i, "l[1:3]") == "[\"a\", [1, 2]]")
        #expect(try display(i, "l[:2]") == "[10, \"a\"]")
        #expect(try display(i, "l[-2:]") == "[40, 50]")
        #expect(try display(i, "l[::2]") == "[10, [1, 2], 50]")
        #expect(try display(i, "l[3:1]") == "[]")
        #expect(try display(i, "l[-100:100]") == (try display(i, "l")))
        #expect(try display(i, "l[:]") == (try display(i, "l")))
        expectError(i, "l[5]", "index 5 is out of range for a list of 5", at: (1, 3), hint: nil)
        expectError(i, "l[0, 1]", "a list takes one index", at: (1, 2), hint: "index a nested list twice: x[i][j]")
        expectError(i, "l[::0]", "slice: step 0 must be positive", at: (1, 5), hint: nil)
        expectError(i, "l[\"a\"]", "expected an index, got a string", at: (1, 3), hint: nil)
    }

    @Test func commandFormMethodFormAndUnderscore() throws {
        let (i, out, _, _) = try corpusShell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        // The command form is the same call as the call form.
        try i.run("sample m 10 temp=0")
        let a = out.text
        out.text = ""
        try i.run("sample(m, 10, temp=0)")
        #expect(out.text == a && !a.isEmpty)
        try i.run("r = eval m text.val batch=4 seq=8")
        #expect(try number(i, "r.nats") == (try number(i, "eval(m, text.val, batch=4, seq=8).nats")))
        // x.f(a) is f(x, a), for builtins and user functions alike.
        same(try tensor(i, "[[1, 2], [3, 4]].sum(axis=0)"), try tensor(i, "sum([[1, 2], [3, 4]], axis=0)"))
        same(try tensor(i, "ones(2, 3).reshape(3, 2)"), try Tensor.ones([3, 2]))
        #expect(try number(i, "[1, 2, 3].len()") == 3)
        try i.run("def twice(x, k) = x * k * 2")
        #expect(try number(i, "(3).twice(5)") == 30)
        #expect(try number(i, "m.eval(\"the cat\").chars") == 6)
        expectError(i, "ones(2).summ()", "tensor has no member 'summ'", at: (1, 9), hint: "did you mean 'sum'?")
        // `_` is the last value shown; bindings and none leave it alone.
        try i.run("6 * 7")
        #expect(try number(i, "_") == 42)
        try i.run("y = 1")
        #expect(try number(i, "_ + 1") == 43)
        #expect(try number(i, "_") == 43)
        try i.run("print(1)")
        #expect(try number(i, "_") == 43)
        try i.run("sample m 5 temp=0")
        #expect(try display(i, "type(_)") == "string")
        expectError(i, "sample m 5 0 temp=0", "sample takes 1 to 2 arguments, got 3", at: (1, 1), hint: "see :help sample")
    }

    @Test func keywordErrorsAndArgumentCounts() throws {
        let (i, _) = try shell()
        expectError(i, "zeros(2, 2, grd=true)", "zeros has no keyword 'grd'", at: (1, 13), hint: "did you mean 'grad'?")
        expectError(i, "softmax([1, 2], axs=0)", "softmax has no keyword 'axs'", at: (1, 17), hint: "did you mean 'axis'?")
        expectError(i, "full(2, vale=3)", "full has no keyword 'vale'", at: (1, 9), hint: "did you mean 'value'?")
        expectError(i, "clamp([1], lo=0)", "clamp has no keyword 'lo'", at: (1, 12), hint: "its keywords are min, max")
        expectError(i, "matmul(ones(1), ones(1), fast=true)", "matmul has no keyword 'fast'", at: (1, 26), hint: "matmul takes no keywords")
        expectError(i, "zeros(2, grad=true, grad=false)", "keyword argument 'grad' repeated", at: (1, 21), hint: "give each keyword argument once")
        expectError(i, "zeros(grad=true, 2)", "positional argument after keyword argument", at: (1, 18), hint: "put positional arguments before keyword arguments, as in f(x, n=3)")
        expectError(i, "smaple(3)", "unknown name 'smaple'", at: (1, 1), hint: "did you mean 'sample'?")
        expectError(i, "where(1, 2)", "where takes 3 arguments, got 2", at: (1, 1), hint: "see :help where")
        expectError(i, "softmax()", "softmax takes 1 to 2 arguments, got 0", at: (1, 1), hint: "see :help softmax")
        expectError(i, "3(1)", "a number cannot be called", at: (1, 1), hint: "only functions and builtins take arguments")
        // User functions.
        try i.run("def g(a, b) = a + b")
        #expect(try number(i, "g(1, b=2)") == 3)
        #expect(try number(i, "g(b=1, a=5)") == 6)
        expectError(i, "g(1)", "g takes 2 arguments (a, b), got 1", at: (1, 1), hint: nil)
        expectError(i, "g(1, 2, 3)", "g takes 2 arguments (a, b), got 3", at: (1, 1), hint: nil)
        expectError(i, "g(1, c=2)", "g takes no keyword 'c'", at: (1, 1), hint: "its parameters are a, b")
        expectError(i, "g(1, a=2)", "g got 'a' twice, by position and by keyword", at: (1, 6), hint: "its parameters are a, b")
        expectError(i, "sum = 1", "'sum' is a builtin and cannot be rebound", at: (1, 1), hint: "pick another name, e.g. 'sum1'")
        expectError(i, "def mean(x) = x", "'mean' is a builtin and cannot be redefined", at: (1, 5), hint: "pick another name")
    }

    /// Each wrong call names its verb and points at the call or at the offending argument.
    @Test func argumentTypeErrorsPointAtTheArgument() throws {
        let (i, _) = try shell()
        expectError(i, "exp(1) + log(\"x\")", "expected a tensor, got a string", at: (1, 14), hint: nil)
        expectError(i, "x = sum(ones(2), axis=\"a\")", "expected an axis, got a string", at: (1, 18), hint: nil)
        expectError(i, "reshape(ones(4),\n  2, \"b\")", "expected a size, got a string", at: (2, 6), hint: nil)
    }
}

// MARK: - :help

extension BuiltinTests {
    @Test func helpShowsUsageSummaryKeywordsAndExample() throws {
        let (i, _) = try shell()
        let h = i.help("randn")
        #expect(h == """
            randn(d1, d2, …, seed=0, std=1, mean=0, grad=false)
              standard normal draws from lmsh's seeded generator
              keywords: seed=0, grad=false, std=1, mean=0
              example:
                randn(3, 4, seed=1, std=0.5)
            """)
        let t = i.help("train")
        #expect(t.contains("keywords: steps=1000, batch=50, seq=50, opt=\"rmsprop\", lr=2e-3, clip=5, clip_mode=\"value\", every=0, seed=123"))
        #expect(t.contains("  example:\n    text = corpus(\"input.txt\")\n    m = lstm(text, hidden=32, layers=1)\n"))
        // The optimizers, and which of them keeps momentum.
        #expect(t.contains("\"sgd\" (with momentum 0.9)") && t.contains("\"gd\" (plain gradient descent, θ ← θ − lr·∇θ)"))
        #expect(i.help("matmul").contains("keywords: none"))
        #expect(i.help("sample").contains("temp=1, prime=\"\", seed=1, topk=0"))
        #expect(i.help("smaple") == "no help for 'smaple' (did you mean 'sample'?)")
        #expect(i.help("zzzzzz") == "no help for 'zzzzzz'")
        let overview = i.help(nil)
        #expect(overview.hasPrefix("builtins:\n"))
        for name in Builtins.table.keys { #expect(overview.contains("  \(Builtins.table[name]!.usage)")) }
        #expect(i.help("") == overview)
    }

    /// Every keyword has its default written in the usage line, every usage default is a keyword, and
    /// every builtin has a summary and an example.
    @Test(arguments: Builtins.table.keys.sorted())
    func helpIsComplete(_ name: String) throws {
        let b = try #require(Builtins.table[name])
        #expect(b.usage.hasPrefix(name))
        #expect(!b.summary.isEmpty)
        #expect(!b.example.isEmpty)
        #expect(b.example.contains(name), "the example of \(name) does not use it")
        let defaults = Builtins.keywordDefaults(b.usage)
        for k in b.keywords { #expect(defaults[k] != nil, "\(name): keyword \(k) has no default in \(b.usage)") }
        for k in defaults.keys { #expect(b.keywords.contains(k), "\(name): usage shows \(k)=, which is not a keyword") }
        let help = try #require(Builtins.help(name))
        #expect(help.contains(b.usage) && help.contains(b.summary))
        for line in b.example.split(separator: "\n") { #expect(help.contains("    \(line)")) }
    }

    /// The usage line is the one table of defaults: a model built with every default typed out is the model
    /// built with none typed (same parameters), and a default changed in the usage changes the builtin.
    @Test(arguments: ["rnn", "lstm", "gru", "peephole"])
    func usageDefaultsAreTheDefaults(_ name: String) throws {
        let (i, _, _, _) = try corpusShell()
        let b = try #require(Builtins.table[name])
        let spelled = Builtins.keywordDefaults(b.usage).filter { $0.key != "hidden" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        #expect(spelled.contains("seed=123") && spelled.contains { $0.hasPrefix("init=") })
        let bare = try model(i, "\(name)(text, hidden=6)"), typed = try model(i, "\(name)(text, \(spelled.joined(separator: ", ")), hidden=6)")
        #expect(bare.model.config == typed.model.config)
        sameParameters(bare.model, typed.model)
        #expect(bare.model.config.layers == (name == "rnn" ? 1 : 2))
        #expect(bare.model.config.initialization == (name == "rnn" || name == "gru" ? .pytorch : .charRNN))
    }

    /// A first `train` starts from `TrainSettings()` (later ones inherit), so its usage line and the settings
    /// must agree: the usage is what `:help` shows.
    @Test(arguments: ["train", "step"])
    func trainUsageIsTrainSettings(_ name: String) throws {
        let d = Builtins.keywordDefaults(try #require(Builtins.table[name]).usage), s = TrainSettings()
        #expect(d["batch"] == "\(s.batch)" && d["seq"] == "\(s.seq)" && d["every"] == "\(s.evalEvery)" && d["seed"] == "\(s.seed)")
        #expect(d["opt"] == "\"\(s.optimizer.rawValue)\"" && d["clip_mode"] == "\"\(s.clipMode.rawValue)\"")
        #expect(Float(d["lr"] ?? "") == s.lr && Float(d["clip"] ?? "") == s.clip)
    }

    /// Every example runs as written, line by line, in a fresh session (with `input.txt` beside it).
    @Test(arguments: Builtins.table.keys.sorted())
    func examplesRun(_ name: String) throws {
        let (i, out) = try shell()
        let b = try #require(Builtins.table[name])
        var shown: [String] = []
        for line in b.example.split(separator: "\n") {
            do {
                if let v = try i.run(String(line)).value { shown.append(v.display) }
            } catch let e as ShellError {
                Issue.record("example of \(name): \(e.render(source: String(line)))")
                return
            }
        }
        #expect(!shown.isEmpty || !out.text.isEmpty, "the example of \(name) shows nothing")
    }

    @Test func keywordDefaultsParseUsageLines() {
        #expect(Builtins.keywordDefaults("f(x, a=1, b=\"x, y\", c=-inf)") == ["a": "1", "b": "\"x, y\"", "c": "-inf"])
        #expect(Builtins.keywordDefaults("train m text steps=1000 opt=\"rmsprop\"") == ["steps": "1000", "opt": "\"rmsprop\""])
        #expect(Builtins.keywordDefaults("len(x)").isEmpty)
    }
}
