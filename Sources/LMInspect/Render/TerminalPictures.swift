import Foundation

/// Pictures drawn with characters (and colour when the mode allows): text coloured by a cell, heatmaps of
/// states, sparklines, line charts, bar charts and scatter plots. Every function is pure (numbers in,
/// string out) so that tests can read the pictures; without colour, shades become digits.
public enum TerminalPictures {
    /// How a character of the text is shown in one column: newline as ↵, tab as →, other controls as ·.
    public static func glyph(_ s: Unicode.Scalar) -> String {
        switch s {
        case "\n": return "↵"
        case "\t": return "→"
        default: return s.properties.generalCategory == .control || s.properties.generalCategory == .format ? "·" : String(s)
        }
    }

    /// A value in [−1, 1] as one digit of magnitude (0...9) for the colourless mode.
    static func digit(_ v: Double) -> String {
        guard v.isFinite else { return "?" }
        return String(Swift.min(9, Int((Swift.abs(Swift.max(-1, Swift.min(1, v))) * 9).rounded())))
    }

    /// The text coloured by one cell (values in [−1, 1]: red negative, blue positive, as Karpathy et al. 2015),
    /// wrapped to `width` columns, breaking after each newline of the text. Without colour each line of text
    /// gets two lines under it: the sign (+ or −, blank near 0) and the magnitude as a digit 0–9.
    public static func coloredText(_ scalars: [Unicode.Scalar], values: [Double], mode: ColorMode, width: Int) -> String {
        let ansi = ANSI(mode), w = Swift.max(8, width)
        var rows: [[Int]] = [[]]
        for (t, s) in scalars.enumerated() {
            if rows[rows.count - 1].count >= w { rows.append([]) }
            rows[rows.count - 1].append(t)
            if s == "\n" && t + 1 < scalars.count { rows.append([]) }
        }
        var lines: [String] = []
        for row in rows where !row.isEmpty {
            if mode == .none {
                lines.append(row.map { glyph(scalars[$0]) }.joined())
                lines.append(row.map { t in Swift.abs(values[t]) < 0.05 ? " " : (values[t] < 0 ? "-" : "+") }.joined())
                lines.append(row.map { digit(values[$0]) }.joined())
            } else {
                lines.append(row.map { t in ansi.background(RGB.diverging(values[t])) + glyph(scalars[t]) }.joined() + ANSI.reset)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A heatmap of a [T, U] matrix (row-major `values`): units down, steps across under the text, wrapped
    /// into blocks of `width − 6` steps. Colour: the diverging scale over ±max|v|; without colour, digits
    /// 0–9 of |v|/max|v| with a sign row per unit dropped for brevity (a legend says so).
    public static func heatmap(_ values: [Double], steps T: Int, units U: Int, text: [Unicode.Scalar]?, mode: ColorMode,
                               width: Int, maxUnits: Int = 16) -> String {
        let ansi = ANSI(mode)
        let shown = Swift.min(U, maxUnits)
        let scale = Swift.max(1e-12, values.lazy.filter(\.isFinite).map(Swift.abs).max() ?? 1)
        let cols = Swift.max(8, width - 6)
        var lines: [String] = []
        lines.append(String(format: "%d steps × %d units%@; scale ±%.3g", T, U, shown < U ? " (first \(shown) shown)" : "", scale)
            + (mode == .none ? "; digits are |v| in tenths of the scale, a '-' marks a negative value ≥ 0.05 of it" : ""))
        var start = 0
        while start < T {
            let end = Swift.min(T, start + cols)
            if let text { lines.append("      " + (start..<end).map { $0 < text.count ? glyph(text[$0]) : " " }.joined()) }
            for u in 0..<shown {
                var row = String(format: "%5d ", u)
                for t in start..<end {
                    let v = values[t * U + u] / scale
                    if mode == .none {
                        row += v <= -0.05 ? "-" : digit(v)
                    } else {
                        row += ansi.background(RGB.diverging(v)) + " "
                    }
                }
                lines.append(row + ansi.resetCode)
            }
            start = end
        }
        return lines.joined(separator: "\n")
    }

    /// Bin counts as bars from 0 to the largest count, an empty bin as a space (so the shape's ends show).
    public static func histogram(_ counts: [Int]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let top = Swift.max(1, counts.max() ?? 1)
        return String(counts.map { c -> Character in
            c == 0 ? " " : bars[Swift.max(0, Swift.min(7, Int((Double(c) / Double(top) * 7).rounded())))]
        })
    }

    /// ▁▂▃▄▅▆▇█ over the values' range (non-finite values as a space).
    public static func sparkline(_ values: [Double]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return "" }
        return String(values.map { v -> Character in
            guard v.isFinite else { return " " }
            let k = hi > lo ? Int(((v - lo) / (hi - lo) * 7).rounded()) : 3
            return bars[Swift.max(0, Swift.min(7, k))]
        })
    }

    /// Picks `count` values evenly from a series (the mean of each bucket), for charts narrower than the data.
    public static func resample(_ values: [Double], to count: Int) -> [Double] {
        guard values.count > count, count > 0 else { return values }
        return (0..<count).map { k in
            let lo = k * values.count / count, hi = Swift.max(lo + 1, (k + 1) * values.count / count)
            let part = values[lo..<hi].filter(\.isFinite)
            return part.isEmpty ? .nan : part.reduce(0, +) / Double(part.count)
        }
    }

    /// A line chart `height` rows tall: one column per (resampled) point, `•` on the value's row, the range on
    /// the left axis and the x range below.
    public static func lineChart(_ values: [Double], title: String, width: Int, height: Int = 8, xLabel: String = "step") -> String {
        lineChart([("", values)], title: title, width: width, height: height, xLabel: xLabel)
    }

    /// Marks of the series of an overlaid chart, in order (a later series is drawn over an earlier one).
    static let marks: [Character] = ["•", "×", "○", "+", "◆", "▲"]
    /// How many series an overlaid chart tells apart.
    public static var markCount: Int { marks.count }

    /// Several series overlaid on one scale, each with its own mark and a legend line; x is the step, so a
    /// series that stopped early (a diverged run) ends early.
    public static func lineChart(_ series: [(name: String, values: [Double])], title: String, width: Int, height: Int = 8,
                                 xLabel: String = "step") -> String {
        let plotWidth = Swift.max(8, width - 11)
        let longest = series.map(\.values.count).max() ?? 0
        let columns = Swift.min(plotWidth, Swift.max(longest, 1))
        let resampled = series.map { s in
            resample(s.values, to: Swift.max(1, Int((Double(columns) * Double(s.values.count) / Double(Swift.max(longest, 1))).rounded())))
        }
        let finite = resampled.flatMap { $0 }.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return "\(title): (no values)" }
        let h = Swift.max(2, height)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: columns), count: h)
        for (k, ys) in resampled.enumerated() {
            for (x, y) in ys.enumerated() where y.isFinite && x < columns {
                let row = hi > lo ? Int(((hi - y) / (hi - lo) * Double(h - 1)).rounded()) : h / 2
                grid[row][x] = marks[k % marks.count]
            }
        }
        var lines = [title]
        for (r, row) in grid.enumerated() {
            let label = r == 0 ? String(format: "%9.4g", hi) : (r == h - 1 ? String(format: "%9.4g", lo) : String(repeating: " ", count: 9))
            lines.append(label + " ┤" + String(row))
        }
        lines.append(String(repeating: " ", count: 10) + "└" + String(repeating: "─", count: columns))
        lines.append(String(repeating: " ", count: 11) + "1" + String(repeating: " ", count: Swift.max(1, columns - 1 - String(longest).count - xLabel.count - 1)) + "\(xLabel) \(longest)")
        if series.count > 1 {
            lines.append(String(repeating: " ", count: 11) + series.enumerated().map { k, s in
                "\(marks[k % marks.count]) \(s.name) (\(s.values.count) steps)"
            }.joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    /// Horizontal bars, one per labelled value, scaled to the largest (or on a log10 scale over the range).
    public static func barChart(_ items: [(String, Double)], width: Int, logScale: Bool = false) -> String {
        let labelWidth = Swift.min(24, items.map(\.0.count).max() ?? 0)
        let barWidth = Swift.max(8, width - labelWidth - 13)
        let finite = items.map(\.1).filter { $0.isFinite && (!logScale || $0 > 0) }
        guard let hi = finite.max(), let lo = finite.min() else { return "(no values)" }
        let top = logScale ? log10(hi) : hi, bottom = logScale ? Swift.min(log10(lo), top - 1) : Swift.min(0, lo)
        return items.map { label, v in
            var frac = 0.0
            if v.isFinite && (!logScale || v > 0) { frac = top > bottom ? ((logScale ? log10(v) : v) - bottom) / (top - bottom) : 1 }
            let bar = String(repeating: "█", count: Swift.max(0, Int((frac * Double(barWidth)).rounded())))
            return String(label.prefix(labelWidth)).padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " "
                + bar.padding(toLength: barWidth, withPad: " ", startingAt: 0) + String(format: " %10.4g", v)
        }.joined(separator: "\n")
    }

    /// A scatter plot of points in [0, 1]² (e.g. saturation: left-saturated fraction across, right up); each
    /// cell of the grid shows how many points fell in it (1–9, + for more).
    public static func scatter(_ points: [(Double, Double)], xLabel: String, yLabel: String, width: Int = 41, height: Int = 13) -> String {
        let w = Swift.max(5, width), h = Swift.max(3, height)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: w), count: h)
        for (x, y) in points where x.isFinite && y.isFinite {
            let c = Swift.max(0, Swift.min(w - 1, Int((x * Double(w - 1)).rounded())))
            let r = Swift.max(0, Swift.min(h - 1, Int(((1 - y) * Double(h - 1)).rounded())))
            counts[r][c] += 1
        }
        var lines = ["\(yLabel) ↑"]
        for (r, row) in counts.enumerated() {
            let label = r == 0 ? "1 ┤" : (r == h - 1 ? "0 ┤" : "  │")
            lines.append(label + String(row.map { $0 == 0 ? "·" : ($0 > 9 ? "+" : Character(String($0))) }))
        }
        lines.append("  └" + String(repeating: "─", count: w))
        lines.append("   0" + String(repeating: " ", count: Swift.max(1, w - 2)) + "1  → \(xLabel)")
        return lines.joined(separator: "\n")
    }
}
