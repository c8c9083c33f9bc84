import LMCore

/// The parts of a transformer as tensor builtins, so a student can compose attention by hand:
/// `linear`, `layer_norm`, `gelu`, `causal_mask`, `scaled_dot_attention` (all in the autodiff vocabulary).
extension Builtins {
    static let attentionBuiltins: [Builtin] = [
        unary("gelu", "x·Φ(x), Φ the normal CDF (exact erf, as PyTorch's nn.GELU() and nanoGPT's MLP)", "gelu([-1, 0, 1])", { $0.gelu() }),
        Builtin(name: "layer_norm", usage: "layer_norm(x, w, b, eps=1e-5)",
                summary: "normalises the last axis of x to mean 0 and variance 1 (biased, as PyTorch's nn.LayerNorm), then scales by w and shifts by b (vectors as long as that axis; b may be none)",
                keywords: ["eps"], example: "x = randn(2, 4, seed=1)\ny = layer_norm(x, ones(4), zeros(4))\nmean(y, axis=-1)") { _, a in
            try a.expectCount(3...3)
            try a.checkKeywords(["eps"])
            let x = try t(a, 0), w = try t(a, 1)
            let b = a.positional[2].0.isNone ? nil : try t(a, 2)
            let eps = try num(a, "eps")
            guard eps > 0, eps < 1 else { throw ShellError("eps must be in (0, 1), got \(Value.format(eps))", at: a.keywordLocation("eps")) }
            return .tensor(try at(a.location) { try x.layerNorm(weight: w, bias: b, epsilon: Float(eps)) })
        },
        Builtin(name: "linear", usage: "linear(x, w, b=none)",
                summary: "x·wᵀ + b with w as PyTorch's nn.Linear keeps it, [out, in]: x [..., in] → [..., out]",
                keywords: ["b"], example: "w = randn(3, 4, seed=1, grad=true)\nlinear(randn(2, 4, seed=2), w).shape") { _, a in
            try a.expectCount(2...3)
            try a.checkKeywords(["b"])
            let x = try t(a, 0), w = try t(a, 1)
            let bv = a.keyword("b") ?? (a.count > 2 ? a.positional[2].0 : .none)
            let b = bv.isNone ? nil : try bv.tensor(at: a.keyword("b") != nil ? a.keywordLocation("b") : a.location(2))
            return .tensor(try at(a.location) { try x.linear(weight: w, bias: b) })
        },
        Builtin(name: "causal_mask", usage: "causal_mask(T)",
                summary: "[T, T] of 0 on and below the diagonal and -inf above it: add it to attention scores before softmax so that position i reads only positions ≤ i",
                keywords: [], example: "causal_mask(3)\nsoftmax(zeros(3, 3) + causal_mask(3))") { _, a in
            try a.expectCount(1...1)
            let n = try a.positional[0].0.int(at: a.location(0), "a size")
            guard n >= 1, n <= 4096 else { throw ShellError("causal_mask: the size must be in 1...4096, got \(n)", at: a.location(0)) }
            return .tensor(try at(a.location) { try Tensor.causalMask(n) })
        },
        Builtin(name: "scaled_dot_attention", usage: "scaled_dot_attention(q, k, v, causal=true)",
                summary: "softmax(q·kᵀ/√d + causal_mask)·v for q [..., T, d], k [..., S, d], v [..., S, e] (leading axes, e.g. heads, are batched), as PyTorch's F.scaled_dot_product_attention(q, k, v, is_causal=True); causal=false drops the mask",
                keywords: ["causal"], example: "q = randn(2, 5, 4, seed=1)\nscaled_dot_attention(q, q, q).shape") { _, a in
            try a.expectCount(3...3)
            try a.checkKeywords(["causal"])
            let q = try t(a, 0), k = try t(a, 1), v = try t(a, 2)
            let causal = try (a.keyword("causal") ?? defaultValue(a, "causal")).bool(at: a.keywordLocation("causal"))
            return .tensor(try at(a.location) { try Tensor.scaledDotAttention(q, k, v, causal: causal) })
        },
    ]
}
