import LMCore

/// Builtins of the autodiff engine: backward, gradients, detaching, gradient checks and scan.
extension Builtins {
    static let autodiffBuiltins: [Builtin] = [
        Builtin(name: "backward", usage: "backward(loss) or loss.backward()", summary: "back-propagates from a scalar; gradients accumulate in .grad", keywords: [], example: "x = tensor([1, 2, 3], grad=true)\nbackward(sum(x ^ 2))\nx.grad") { _, a in
            try a.expectCount(1...1)
            let x = try t(a, 0)
            try at(a.location) { try x.backward() }
            return .none
        },
        Builtin(name: "zero_grad", usage: "zero_grad(x, …)", summary: "forgets the accumulated gradients (of tensors or a model)", keywords: [], example: "x = tensor([1, 2], grad=true)\nsum(x).backward()\nzero_grad(x)\nprint(x.grad)") { _, a in
            for (v, loc) in a.positional {
                switch v {
                case .model(let m): m.model.parameters.zeroGrads()
                default: try v.tensor(at: loc).zeroGrad()
                }
            }
            return .none
        },
        Builtin(name: "detach", usage: "detach(x)", summary: "the same values cut from the graph", keywords: [], example: "x = tensor([1, 2], grad=true)\ny = detach(x * 2)\ny.requires_grad") { _, a in
            try a.expectCount(1...1)
            return .tensor(try t(a, 0).detached())
        },
        Builtin(name: "param", usage: "param(x)", summary: "a copy of x that is a leaf requiring grad", keywords: [], example: "w = param(randn(3, 3, seed=1))\nw.requires_grad") { _, a in
            try a.expectCount(1...1)
            return .tensor(try t(a, 0).asParameter())
        },
        Builtin(name: "jacobian", usage: "jacobian(f, x)",
                summary: "the full Jacobian ∂f(x)/∂x by autodiff, of shape f(x).shape + x.shape (one backward pass per output; no .grad is touched)",
                keywords: [], example: "def cell(h) = tanh(h @ tensor([[0.5, -0.2], [0.1, 0.9]]))\njacobian(cell, tensor([[0.3, -0.1]]))") { interp, a in
            try a.expectCount(2...2)
            let f = a.positional[0].0, x0 = try a.positional[1].0.tensor(at: a.location(1))
            let loc = a.location
            // A fresh leaf with x's values, so that only this call's graph is differentiated.
            let x = try Tensor(shape: x0.shape, data: x0.data, requiresGrad: true)
            let y = try interp.callValue(f, [.tensor(x)], name: "jacobian", at: loc).tensor(at: loc, "a tensor result")
            let total = try at(loc) { try Shape.count(y.shape + x.shape, op: "jacobian") }
            var rows: [Float] = []
            rows.reserveCapacity(total)
            for k in 0..<y.count {
                if interp.shouldStop() { throw ShellError("interrupted", at: loc, hint: "Ctrl-C stopped the cell before it finished") }
                var e = [Float](repeating: 0, count: y.count)
                e[k] = 1
                rows += try at(loc) { try y.vectorJacobianProduct(seed: Tensor(shape: y.shape, data: e), withRespectTo: x).data }
            }
            return .tensor(try Tensor(shape: y.shape + x.shape, data: rows))
        },
        Builtin(name: "gradcheck", usage: "gradcheck(f, x, …, eps=1e-2, tol=1e-2)", summary: "compares autodiff gradients of f at x with central differences", keywords: ["eps", "tol"], example: "def f(w) = sum(tanh(w) ^ 2)\ngradcheck(f, randn(3, 2, seed=1))") { interp, a in
            guard a.count >= 2 else { throw ShellError("gradcheck needs a function and at least one tensor", at: a.location) }
            let f = a.positional[0].0
            let xs = try (1..<a.count).map { try a.positional[$0].0.tensor(at: a.location($0)) }
            let eps = try a.keyword("eps")?.number(at: a.keywordLocation("eps")) ?? 1e-2
            let tol = try a.keyword("tol")?.number(at: a.keywordLocation("tol")) ?? 1e-2
            let loc = a.location
            let r = try at(loc) {
                try Tensor.gradcheck(xs, epsilon: Float(eps), tolerance: Float(tol)) { leaves in
                    try interp.callValue(f, leaves.map(Value.tensor), name: "gradcheck", at: loc).tensor(at: loc, "a tensor result")
                }
            }
            return .record([
                ("passed", .bool(r.passed)), ("max_error", .number(Double(r.maxError))), ("checked", .number(Double(r.checked))),
                ("worst_input", .number(Double(r.worst.input))), ("worst_element", .number(Double(r.worst.element))),
                ("analytic", .number(Double(r.analytic))), ("numeric", .number(Double(r.numeric))),
            ])
        },
        Builtin(name: "scan", usage: "scan(f, xs, h0)", summary: "h_t = f(xs[t], h_{t-1}) over the first axis of xs; returns the stacked h_t", keywords: [], example: "def cell(x, h) = tanh(x + h)\nhs = scan(cell, randn(5, 3, seed=1), zeros(3))\nhs.shape") { interp, a in
            try a.expectCount(3...3)
            let f = a.positional[0].0
            let xs = try t(a, 1)
            var h = a.positional[2].0
            guard xs.rank >= 1 else { throw ShellError("scan needs xs with at least one axis", at: a.location(1)) }
            var states: [Tensor] = []
            for i in 0..<xs.shape[0] {
                let x = try at(a.location) { try xs.slice([.at(i)]) }
                h = try interp.callValue(f, [.tensor(x), h], name: "scan", at: a.location)
                states.append(try h.tensor(at: a.location, "a tensor state from the step function"))
                if interp.shouldStop() { throw ShellError("interrupted", at: a.location) }
            }
            guard !states.isEmpty else { throw ShellError("scan over an empty axis", at: a.location(1)) }
            return .tensor(try at(a.location) { try Tensor.stack(states, axis: 0) })
        },
    ]
}
