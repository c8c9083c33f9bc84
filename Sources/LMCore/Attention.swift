/// The parts of causal self-attention (Vaswani et al. 2017; GPT's decoder): the causal mask, a softmax
/// that respects it, and scaled dot-product attention softmax(q·kᵀ/√d + mask)·v over [..., T, d].
extension Tensor {
    /// [T, T] with 0 where key j may be seen from query i (j ≤ i) and −∞ above the diagonal: added to
    /// attention scores before a softmax, it keeps each position from reading the future.
    public static func causalMask(_ t: Int) throws -> Tensor {
        guard t >= 1 else { throw TensorError("causal_mask: the size must be at least 1, got \(t)") }
        let n = try Shape.count([t, t], op: "causal_mask")
        var d = [Float](repeating: 0, count: n)
        for i in 0..<t { for j in (i + 1)..<t { d[i * t + j] = -.infinity } }
        return Tensor(uncheckedShape: [t, t], data: d)
    }

    /// Softmax over the last axis of [..., T, S] where row i sees only columns j ≤ i + (S − T) (the last
    /// T of S positions are the queries): softmax(x + causal_mask) without adding −∞ anywhere, and with a
    /// backward that skips the masked entries.
    public func causalSoftmax() throws -> Tensor {
        guard rank >= 2 else { throw TensorError("causal_softmax: needs [..., T, S], got \(shapeString(shape))") }
        let t = shape[rank - 2], s = shape[rank - 1]
        guard s >= t else {
            throw TensorError("causal_softmax: \(t) queries but only \(s) keys in \(shapeString(shape))",
                              hint: "the queries are the last T of the S positions, so S ≥ T")
        }
        let mats = t * s == 0 ? 0 : count / (t * s), offset = s - t
        var y = [Float](repeating: 0, count: count)
        data.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                for m in 0..<mats {
                    for i in 0..<t {
                        let row = (m * t + i) * s, seen = i + offset + 1
                        var mx = -Float.infinity
                        for j in 0..<seen { mx = Swift.max(mx, px[row + j]) }
                        var sum: Float = 0
                        for j in 0..<seen { let e = Float.exp(px[row + j] - mx); py[row + j] = e; sum += e }
                        let inv = 1 / sum
                        for j in 0..<seen { py[row + j] *= inv }
                    }
                }
            }
        }
        return Tensor.result("causal_softmax", shape: shape, data: y, inputs: [self]) { [y] g in
            var gx = [Float](repeating: 0, count: g.count)
            for m in 0..<mats {
                for i in 0..<t {
                    let row = (m * t + i) * s, seen = i + offset + 1
                    var dot: Float = 0
                    for j in 0..<seen { dot += g[row + j] * y[row + j] }
                    for j in 0..<seen { gx[row + j] = y[row + j] * (g[row + j] - dot) }
                }
            }
            return [gx]
        }
    }

    /// softmax(q·kᵀ/√d (+ causal mask)) for q [..., T, d] and k [..., S, d]: the attention weights [..., T, S].
    public static func attentionWeights(_ q: Tensor, _ k: Tensor, causal: Bool = true) throws -> Tensor {
        guard q.rank >= 2, k.rank >= 2, let d = q.shape.last, k.shape.last == d else {
            throw TensorError("scaled_dot_attention: q \(shapeString(q.shape)) and k \(shapeString(k.shape)) need the shapes [..., T, d] and [..., S, d]",
                              hint: "queries and keys have the same last size d")
        }
        let scores = try q.matmul(k.transpose(-2, -1)).scaled(by: 1 / Float(Swift.max(d, 1)).squareRoot())
        return causal ? try scores.causalSoftmax() : try scores.softmax(axis: -1)
    }

    /// Scaled dot-product attention, as PyTorch's `F.scaled_dot_product_attention(q, k, v, is_causal=…)`:
    /// softmax(q·kᵀ/√d + mask)·v for q [..., T, d], k [..., S, d], v [..., S, e] → [..., T, e].
    public static func scaledDotAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = true) throws -> Tensor {
        guard v.rank >= 2, v.shape[v.rank - 2] == k.shape[k.rank - 2] else {
            throw TensorError("scaled_dot_attention: k \(shapeString(k.shape)) and v \(shapeString(v.shape)) need as many positions",
                              hint: "v is [..., S, e] with the same S as k")
        }
        return try attentionWeights(q, k, causal: causal).matmul(v)
    }
}
