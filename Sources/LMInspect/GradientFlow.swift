import Foundation
import LMCore
import LMModels

/// How the gradient of the last step's cost reaches back through time: ‖∂cost_N/∂h_n‖ for every step n
/// and layer, the lecture's product of diag(g′(z_n))·V_h made visible.
///
/// For LSTMs the flow can also be read along the cell, ‖∂cost_N/∂c_n‖: that is the path the LSTM keeps
/// open (∂c_n/∂c_{n−1} = diag(f) plus terms through the gates), while h_{n−1} reaches cost_N only through
/// the small recurrent weights of the next step's gates, so the h flow drops by one such factor at once.
public struct GradientFlow: Sendable {
    /// Which state the gradient is taken with respect to.
    public enum Through: String, Sendable {
        case hidden = "h"
        case cell = "c"
        /// A transformer's input embeddings x_n = wte[token_n] + wpe[n].
        case input = "x"
    }

    /// The state the norms are of.
    public var through: Through = .hidden
    /// Per layer, the norms for n = 1…N (index 0 is the first step).
    public var norms: [[Double]]
    /// Per layer, the fitted factor by which the norm changes per step back in time (< 1: vanishing).
    public var factorPerStep: [Double]
    /// Per layer, how many steps back the norm first falls below 10⁻³ of its value at step N (nil: never).
    public var stepsToThousandth: [Int?]

    /// Measures the flow over `text` (ids; the model reads ids[0..<N] and cost_N scores the prediction
    /// of ids[N]) from the zero state, with the reference path.
    public static func measure(_ model: RecurrentModel, ids: [Int], through: Through = .hidden) throws -> GradientFlow {
        guard ids.count >= 3 else { throw ModelError("gradflow: the text needs at least 3 characters") }
        if through == .cell && !model.cell.hasCell {
            throw ModelError("gradflow: a \(model.cell.rawValue) has no cell state; kind=\"c\" is for LSTMs")
        }
        let inputs = Array(ids.dropLast()), targets = Array(ids.dropFirst())
        let result = try model.referenceForward(ids: inputs, targets: targets, batch: 1,
                                                state: RecurrentState(config: model.config, batch: 1), lastStepOnly: true)
        try result.loss.backward()
        model.parameters.zeroGrads()  // only the hidden-state gradients are wanted
        var norms: [[Double]] = []
        for layer in through == .cell ? result.cells : result.hidden {
            norms.append(layer.map { h in
                guard let g = h.grad else { return 0 }
                return Double(g.data.reduce(0) { $0 + $1 * $1 }).squareRoot()
            })
        }
        return fitted(norms, through: through)
    }

    /// The flow of measured norms, with each row's decay per step back and its fall by 10³.
    public static func fitted(_ norms: [[Double]], through: Through) -> GradientFlow {
        var factors: [Double] = [], thousandth: [Int?] = []
        for layerNorms in norms {
            let n = layerNorms.count
            // Least-squares fit of log10 ‖g_n‖ against steps back (N − n), over the non-zero norms.
            var xs: [Double] = [], ys: [Double] = []
            for (i, v) in layerNorms.enumerated() where v > 0 && v.isFinite {
                xs.append(Double(n - 1 - i))
                ys.append(log10(v))
            }
            if xs.count >= 2 {
                let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
                var sxy = 0.0, sxx = 0.0
                for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
                factors.append(sxx > 0 ? pow(10, sxy / sxx) : 1)
            } else {
                factors.append(.nan)
            }
            let last = layerNorms.last ?? 0
            var found: Int?
            for back in 1..<n where layerNorms[n - 1 - back] < last * 1e-3 {
                found = back
                break
            }
            thousandth.append(found)
        }
        return GradientFlow(through: through, norms: norms, factorPerStep: factors, stepsToThousandth: thousandth)
    }

    /// A bar chart on a log scale, one row per step (latest first), one column block per layer.
    public func chart(width: Int = 40, maxRows: Int = 40, text: [String]? = nil) -> String {
        var lines: [String] = []
        let all = norms.flatMap { $0 }.filter { $0 > 0 && $0.isFinite }
        guard let hi = all.max(), let lo = all.min(), hi > 0 else { return "(all gradients are zero)" }
        let top = log10(hi), bottom = Swift.min(log10(lo), top - 1)
        let n = norms.first?.count ?? 0
        let stride = Swift.max(1, (n + maxRows - 1) / maxRows)
        for l in 0..<norms.count {
            let factor = factorPerStep[l].isFinite ? String(format: "%.3f", factorPerStep[l]) : "?"
            let fall = stepsToThousandth[l].map { "falls by 10³ after \($0) steps" } ?? "does not fall by 10³ within the text"
            lines.append("layer \(l + 1): ‖∂cost_N/∂\(through.rawValue)_n‖ × \(factor) per step back; \(fall)")
            for i in Swift.stride(from: n - 1, through: 0, by: -stride) {
                let v = norms[l][i]
                let frac = v > 0 ? (log10(v) - bottom) / (top - bottom) : 0
                let bar = String(repeating: "█", count: Swift.max(0, Int((frac * Double(width)).rounded())))
                let label = text.flatMap { i < $0.count ? $0[i] : nil }.map { " " + $0.debugDescription } ?? ""
                lines.append(String(format: "  n=%4d %@ %.2e%@", i + 1, bar.padding(toLength: width, withPad: " ", startingAt: 0), v, label))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Per parameter: shape, ‖w‖, ‖∇w‖, ‖∇w‖/‖w‖ and max |∇w|, after the last step or backward.
public struct GradientTable: Sendable, CustomStringConvertible {
    public struct Row: Sendable {
        public var name: String
        public var shape: [Int]
        public var norm: Double
        public var gradNorm: Double
        public var maxAbsGrad: Double
        public var ratio: Double { norm > 0 ? gradNorm / norm : 0 }
    }

    public var rows: [Row]
    public var totalNorm: Double
    public var totalGradNorm: Double
    public var clip: Float?

    public init(_ parameters: NamedParameters, clip: Float? = nil) {
        rows = parameters.entries.map { e in
            let w = e.tensor.data, g = e.tensor.grad?.data ?? []
            return Row(name: e.name, shape: e.tensor.shape,
                       norm: Double(w.reduce(0) { $0 + $1 * $1 }).squareRoot(),
                       gradNorm: Double(g.reduce(0) { $0 + $1 * $1 }).squareRoot(),
                       maxAbsGrad: Double(g.map(Swift.abs).max() ?? 0))
        }
        totalNorm = rows.reduce(0) { $0 + $1.norm * $1.norm }.squareRoot()
        totalGradNorm = rows.reduce(0) { $0 + $1.gradNorm * $1.gradNorm }.squareRoot()
        self.clip = clip
    }

    public var description: String {
        let nameWidth = Swift.max(9, rows.map(\.name.count).max() ?? 0)
        var lines = ["parameter".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  shape        ‖w‖        ‖∇w‖       ‖∇w‖/‖w‖   max|∇|"]
        for r in rows {
            lines.append(r.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + shapeString(r.shape).padding(toLength: 11, withPad: " ", startingAt: 0)
                + String(format: "  %-9.4g  %-9.4g  %-9.4g  %-9.4g", r.norm, r.gradNorm, r.ratio, r.maxAbsGrad))
        }
        var total = String(format: "total: ‖θ‖ = %.4g, ‖∇θ‖ = %.4g", totalNorm, totalGradNorm)
        if let clip, clip > 0 { total += String(format: " (clip threshold %.4g%@)", clip, totalGradNorm > Double(clip) ? ", above it" : "") }
        lines.append(total)
        return lines.joined(separator: "\n")
    }
}

extension GradientFlow {
    /// Several flows over the same text side by side (one column per model and layer) on one shared log
    /// scale, so that a tanh RNN's vanishing gradient and an LSTM's kept one can be compared row by row.
    public static func sideBySide(_ flows: [GradientFlow], names: [String], width: Int = 100, maxRows: Int = 30,
                                  text: [String]? = nil) -> String {
        var columns: [(name: String, norms: [Double], factor: Double, fall: Int?)] = []
        for (k, flow) in flows.enumerated() {
            for l in 0..<flow.norms.count {
                let name = (k < names.count ? names[k] : "model \(k + 1)") + (flow.norms.count > 1 ? " L\(l + 1)" : "")
                columns.append((name, flow.norms[l], flow.factorPerStep[l], flow.stepsToThousandth[l]))
            }
        }
        let all = columns.flatMap(\.norms).filter { $0 > 0 && $0.isFinite }
        guard let hi = all.max(), let lo = all.min(), !columns.isEmpty else { return "(all gradients are zero)" }
        let top = log10(hi), bottom = Swift.min(log10(lo), top - 1)
        let n = columns.map(\.norms.count).min() ?? 0
        let colWidth = Swift.max(12, (width - 16) / columns.count)
        let barWidth = colWidth - 10
        var lines: [String] = []
        for c in columns {
            let factor = c.factor.isFinite ? String(format: "%.3f", c.factor) : "?"
            lines.append("\(c.name): × \(factor) per step back; " + (c.fall.map { "falls by 10³ after \($0) steps" } ?? "does not fall by 10³ within the text"))
        }
        let stride = Swift.max(1, (n + maxRows - 1) / Swift.max(1, maxRows))
        lines.append("        " + columns.map { String($0.name.prefix(colWidth - 1)).padding(toLength: colWidth, withPad: " ", startingAt: 0) }.joined())
        for i in Swift.stride(from: n - 1, through: 0, by: -stride) {
            var row = String(format: "  n=%4d ", i + 1)
            for c in columns {
                let v = c.norms[i]
                let frac = v > 0 ? (log10(v) - bottom) / (top - bottom) : 0
                let bar = String(repeating: "█", count: Swift.max(0, Int((frac * Double(barWidth)).rounded())))
                row += bar.padding(toLength: barWidth, withPad: " ", startingAt: 0) + String(format: " %-8.1e ", v)
            }
            if let text, i < text.count { row += text[i].debugDescription }
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }
}
