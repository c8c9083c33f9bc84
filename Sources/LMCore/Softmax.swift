import RealModule

/// Softmax, log-softmax and cross-entropy: numerically stable (the maximum is subtracted before exp)
/// and with hand-written backward passes, since these sit at the end of every language model.
extension Tensor {
    /// Views the tensor as [outer, n, inner] around `axis`.
    func around(_ axis: Int, op: String) throws -> (outer: Int, n: Int, inner: Int) {
        guard rank > 0 else { throw TensorError("\(op): needs at least one axis") }
        let ax = try Shape.axis(axis, rank: rank, op: op)
        return (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
    }

    /// exp(x − max) / Σ exp(x − max) along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let (outer, n, inner) = try around(axis, op: "softmax")
        var y = data
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, y[base + j * inner]) }
                var s: Float = 0
                for j in 0..<n {
                    let e = Float.exp(y[base + j * inner] - m)
                    y[base + j * inner] = e
                    s += e
                }
                for j in 0..<n { y[base + j * inner] /= s }
            }
        }
        return Tensor.result("softmax", shape: shape, data: y, inputs: [self]) { [y] g in
            // dx = y ⊙ (g − Σ g⊙y)
            var gx = g
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var dot: Float = 0
                    for j in 0..<n { dot += g[base + j * inner] * y[base + j * inner] }
                    for j in 0..<n { gx[base + j * inner] = y[base + j * inner] * (g[base + j * inner] - dot) }
                }
            }
            return [gx]
        }
    }

    /// x − logsumexp(x) along `axis`.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let (outer, n, inner) = try around(axis, op: "log_softmax")
        var y = data
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * n * inner + i
                var m = -Float.infinity
                for j in 0..<n { m = Swift.max(m, y[base + j * inner]) }
                var s: Float = 0
                for j in 0..<n { s += Float.exp(y[base + j * inner] - m) }
                let lse = m + Float.log(s)
                for j in 0..<n { y[base + j * inner] -= lse }
            }
        }
        return Tensor.result("log_softmax", shape: shape, data: y, inputs: [self]) { [y] g in
            // dx = g − softmax ⊙ Σ g
            var gx = g
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var s: Float = 0
                    for j in 0..<n { s += g[base + j * inner] }
                    for j in 0..<n { gx[base + j * inner] = g[base + j * inner] - Float.exp(y[base + j * inner]) * s }
                }
            }
            return [gx]
        }
    }

    /// Mean cross-entropy of logits [..., C] (or [C] for one example) against integer targets [...] (the
    /// logits' shape without its last axis, e.g. [batch, seq] for [batch, seq, V]):
    /// −(1/N) Σ log softmax(logits)[n, target_n], as one fused op whose backward is (softmax − onehot)/N.
    public func crossEntropy(targets: Tensor) throws -> Tensor {
        guard rank >= 1 else { throw TensorError("cross_entropy: logits must have a class axis, got a scalar") }
        if rank > 2 {
            guard Array(shape.dropLast()) == targets.shape || (targets.rank == 1 && targets.count == count / shape[rank - 1]) else {
                throw TensorError("cross_entropy: logits \(shapeString(shape)) need targets of shape \(shapeString(Array(shape.dropLast()))), got \(shapeString(targets.shape))")
            }
            return try reshape([-1, shape[rank - 1]]).crossEntropy(targets: targets)
        }
        let logits = rank == 1 ? try reshape([1, shape[0]]) : self
        let nRows = logits.shape[0], c = logits.shape[1]
        guard targets.count == nRows else {
            throw TensorError("cross_entropy: \(nRows) rows of logits but \(targets.count) targets")
        }
        guard nRows > 0, c > 0 else { throw TensorError("cross_entropy: empty logits \(shapeString(shape))") }
        let t = try Tensor.indexList(targets, limit: c, op: "cross_entropy")
        var probs = logits.data
        var loss: Double = 0
        probs.withUnsafeMutableBufferPointer { p in
            for r in 0..<nRows {
                let row = r * c
                var m = -Float.infinity
                for j in 0..<c { m = Swift.max(m, p[row + j]) }
                let xt = p[row + t[r]]
                var s: Float = 0
                for j in 0..<c {
                    let e = Float.exp(p[row + j] - m)
                    p[row + j] = e
                    s += e
                }
                let inv = 1 / s
                for j in 0..<c { p[row + j] *= inv }
                loss -= Double(xt - m - Float.log(s))  // stable even when p underflows
            }
        }
        let value = Float(loss / Double(nRows))
        let out = Tensor.result("cross_entropy", shape: [], data: [value], inputs: [logits]) { g in
            var gx = probs
            let scale = g[0] / Float(nRows)
            for r in 0..<nRows { gx[r * c + t[r]] -= 1 }
            for i in 0..<gx.count { gx[i] *= scale }
            return [gx]
        }
        return out
    }
}
