import Foundation

/// LSTMVis-style selection (Strobelt et al. 2017): pick a range of the text, find the cells that are on
/// (above a threshold) over all of it, optionally off just before it, then find other places in the text
/// where the same cells switch on together.
public struct Selection: Sendable {
    /// Layer (0-based) and the units selected.
    public var layer: Int
    public var units: [Int]
    /// The selected range of positions, inclusive.
    public var from: Int
    public var to: Int
    public var threshold: Float

    public init(layer: Int, units: [Int], from: Int, to: Int, threshold: Float) {
        self.layer = layer
        self.units = units
        self.from = from
        self.to = to
        self.threshold = threshold
    }

    /// Cells of `layer` whose state `values` ([T·H]) is above `threshold` at every position of from...to and,
    /// when `offBefore` > 0, below it at each of the `offBefore` positions before `from`.
    public static func select(_ values: [Float], hidden H: Int, layer: Int, from: Int, to: Int,
                              threshold: Float, offBefore: Int = 0) throws -> Selection {
        let T = values.count / H
        guard from >= 0, to >= from, to < T else {
            throw FeatureError("select: the range \(from)...\(to) is not inside the text's positions 0...\(T - 1)")
        }
        var units: [Int] = []
        for j in 0..<H {
            let on = (from...to).allSatisfy { values[$0 * H + j] > threshold }
            let off = offBefore <= 0 || (Swift.max(0, from - offBefore)..<from).allSatisfy { values[$0 * H + j] <= threshold }
            if on && off { units.append(j) }
        }
        return Selection(layer: layer, units: units, from: from, to: to, threshold: threshold)
    }

    public struct Match: Sendable {
        public var from: Int
        public var to: Int
        /// Mean over the window of the fraction of selected cells that are on.
        public var score: Double
    }

    /// Windows of the selection's length elsewhere in the text, ranked by how many of the selected cells are
    /// on together in them; windows do not overlap each other or the selection.
    public func match(_ values: [Float], hidden H: Int, top k: Int = 5) -> [Match] {
        let T = values.count / H, L = to - from + 1
        guard !units.isEmpty, L <= T else { return [] }
        let onFraction = (0..<T).map { t in
            Double(units.filter { values[t * H + $0] > threshold }.count) / Double(units.count)
        }
        var scored: [Match] = []
        var window = onFraction.prefix(L).reduce(0, +)
        for start in 0...(T - L) {
            if start > 0 { window += onFraction[start + L - 1] - onFraction[start - 1] }
            scored.append(Match(from: start, to: start + L - 1, score: window / Double(L)))
        }
        var out: [Match] = []
        for m in scored.sorted(by: { $0.score > $1.score }) where m.score > 0 {
            let clashes = (out + [Match(from: from, to: to, score: 1)]).contains { m.from <= $0.to && $0.from <= m.to }
            if !clashes { out.append(m) }
            if out.count == k { break }
        }
        return out
    }
}
