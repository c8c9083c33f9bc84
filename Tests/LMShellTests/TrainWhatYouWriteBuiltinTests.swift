import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// The verbs of hand-written training: `range`, the optimizers, `clip_grad_norm`, `batch`, `recurrent`.
extension BuiltinTests {
    func checkRange() throws {
        let (i, _) = try shell()
        #expect(try display(i, "range(4)") == "[0, 1, 2, 3]")
        #expect(try display(i, "range(2, 9, 3)") == "[2, 5, 8]")
        #expect(try display(i, "range(5, 0, -2)") == "[5, 3, 1]")
        #expect(try display(i, "range(3, 3)") == "[]")
        expectError(i, "range(1.5)", "range takes whole numbers", at: (1, 7), hint: "range(10), range(2, 10) or range(0, 10, 2)")
        expectError(i, "range(0, 4, 0)", "range's step must not be 0", at: (1, 13), hint: nil)
        i.configuration.limits = Limits(elements: 100)
        expectError(i, "range(1000)", "range(…) would make a list of 1000 numbers, over the limit of 100", at: (1, 1),
                    hint: "loop over it instead: for i in range(…) { … } never makes the list")
    }

    /// One step of each optimizer over the user's tensor agrees with `Optimizer` (the code `train` runs) and,
    /// for gd and Adam's first step, with the update rule worked out by hand.
    func checkOptimizer(_ name: String) throws {
        let (i, _) = try shell()
        try i.run("w = param(tensor([1, -2, 3]))")
        try i.run("opt = \(name)([w], lr=0.1)")
        for _ in 0..<2 {
            try i.run("loss = sum(w^2)")
            try i.run("loss.backward()")
            try i.run("opt.step()")
            try i.run("opt.zero_grad()")
        }
        let kind = try #require(OptimizerKind(rawValue: name))
        var settings = OptimizerSettings(kind: kind)
        if kind == .sgd { settings.momentum = 0.9 }
        let ref = try Tensor(shape: [3], data: [1, -2, 3], requiresGrad: true)
        let opt = Optimizer(settings, parameterCounts: [3])
        for _ in 0..<2 {
            try ref.square().sum().backward()
            opt.step(NamedParameters([("w", ref)]), lr: 0.1)
            ref.zeroGrad()
        }
        let w = try tensor(i, "w")
        same(w, ref)
        if kind == .gd { expectTensor(w, [3], [0.64, -1.28, 1.92], tol: 1e-6) }  // ×(1 − 0.1·2) twice
        #expect(try number(i, "opt.steps") == 2)
        #expect(try display(i, "type(opt)") == "optimizer")
        // The gradient is gone after zero_grad.
        let g = try i.run("w.grad").value
        if case .tensor(let t)? = g { #expect(t.data.allSatisfy { $0 == 0 }) }
        // `opt.step()` is the optimizer's own method, never the `step m text` verb.
        expectError(i, "step(opt, 1)", "expected a model, got a optimizer", at: (1, 6), hint: "make one with lstm(text), rnn(text) or gru(text)")
        expectError(i, "\(name)([tensor([1, 2])])", "item 1 of the list does not take gradients", at: (1, name.count + 2),
                    hint: "make it with param(…) or grad=true, as in W = param(randn(3, 4, std=0.1))")
        expectError(i, "opt.step(1)", "step() takes no arguments", at: (1, 5), hint: "opt.step() updates every parameter from its grad")
    }

    func checkClipGradNorm() throws {
        let (i, _) = try shell()
        try i.run("w = param(tensor([3, 4]))")
        try i.run("sum(w * tensor([3, 4])).backward()")  // grad = [3, 4], norm 5
        #expect(try number(i, "clip_grad_norm([w], 1)") == 5)
        expectTensor(try tensor(i, "w.grad"), [2], [0.6, 0.8], tol: 1e-6)
        #expect(abs(try number(i, "clip_grad_norm([w], 10)") - 1) < 1e-6)  // under the limit: unchanged
        expectError(i, "clip_grad_norm([w], 0)", "max_norm must be positive", at: (1, 21), hint: nil)
    }

    /// `batch` serves exactly the windows `Batcher` (what `train` reads) serves.
    func checkBatch() throws {
        let (i, _, _, splits) = try corpusShell()
        try i.run("x, y = batch(text, 3)")
        let b = try Batcher(splits.train, batch: 50, seq: 50).batch(at: 3)
        expectTensor(try tensor(i, "x"), [b.batch, b.seq], b.inputs.map(Float.init))
        expectTensor(try tensor(i, "y"), [b.batch, b.seq], b.targets.map(Float.init))
        try i.run("xv, yv = batch(text.val, 1, batch=2, seq=5)")
        let v = try Batcher(splits.val, batch: 2, seq: 5).batch(at: 1)
        expectTensor(try tensor(i, "xv"), [2, 5], v.inputs.map(Float.init))
        expectTensor(try tensor(i, "yv"), [2, 5], v.targets.map(Float.init))
        expectError(i, "batch(3, 0)", "batch needs a corpus or one of its parts, got a number", at: (1, 7),
                    hint: "text = corpus(\"input.txt\"); batch(text, 0) or batch(text.val, 0)")
    }

    func checkRecurrent() throws {
        let (i, _) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("V = text.vocab_size")
        try i.run("Wx = param(randn(V, 8, std=0.1, seed=1))")
        try i.run("Wh = param(randn(8, 8, std=0.1, seed=2))")
        try i.run("bh = param(zeros(8))")
        try i.run("Wy = param(randn(8, V, std=0.1, seed=3))")
        try i.run("by = param(zeros(V))")
        try i.run("def rnn_step(x, state) { return [tanh(x @ Wx + state[0] @ Wh + bh)] }")
        try i.run("m = recurrent(text, step=rnn_step, state=[zeros(8)], params=[Wx, Wh, bh], out=[Wy, by])")
        #expect(try display(i, "m.cell") == "user:rnn_step")
        #expect(try display(i, "m.parameters") == "[\"rnn.Wx_l0\", \"rnn.Wh_l0\", \"rnn.bh_l0\", \"decoder.weight\", \"decoder.bias\"]")
        // The model's loss is the hand-written forward's: one window of 4 streams, from the zero state.
        try i.run("x, y = batch(text, 0, batch=4, seq=6)")
        try i.run("""
            def forward(x) {
              h = zeros(4, 8)
              logits = []
              for t in range(6) {
                h = tanh(one_hot(x[:, t], V) @ Wx + h @ Wh + bh)
                logits = logits + [h @ Wy + by]
              }
              return stack(logits, axis=1)
            }
            """)
        let byHand = try number(i, "item(cross_entropy(forward(x), y))")
        let model = try #require({ if case .model(let m)? = i.variables["m"] { return m.model } else { return nil } }())
        let ids = try tensor(i, "x"), targets = try tensor(i, "y")
        // Time-major ids for the reference path.
        var tm: [Int] = [], tt: [Int] = []
        for t in 0..<6 { for r in 0..<4 { tm.append(Int(ids.data[r * 6 + t])); tt.append(Int(targets.data[r * 6 + t])) } }
        let r = try model.referenceForward(ids: tm, targets: tt, batch: 4, state: RecurrentState(config: model.config, batch: 4))
        #expect(abs(Double(try r.loss.item()) - byHand) < 1e-5)
        expectError(i, "recurrent(text, state=[zeros(8)], params=[Wx], out=[Wy, by])", "recurrent needs step=…", at: (1, 1),
                    hint: "step=coupled_step, a def f(x, state) { … return [h, …] }")
        expectError(i, "recurrent(text, step=rnn_step, state=[ones(8)], params=[Wx, Wh, bh], out=[Wy, by])",
                    "state item 1 is not zero: a model's state starts at zero (as train, sample and every inspection start it)",
                    at: (1, 32), hint: "state=[zeros(H), …]")
        let V = Int(try number(i, "V"))
        expectError(i, "recurrent(text, step=rnn_step, state=[zeros(8)], params=[Wx, Wh, bh], out=[Wx, by])",
                    "out=[W, b] needs W of shape \(shapeString([8, V])) and b of shape \(shapeString([V])) (h has 8 units, the text \(V) symbols), got \(shapeString([V, 8])) and \(shapeString([V]))",
                    at: (1, 71), hint: nil)
        try i.run("def bad_step(x, state) { return [x] }")
        expectError(i, "recurrent(text, step=bad_step, state=[zeros(8)], params=[Wx, Wh, bh], out=[Wy, by])",
                    "item 1 of the state bad_step returns has shape \(shapeString([2, V])), not \(shapeString([2, 8]))", at: (1, 17),
                    hint: "each state item keeps its width; the batch is the first axis")
    }
}
