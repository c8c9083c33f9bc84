import LMCore
import LMKernels

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
    /// Measures the gradients and clips them in place (`threshold` ≤ 0 turns clipping off). A big model's
    /// numbers are split between the cores (`ParameterSweep`) and each thread sums in four running sums,
    /// so a norm may differ from a one-by-one sum in the last bits of its double-precision total.
    public func clipGradients(threshold: Float, mode: ClipMode) -> GradientStats {
        let tensors = entries.map(\.tensor)
        // The gradients that exist (a missing one counts as zero).
        let withGrad = tensors.indices.filter { tensors[$0].grad != nil }
        let grads: [any FloatArrayOwner] = withGrad.compactMap { tensors[$0].grad }
        let counts = tensors.map(\.count), gradCounts = withGrad.map { tensors[$0].count }
        let psq = ParameterSweep.withPointers(tensors, total: counts.reduce(0, +)) { x, threads in
            ParameterSweep.collect(counts: counts, threads: threads, initial: 0.0) { _, spans in
                spans.reduce(0) { $0 + squareSum(x[$1.entry], $1.range) }
            }.reduce(0, +)
        }
        // Per part: Σg² and the first gradient (in parameter order) holding a NaN or Inf.
        let parts = ParameterSweep.withPointers(grads, total: gradCounts.reduce(0, +)) { g, threads in
            ParameterSweep.collect(counts: gradCounts, threads: threads, initial: (sum: 0.0, bad: Int?.none)) { _, spans in
                var sum: Double = 0, bad: Int?
                for span in spans {
                    let s = squareSum(g[span.entry], span.range)
                    if !s.isFinite && bad == nil { bad = span.entry }
                    sum += s
                }
                return (sum, bad)
            }
        }
        let norm = Float(parts.reduce(0) { $0 + $1.sum }.squareRoot())
        let firstBad = parts.compactMap(\.bad).min().map { entries[withGrad[$0]].name }
        var clipped = false, clippedNorm = norm
        if threshold > 0 && firstBad == nil {
            switch mode {
            case .norm where norm > threshold:
                let scale = threshold / norm
                ParameterSweep.withPointers(grads, total: gradCounts.reduce(0, +)) { g, threads in
                    let shared = Unchecked(g)
                    ParameterSweep.run(counts: gradCounts, threads: threads) { _, spans in
                        for span in spans {
                            let p = shared.value[span.entry]
                            for i in span.range { p[i] *= scale }
                        }
                    }
                }
                clipped = true
                clippedNorm = threshold
            case .value:
                // Per part: whether any element was clipped, and Σg² after clipping.
                let after = ParameterSweep.withPointers(grads, total: gradCounts.reduce(0, +)) { g, threads in
                    ParameterSweep.collect(counts: gradCounts, threads: threads, initial: (hit: false, sum: 0.0)) { _, spans in
                        var hit = false, sum: Double = 0
                        for span in spans {
                            let p = g[span.entry]
                            for i in span.range where Swift.abs(p[i]) > threshold {
                                p[i] = p[i] > 0 ? threshold : -threshold
                                hit = true
                            }
                            sum += squareSum(p, span.range)
                        }
                        return (hit, sum)
                    }
                }
                clipped = after.contains { $0.hit }
                clippedNorm = Float(after.reduce(0) { $0 + $1.sum }.squareRoot())
            default: break
            }
        }
        return GradientStats(norm: norm, parameterNorm: Float(psq.squareRoot()), clipped: clipped, clippedNorm: clippedNorm,
                             firstNonFinite: firstBad)
    }
}

/// Σx² over `range` of `x` in double precision, or Σ(x − y)² with `minus: y`, in four running sums (one sum's add
/// waits on the last; four keep the adder busy). NaN or Inf when any element is.
func squareSum(_ x: UnsafePointer<Float>, minus y: UnsafePointer<Float>? = nil, _ range: Range<Int>) -> Double {
    var sums = SquareSums()
    sums.add(x, minus: y, range)
    return sums.total
}

/// The four running sums of `squareSum` (`SquareSum`'s, eight numbers at a time where the CPU has AVX2), kept
/// between calls so that a stretch summed in pieces (`UpdateSweep`'s chunks) gives the same bits as in one call,
/// as long as every piece but the last has a multiple of four numbers.
struct SquareSums {
    var sums: (Double, Double, Double, Double) = (0, 0, 0, 0)

    mutating func add(_ x: UnsafePointer<Float>, minus y: UnsafePointer<Float>? = nil, _ range: Range<Int>,
                      fast: Bool = VectorMath.fast) {
        let i = range.lowerBound, n = range.count
        withUnsafeMutablePointer(to: &sums) { t in
            t.withMemoryRebound(to: Double.self, capacity: 4) { s in
                if fast {
                    LMKernels.SquareSum.addAVX2(s, x + i, minus: y.map { $0 + i }, count: n)
                } else {
                    SquareSum.add(s, x + i, minus: y.map { $0 + i }, count: n)
                }
            }
        }
    }

    var total: Double { (sums.0 + sums.1) + (sums.2 + sums.3) }
}
