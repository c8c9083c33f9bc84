import Foundation
import LMCore
import LMModels

/// The RNN questions asked of a transformer: how the last position's cost depends on every earlier input
/// (`gradflow`), and where each head looks (`attention`).
extension GradientFlow {
    /// ‖∂cost_N/∂x_n‖ for the input embeddings x_n = wte[token_n] + wpe[n] of a text of N + 1 ids (N ≤ the
    /// context): cost_N scores only the prediction of ids[N], as the recurrent measure does. Attention gives
    /// every x_n a direct path to the last position, so the norms do not fall with distance as an RNN's do.
    public static func measure(_ model: TransformerModel, ids: [Int]) throws -> GradientFlow {
        guard ids.count >= 3 else { throw ModelError("gradflow: the text needs at least 3 symbols") }
        let inputs = ids.dropLast().map(Int32.init)
        guard inputs.count <= model.config.context else {
            throw ModelError("gradflow: the text has \(inputs.count + 1) symbols; this transformer reads at most \(model.config.context + 1) (its context + 1)")
        }
        let trace = TransformerModel.Trace()
        let logits = try model.logits(ids: inputs, batch: 1, trace: trace)
        let n = inputs.count, V = model.config.vocabSize
        let last = try logits.reshape([n, V]).slice([.at(n - 1), .all])
        try last.crossEntropy(targets: Tensor([Float(ids[n])])).backward()
        model.parameters.zeroGrads()  // only the inputs' gradients are wanted
        let C = model.config.dim
        let g = trace.input?.grad?.data ?? []
        let norms = (0..<n).map { i -> Double in
            guard g.count == n * C else { return 0 }
            return Double(g[(i * C)..<((i + 1) * C)].reduce(0) { $0 + $1 * $1 }).squareRoot()
        }
        return fitted([norms], through: .input)
    }
}

/// One head's attention weights over a text: row i is where position i looks (a distribution over j ≤ i).
public struct AttentionMap: Sendable {
    public var layer: Int
    public var head: Int
    /// [T, T], row-major.
    public var weights: [Double]
    public var size: Int

    /// The weights of `head` in `layer` (both from 1) over `ids` (at most the context).
    public static func measure(_ model: TransformerModel, ids: [Int], layer: Int, head: Int) throws -> AttentionMap {
        let c = model.config
        guard (1...c.layers).contains(layer) else { throw ModelError("attention: layer \(layer) is outside 1...\(c.layers)") }
        guard (1...c.heads).contains(head) else { throw ModelError("attention: head \(head) is outside 1...\(c.heads)") }
        guard !ids.isEmpty else { throw ModelError("attention: the text is empty") }
        guard ids.count <= c.context else { throw ModelError("attention: the text has \(ids.count) symbols; the context is \(c.context)") }
        let trace = TransformerModel.Trace()
        _ = try Tensor.withoutGrad { try model.logits(ids: ids.map(Int32.init), batch: 1, trace: trace) }
        let T = ids.count
        let att = trace.attention[layer - 1].data  // [1, heads, T, T]
        let base = (head - 1) * T * T
        return AttentionMap(layer: layer, head: head, weights: att[base..<(base + T * T)].map(Double.init), size: T)
    }

    /// Rows are the positions that look (with their character), columns the positions looked at; each cell
    /// a shade of its weight over the row's largest (colour, or a digit 0–9 without; '·' for the masked future).
    public func chart(text: [String], mode: ColorMode) -> String {
        let ansi = ANSI(mode), T = size
        func g(_ i: Int) -> String { i < text.count ? text[i].unicodeScalars.first.map(TerminalPictures.glyph) ?? "?" : " " }
        var lines = ["layer \(layer), head \(head): row i is where position i looks (weights over j ≤ i)"
                     + (mode == .none ? "; digits are each weight over its row's largest, 0–9, · the masked future" : "")]
        lines.append("     " + (0..<T).map(g).joined())
        for i in 0..<T {
            var row = String(format: "%3d ", i + 1) + g(i)
            // Shades relative to the row's largest weight: a long row's weights are all small, its pattern is not.
            let top = (0...i).max { weights[i * T + $0] < weights[i * T + $1] } ?? i
            let scale = Swift.max(weights[i * T + top], 1e-12)
            for j in 0..<T {
                let w = weights[i * T + j] / scale
                if j > i { row += mode == .none ? "·" : ansi.resetCode + " "; continue }
                row += mode == .none ? String(Swift.min(9, Swift.max(0, Int((w * 9).rounded())))) : ansi.background(RGB.sequential(w)) + " "
            }
            lines.append(row + ansi.resetCode + String(format: "  max %.2f at %d %@", weights[i * T + top], top + 1, g(top).debugDescription))
        }
        return lines.joined(separator: "\n")
    }
}
