import Foundation

/// What a training monitor shows about a model's activations (Karpathy's "Zero to Hero" diagnostics), measured
/// on a probe text through the cell's definition: per layer the histogram of h, the share of tanh-saturated
/// values (|h| > 0.97, where tanh's slope is below 0.06 and little gradient passes), each sigmoid gate's share
/// saturated (< 0.1 or > 0.9), and the dead units: those saturated at every step or that never move.
public struct ActivationStats: Sendable {
    public struct Layer: Sendable {
        /// Counts of h over `bins` equal bins of [−1, 1].
        public var histogram: [Int]
        /// Fraction of (step, unit) values with |h| > 0.97.
        public var tanhSaturated: Double
        /// Per sigmoid gate, the fraction of values below 0.1 or above 0.9.
        public var gateSaturated: [(name: String, fraction: Double)]
        /// Units saturated at every step, or whose h spans less than 1e-3 over the probe.
        public var deadUnits: Int
        public var units: Int
    }

    public var layers: [Layer]

    public static let saturationLimit: Float = 0.97

    public static func measure(_ trace: StateTrace, bins: Int = 16) throws -> ActivationStats {
        let T = trace.steps, H = trace.hidden
        let gates = try Saturation.measure(trace)
        var layers: [Layer] = []
        for l in 0..<trace.layers.count {
            let h = trace.layers[l].h
            var histogram = [Int](repeating: 0, count: bins)
            var saturated = 0
            var low = [Float](repeating: .infinity, count: H), high = [Float](repeating: -.infinity, count: H)
            var alwaysSaturated = [Bool](repeating: true, count: H)
            for t in 0..<T {
                for j in 0..<H {
                    let x = h[t * H + j]
                    let bin = Int(((x + 1) / 2 * Float(bins)).rounded(.down))
                    histogram[Swift.max(0, Swift.min(bins - 1, bin))] += 1
                    if Swift.abs(x) > saturationLimit { saturated += 1 } else { alwaysSaturated[j] = false }
                    low[j] = Swift.min(low[j], x)
                    high[j] = Swift.max(high[j], x)
                }
            }
            let dead = (0..<H).filter { alwaysSaturated[$0] || high[$0] - low[$0] < 1e-3 }.count
            let layerGates = gates.gates.filter { $0.layer == l }.map { ($0.name, $0.meanLeft + $0.meanRight) }
            layers.append(Layer(histogram: histogram, tanhSaturated: Double(saturated) / Double(Swift.max(1, T * H)),
                                gateSaturated: layerGates, deadUnits: dead, units: H))
        }
        return ActivationStats(layers: layers)
    }

    /// Counts of log10|x| over `bins` equal bins of [lo, hi] (values outside are put in the end bins; zeros are
    /// left out): the shape of a gradient's magnitudes.
    public static func logHistogram(_ values: [Float], bins: Int = 16, lo: Double = -8, hi: Double = 0) -> [Int] {
        var histogram = [Int](repeating: 0, count: bins)
        for v in values where v != 0 && v.isFinite {
            let e = Foundation.log10(Double(Swift.abs(v)))
            let bin = Int(((e - lo) / (hi - lo) * Double(bins)).rounded(.down))
            histogram[Swift.max(0, Swift.min(bins - 1, bin))] += 1
        }
        return histogram
    }
}
