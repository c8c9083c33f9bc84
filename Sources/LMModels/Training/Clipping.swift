import LMCore

/// Gradient clipping: by global norm (Pascanu et al. 2013: rescale when ‖g‖ exceeds the threshold,
/// keeping the direction) or element-wise by value (char-rnn's `grad_clip`).
public enum ClipMode: String, Sendable, CaseIterable, Codable {
    case norm
    case value
}

public struct GradientStats: Sendable, Equatable {
    /// ‖∇θ‖ over all parameters, before clipping.
    public var norm: Float
    /// ‖θ‖ over all parameters.
    public var parameterNorm: Float
    /// ‖∇θ‖/‖θ‖: how big a step the gradient proposes relative to the weights.
    public var ratio: Float { parameterNorm > 0 ? norm / parameterNorm : 0 }
    /// Whether clipping changed the gradient.
    public var clipped: Bool
    /// ‖∇θ‖ after clipping (the step the optimizer takes is made from this gradient).
    public var clippedNorm: Float
    /// The first parameter whose gradient holds a NaN or Inf, if any.
    public var firstNonFinite: String?
}

extension NamedParameters {
    /// Measures the gradients and clips them in place (`threshold` ≤ 0 turns clipping off).
    public func clipGradients(threshold: Float, mode: ClipMode) -> GradientStats {
        var sq: Double = 0, psq: Double = 0
        var firstBad: String?
        for e in entries {
            for x in e.tensor.data { psq += Double(x) * Double(x) }
            guard let g = e.tensor.grad else { continue }
            for x in g.data {
                if !x.isFinite && firstBad == nil { firstBad = e.name }
                sq += Double(x) * Double(x)
            }
        }
        let norm = Float(sq.squareRoot())
        var clipped = false, clippedNorm = norm
        if threshold > 0 && firstBad == nil {
            switch mode {
            case .norm where norm > threshold:
                let scale = threshold / norm
                for e in entries { e.tensor.grad?.data.withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= scale } } }
                clipped = true
                clippedNorm = threshold
            case .value:
                var after: Double = 0
                for e in entries {
                    e.tensor.grad?.data.withUnsafeMutableBufferPointer { g in
                        for i in 0..<g.count {
                            if Swift.abs(g[i]) > threshold {
                                g[i] = g[i] > 0 ? threshold : -threshold
                                clipped = true
                            }
                            after += Double(g[i]) * Double(g[i])
                        }
                    }
                }
                clippedNorm = Float(after.squareRoot())
            default: break
            }
        }
        return GradientStats(norm: norm, parameterNorm: Float(psq.squareRoot()), clipped: clipped, clippedNorm: clippedNorm,
                             firstNonFinite: firstBad)
    }
}
