import Foundation
import LMCore
import LMModels

/// The one-step Jacobians of the recurrence along a text, the factors of the lecture's product
/// ∂h_N/∂h_n = Π ∂h_k/∂h_{k−1} (for the tanh RNN diag(1 − h_n²)·V_h): for cells with a memory the Jacobian of
/// the whole state (h_n, c_n) with respect to (h_{n−1}, c_{n−1}), because the gradient also flows through c,
/// which is what keeps it alive.
///
/// Derived from the cell's definition by reverse-mode autodiff over one `step`, so it works for any cell: the
/// previous state is repeated as a batch of D rows (D = H, or 2H with a memory) and row k is seeded with
/// the k-th unit vector of the output, so one backward pass gives every row of the D × D Jacobian.
/// `JacobianTests` checks it against finite differences and against the closed form of the tanh RNN.
public struct Jacobians: Sendable {
    /// Per layer, per step n (index 0 is the first step, from the zero state), the largest singular value.
    public var norms: [[Double]]
    /// "h" for cells whose state is h alone, "(h, c)" for cells with a memory.
    public var stateName: String
    /// Per layer, log10 of σ_max of the running product from the last step back: entry k is
    /// ‖J_N·J_{N−1}⋯J_{N−k}‖ (index 0 is the last step's factor alone), what the lecture's product does to a
    /// gradient travelling k + 1 steps back. One factor's σ_max may exceed 1 while the product still decays:
    /// σ_max bounds one step, and the directions a factor stretches are not the ones the next factor keeps.
    public var productLog10: [[Double]]

    public static func measure(_ model: RecurrentModel, trace: StateTrace) throws -> Jacobians {
        var norms: [[Double]] = [], products: [[Double]] = []
        for l in 0..<trace.layers.count {
            var row: [Double] = []
            var factors: [(Int, [Double])] = []
            for t in 0..<trace.steps {
                let (dim, j) = try matrix(model, trace: trace, layer: l, step: t)
                row.append(j.allSatisfy(\.isFinite) ? try LinearAlgebra.singularValues(j, rows: dim, cols: dim).first ?? 0 : .nan)
                factors.append((dim, j))
            }
            norms.append(row)
            products.append(try runningProduct(factors.reversed()))
        }
        return Jacobians(norms: norms, stateName: trace.cell.hasCell ? "(h, c)" : "h", productLog10: products)
    }

    /// log10 σ_max of P_k = F_0·F_1⋯F_k for the factors in the order given, renormalised at each step so that
    /// a product that vanishes (or explodes) over a long text stays in range.
    static func runningProduct(_ factors: some Sequence<(Int, [Double])>) throws -> [Double] {
        var p: [Double] = [], scale = 0.0, out: [Double] = []
        for (dim, f) in factors {
            guard f.allSatisfy(\.isFinite) else { out.append(.nan); continue }
            if p.isEmpty {
                p = f
            } else {
                var next = [Double](repeating: 0, count: dim * dim)
                for r in 0..<dim {
                    for k in 0..<dim where p[r * dim + k] != 0 {
                        let a = p[r * dim + k]
                        for c in 0..<dim { next[r * dim + c] += a * f[k * dim + c] }
                    }
                }
                p = next
            }
            let s = try LinearAlgebra.singularValues(p, rows: dim, cols: dim).first ?? 0
            guard s > 0, s.isFinite else { out.append(s > 0 ? .infinity : -.infinity); break }
            scale += log10(s)
            out.append(scale)
            p = p.map { $0 / s }
        }
        return out
    }

    /// The Jacobian at `step` of `layer`, row-major [dim·dim] with dim = H, or 2H with a memory (order h, c):
    /// entry (k, m) is ∂(state_n)_k / ∂(state_{n−1})_m.
    public static func matrix(_ model: RecurrentModel, trace: StateTrace, layer l: Int, step t: Int) throws -> (Int, [Double]) {
        let H = trace.hidden, memory = trace.cell.hasCell, D = memory ? 2 * H : H
        let L = trace.layers[l]
        func previous(_ a: [Float]) -> [Float] { t == 0 ? [Float](repeating: 0, count: H) : Array(a[((t - 1) * H)..<(t * H)]) }
        func repeated(_ v: [Float]) throws -> Tensor {
            try Tensor(shape: [D, H], data: Array((0..<D).map { _ in v }.joined()), requiresGrad: true)
        }
        let h = try repeated(previous(L.h)), c = memory ? try repeated(previous(L.c)) : Tensor(0)
        let w = model.cellWeights(layer: l), x = try trace.input(model, layer: l, step: t)
        // Only the state is a leaf that requires grad: the weights are read through detached copies.
        let weights = CellWeights(weightIH: w.weightIH.detached(), weightHH: w.weightHH.detached(), biasIH: w.biasIH.detached(),
                                  biasHH: w.biasHH.detached(), extras: w.extras.mapValues { $0.detached() }, hidden: H,
                                  oneHotInput: w.oneHotInput)
        let out = try trace.cell.definition.step(x, CellState(h: h, c: c), weights)
        // Row k of the batch is seeded with the unit vector of output unit k (h's units, then c's).
        func seed(_ offset: Int) throws -> Tensor {
            var e = [Float](repeating: 0, count: D * H)
            for j in 0..<H where offset + j < D { e[(offset + j) * H + j] = 1 }
            return try Tensor(shape: [D, H], data: e)
        }
        if out.h.requiresGrad { try out.h.backward(seed: try seed(0)) }
        if memory, let cNew = out.c, cNew.requiresGrad { try cNew.backward(seed: try seed(H)) }
        var J = [Double](repeating: 0, count: D * D)
        for k in 0..<D {
            for m in 0..<H {
                J[k * D + m] = Double(h.grad?.data[k * H + m] ?? 0)
                if memory { J[k * D + H + m] = Double(c.grad?.data[k * H + m] ?? 0) }
            }
        }
        return (D, J)
    }
}
