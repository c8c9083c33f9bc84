/// How a tensor prints: PyTorch-like, four significant decimals, long axes elided with `…`.
extension Tensor: CustomStringConvertible {
    public var description: String {
        var s = "tensor(" + render(prefixAxes: [], indent: 7)
        if requiresGrad { s += ", grad_fn=\(opName)" }
        s += ", shape=\(shapeString(shape)))"
        return s
    }

    static func format(_ v: Float) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == v.rounded() && Swift.abs(v) < 1e7 { return String(Int(v)) + "." }
        let a = Swift.abs(v)
        if a >= 1e5 || a < 1e-4 { return String(format: "%.4e", v) }
        return String(format: "%.4f", v)
    }

    private func render(prefixAxes: [Int], indent: Int) -> String {
        let axis = prefixAxes.count
        if axis == rank {
            var offset = 0
            let st = strides
            for (a, i) in prefixAxes.enumerated() { offset += i * st[a] }
            return Tensor.format(data[offset])
        }
        let n = shape[axis]
        let edge = 3
        var items: [String] = []
        let indices: [Int?] = n > 2 * edge + 1 ? Array(0..<edge) + [nil] + Array((n - edge)..<n) : Array(0..<n)
        for i in indices {
            if let i {
                items.append(render(prefixAxes: prefixAxes + [i], indent: indent + 1))
            } else {
                items.append("…")
            }
        }
        let sep = axis == rank - 1 ? ", " : ",\n" + String(repeating: " ", count: indent + 1)
        return "[" + items.joined(separator: sep) + "]"
    }
}

import Foundation
