import Foundation

/// Standalone SVG plots (loss curves, gradient flow, saturation), written with plain elements so that any
/// browser or editor shows them; axes carry the range so that the picture can be read without the data.
public enum SVGChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }
    static func label(_ v: Double) -> String { String(format: "%.3g", v) }

    static func frame(width: Int, height: Int, title: String, content: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
        \(HTMLPage.exportMarker)
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="18" text-anchor="middle" font-size="14">\(HTMLPage.escape(title))</text>
        \(content)</svg>

        """
    }

    /// One or more series against their index (1...n), optionally on a log10 y axis (non-positive values are
    /// left out there), with a legend when there are several.
    public static func lines(_ series: [(name: String, values: [Double])], title: String, xLabel: String, yLabel: String,
                             logY: Bool = false, width: Int = 640, height: Int = 360) -> String {
        let left = 70.0, right = 20.0, top = 30.0, bottom = 45.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        func y(_ v: Double) -> Double? { logY ? (v > 0 && v.isFinite ? log10(v) : nil) : (v.isFinite ? v : nil) }
        let ys = series.flatMap { $0.values.compactMap(y) }
        let n = series.map(\.values.count).max() ?? 0
        guard var lo = ys.min(), var hi = ys.max(), n > 0 else {
            return frame(width: width, height: height, title: title, content: "<text x=\"20\" y=\"60\">no values</text>")
        }
        if hi == lo { hi += 0.5; lo -= 0.5 }
        func px(_ i: Int) -> Double { left + (n > 1 ? Double(i) / Double(n - 1) : 0.5) * pw }
        func py(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * ph }
        var s = "<g stroke=\"#444\" fill=\"none\"><line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + ph))\"/>"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + ph))\" x2=\"\(f(left + pw))\" y2=\"\(f(top + ph))\"/></g>\n"
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            let text = logY ? label(pow(10, v)) : label(v)
            s += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(v)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(text)</text>\n"
        }
        s += "<text x=\"\(f(left))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">1</text>"
        s += "<text x=\"\(f(left + pw))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(n)</text>"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(Double(height) - 8))\" text-anchor=\"middle\">\(HTMLPage.escape(xLabel))</text>"
        s += "<text x=\"14\" y=\"\(f(top + ph / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + ph / 2)))\">\(HTMLPage.escape(yLabel + (logY ? " (log)" : "")))</text>\n"
        for (k, ser) in series.enumerated() {
            let colour = palette[k % palette.count]
            var points: [String] = []
            for (i, v) in ser.values.enumerated() { if let yv = y(v) { points.append("\(f(px(i))),\(f(py(yv)))") } }
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.8\" points=\"\(points.joined(separator: " "))\"/>\n"
            if series.count > 1 {
                s += "<text x=\"\(f(left + pw - 4))\" y=\"\(f(top + 14 + 15 * Double(k)))\" text-anchor=\"end\" fill=\"\(colour)\">\(HTMLPage.escape(ser.name))</text>\n"
            }
        }
        return frame(width: width, height: height, title: title, content: s)
    }

    /// Points in [0, 1]² (e.g. per-unit saturation: left-saturated fraction across, right-saturated up),
    /// coloured by group.
    public static func scatter(_ groups: [(name: String, points: [(Double, Double)])], title: String, xLabel: String, yLabel: String,
                               size: Int = 420) -> String {
        let m = 50.0, p = Double(size) - 2 * m
        var s = "<rect x=\"\(f(m))\" y=\"\(f(m))\" width=\"\(f(p))\" height=\"\(f(p))\" fill=\"none\" stroke=\"#444\"/>"
        s += "<line x1=\"\(f(m))\" y1=\"\(f(m + p))\" x2=\"\(f(m + p))\" y2=\"\(f(m))\" stroke=\"#ccc\"/>"
        s += "<text x=\"\(f(m))\" y=\"\(f(m + p + 16))\" text-anchor=\"middle\">0</text><text x=\"\(f(m + p))\" y=\"\(f(m + p + 16))\" text-anchor=\"middle\">1</text>"
        s += "<text x=\"\(f(m - 6))\" y=\"\(f(m + 4))\" text-anchor=\"end\">1</text>"
        s += "<text x=\"\(f(m + p / 2))\" y=\"\(f(m + p + 34))\" text-anchor=\"middle\">\(HTMLPage.escape(xLabel))</text>"
        s += "<text x=\"16\" y=\"\(f(m + p / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(m + p / 2)))\">\(HTMLPage.escape(yLabel))</text>\n"
        for (k, g) in groups.enumerated() {
            let colour = palette[k % palette.count]
            for (x, y) in g.points where x.isFinite && y.isFinite {
                s += "<circle cx=\"\(f(m + x * p))\" cy=\"\(f(m + (1 - y) * p))\" r=\"3.5\" fill=\"\(colour)\" fill-opacity=\"0.6\"/>"
            }
            s += "\n<text x=\"\(f(m + p - 4))\" y=\"\(f(m + 14 + 15 * Double(k)))\" text-anchor=\"end\" fill=\"\(colour)\">\(HTMLPage.escape(g.name))</text>\n"
        }
        return frame(width: size, height: size, title: title, content: s)
    }
}
