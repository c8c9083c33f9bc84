import Foundation

/// Gate saturation as Karpathy et al. (2015) plot it: for every sigmoid gate of every layer, the fraction
/// of steps each unit spends left-saturated (< 0.1) or right-saturated (> 0.9). A forget gate that is
/// right-saturated most of the time is a cell that remembers; a left-saturated one forgets at once.
public struct Saturation: Sendable {
    public struct Gate: Sendable {
        public var layer: Int
        public var name: String
        /// Per unit, the fraction of steps below 0.1 and above 0.9.
        public var left: [Double]
        public var right: [Double]
        public var meanLeft: Double { left.isEmpty ? 0 : left.reduce(0, +) / Double(left.count) }
        public var meanRight: Double { right.isEmpty ? 0 : right.reduce(0, +) / Double(right.count) }
    }

    public var gates: [Gate]

    /// The sigmoid gates of a cell (tanh blocks such as g and n are not gates in this sense).
    public static func sigmoidGates(_ trace: StateTrace) -> [String] {
        trace.cell.definition.gates.filter { $0.activation == .sigmoid }.map(\.name)
    }

    public static func measure(_ trace: StateTrace, low: Float = 0.1, high: Float = 0.9) throws -> Saturation {
        let T = trace.steps, H = trace.hidden
        var gates: [Gate] = []
        for l in 0..<trace.layers.count {
            for name in sigmoidGates(trace) {
                let v = try trace.values(layer: l, kind: name)
                var left = [Double](repeating: 0, count: H), right = left
                for t in 0..<T {
                    for j in 0..<H {
                        let x = v[t * H + j]
                        if x < low { left[j] += 1 } else if x > high { right[j] += 1 }
                    }
                }
                gates.append(Gate(layer: l, name: name, left: left.map { $0 / Double(T) }, right: right.map { $0 / Double(T) }))
            }
        }
        return Saturation(gates: gates)
    }

    public var description: String {
        guard !gates.isEmpty else { return "(this cell has no gates: a tanh RNN, or a cell whose step names none)" }
        var lines = ["layer  gate  left-saturated (<0.1)  right-saturated (>0.9)"]
        for g in gates {
            lines.append(String(format: "%5d  %-4@  %21.1f%%  %22.1f%%", g.layer + 1, g.name, 100 * g.meanLeft, 100 * g.meanRight))
        }
        return lines.joined(separator: "\n")
    }
}
