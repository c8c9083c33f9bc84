import Foundation

/// Finds interpretable cells: the Pearson correlation of every cell (tanh(c) for LSTMs, h otherwise) of
/// every layer with every feature track, and the strongest cells per feature (by |r|, sign kept, since a
/// cell that is −1 inside quotes tracks quotes as well as one that is +1).
public struct CellFinder: Sendable {
    public struct Hit: Sendable, Equatable {
        /// 0-based layer and unit.
        public var layer: Int
        public var unit: Int
        public var correlation: Double
    }

    public var features: FeatureTracks
    /// Per feature (in `features.names` order), the best cells, strongest first; empty when the feature
    /// does not vary over the text (no correlation is defined).
    public var top: [[Hit]]

    /// `kind` picks what is correlated ("h", "c", "tanh_c" or a gate); nil is tanh(c) for LSTMs, h otherwise.
    public static func find(_ trace: StateTrace, features: FeatureTracks, top k: Int = 3, kind: String? = nil) throws -> CellFinder {
        let T = trace.steps, H = trace.hidden
        var hits = [[Hit]](repeating: [], count: features.names.count)
        for l in 0..<trace.layers.count {
            let act = try kind.map { try trace.values(layer: l, kind: $0) } ?? trace.activations(layer: l)
            for j in 0..<H {
                let column = (0..<T).map { Double(act[$0 * H + j]) }
                for (f, track) in features.values.enumerated() {
                    guard let r = pearson(column, track) else { continue }
                    hits[f].append(Hit(layer: l, unit: j, correlation: r))
                }
            }
        }
        let top = hits.map { list in
            Array(list.sorted { Swift.abs($0.correlation) > Swift.abs($1.correlation) }.prefix(k))
        }
        return CellFinder(features: features, top: top)
    }

    /// Pearson's r, or nil when either series is constant.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(Swift.min(x.count, y.count))
        guard n >= 2 else { return nil }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 1e-12, syy > 1e-12 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// A table: per feature, its best cells as "layer:unit r".
    public var description: String {
        let width = Swift.max(14, features.names.map(\.count).max() ?? 0)
        var lines = ["feature".padding(toLength: width, withPad: " ", startingAt: 0) + "  best cells (layer:unit r)"]
        for (f, name) in features.names.enumerated() {
            let cells = top[f].isEmpty ? "(constant over this text)"
                : top[f].map { String(format: "%d:%d %+.3f", $0.layer + 1, $0.unit, $0.correlation) }.joined(separator: "   ")
            lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + cells)
        }
        return lines.joined(separator: "\n")
    }
}
