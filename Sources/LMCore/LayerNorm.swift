/// Layer normalisation over the last axis (Ba et al. 2016), as PyTorch's `nn.LayerNorm`: each row x of
/// size C becomes (x − mean) / √(var + eps) · w + b, with the biased variance. One fused op, because the
/// composed version (mean, sub, square, mean, sqrt, div) keeps six intermediates per row for backward.
extension Tensor {
    public func layerNorm(weight w: Tensor, bias b: Tensor?, epsilon eps: Float = 1e-5) throws -> Tensor {
        guard rank >= 1, let c = shape.last, c > 0 else {
            throw TensorError("layer_norm: needs a tensor with a non-empty last axis, got \(shapeString(shape))")
        }
        guard w.shape == [c] else {
            throw TensorError("layer_norm: the weight has shape \(shapeString(w.shape)), the last axis needs [\(c)]",
                              hint: "weight and bias are vectors as long as the normalised axis")
        }
        if let b, b.shape != [c] {
            throw TensorError("layer_norm: the bias has shape \(shapeString(b.shape)), the last axis needs [\(c)]",
                              hint: "weight and bias are vectors as long as the normalised axis")
        }
        let rows = count / c
        var y = [Float](repeating: 0, count: count)
        var xhat = [Float](repeating: 0, count: count)
        var rstd = [Float](repeating: 0, count: rows)
        let wd = w.data, bd = b?.data
        data.withUnsafeBufferPointer { px in
            for r in 0..<rows {
                let o = r * c
                var mean: Float = 0
                for j in 0..<c { mean += px[o + j] }
                mean /= Float(c)
                var v: Float = 0
                for j in 0..<c { let d = px[o + j] - mean; v += d * d }
                let s = 1 / (v / Float(c) + eps).squareRoot()
                rstd[r] = s
                for j in 0..<c {
                    let h = (px[o + j] - mean) * s
                    xhat[o + j] = h
                    y[o + j] = h * wd[j] + (bd?[j] ?? 0)
                }
            }
        }
        let inputs = b.map { [self, w, $0] } ?? [self, w]
        let needX = requiresGrad, needW = w.requiresGrad, needB = b?.requiresGrad ?? false
        return Tensor.result("layer_norm", shape: shape, data: y, inputs: inputs) { g in
            var gx = needX ? [Float](repeating: 0, count: rows * c) : []
            var gw = [Float](repeating: 0, count: c), gb = [Float](repeating: 0, count: c)
            for r in 0..<rows {
                let o = r * c
                // dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂)), dx̂ = g ⊙ w.
                var m1: Float = 0, m2: Float = 0
                for j in 0..<c {
                    let d = g[o + j] * wd[j]
                    m1 += d
                    m2 += d * xhat[o + j]
                    gw[j] += g[o + j] * xhat[o + j]
                    gb[j] += g[o + j]
                }
                if needX {
                    m1 /= Float(c); m2 /= Float(c)
                    for j in 0..<c { gx[o + j] = rstd[r] * (g[o + j] * wd[j] - m1 - xhat[o + j] * m2) }
                }
            }
            return [needX ? gx : nil, needW ? gw : nil] + (b == nil ? [] : [needB ? gb : nil])
        }
    }
}
