import Foundation
import LMCore
import LMModels

/// The one-step Jacobians of the recurrence along a text, the factors of the lecture's product
/// ∂h_N/∂h_n = Π ∂h_k/∂h_{k−1} (for the tanh RNN diag(1 − h_n²)·V_h): for cells with a memory the Jacobian of
/// the whole state (h_n, c_n) with respect to (h_{n−1}, c_{n−1}), because the gradient also flows through c,
/// which is what keeps it alive.
///
/// Derived from the cell's definition by reverse-mode autodiff over one `step`, so it works for any cell: the
/// previous state is repeated as a batch of D rows (D = H, or H + M with a memory of width M) and row k is seeded with
/// the k-th unit vector of the output, so one backward pass gives every row of the D × D Jacobian.
/// `JacobianTests` checks it against finite differences and against the closed form of the tanh RNN.
public struct Jacobians: Sendable {
    /// Per layer, per step n (index 0 is the first step, from the zero state), the largest singular value.
    public var norms: [[Double]]
    /// "h" for cells whose state is h alone, "(h, c)" for cells with a memory.
    public var stateName: String
    /// Per layer, log10 of σ_max of the product of every one-step Jacobian along the text, ‖J_N·J_{N−1}⋯J_1‖:
    /// what the lecture's product does to a gradient travelling the whole text back. One factor's σ_max may
    /// exceed 1 while the product still decays: σ_max bounds one step, and the directions a factor stretches
    /// are not the ones the next factor keeps.
    public var productLog10: [Double]

    public static func measure(_ model: RecurrentModel, trace: StateTrace) throws -> Jacobians {
        var norms: [[Double]] = [], products: [Double] = []
        for l in 0..<trace.layers.count {
            var row: [Double] = []
            var product = RunningProduct()
            let weights = detachedWeights(model, layer: l)
            for t in 0..<trace.steps {
                let (dim, j) = try matrix(trace, layer: l, step: t, weights: weights, input: trace.input(model, layer: l, step: t))
                row.append(j.allSatisfy(\.isFinite) ? try LinearAlgebra.singularValues(j, rows: dim, cols: dim).first ?? 0 : .nan)
                product.multiply(byLeft: j, dim: dim)
            }
            norms.append(row)
            products.append(try product.log10Norm())
        }
        return Jacobians(norms: norms, stateName: trace.cell.hasCell ? "(h, c)" : "h", productLog10: products)
    }

    /// J_t⋯J_1, built step by step as each J_t arrives (left-multiplied, so no factor is kept), renormalised by
    /// its Frobenius norm after every product so that one that vanishes or explodes over a long text stays in
    /// range; the scale goes to a log. One SVD at the end gives σ_max.
    struct RunningProduct {
        var p: [Double] = [], dim = 0, scale = 0.0

        mutating func multiply(byLeft j: [Double], dim d: Int) {
            guard scale.isFinite else { return }
            p = p.isEmpty ? j : BLAS.dgemm(m: d, n: d, k: d, a: j, b: p)
            dim = d
            let f = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard f > 0, f.isFinite else { scale = f > 0 ? .infinity : -.infinity; return }
            scale += log10(f)
            for i in p.indices { p[i] /= f }
        }

        func log10Norm() throws -> Double {
            guard scale.isFinite, dim > 0 else { return scale }
            return scale + log10(try LinearAlgebra.singularValues(p, rows: dim, cols: dim).first ?? 0)
        }
    }

    /// The Jacobian at `step` of `layer`, row-major [dim·dim] with dim = H, or H + M with a memory (order h, c):
    /// entry (k, m) is ∂(state_n)_k / ∂(state_{n−1})_m.
    public static func matrix(_ model: RecurrentModel, trace: StateTrace, layer l: Int, step t: Int) throws -> (Int, [Double]) {
        try matrix(trace, layer: l, step: t, weights: detachedWeights(model, layer: l), input: trace.input(model, layer: l, step: t))
    }

    /// A layer's weights as the step reads them, through detached copies, so that only the state is a leaf
    /// that requires grad (made once per layer: the step's transposes are then made once, not at every step).
    static func detachedWeights(_ model: RecurrentModel, layer l: Int) -> CellWeights {
        let w = model.cellWeights(layer: l)
        return CellWeights(weightIH: w.weightIH.detached(), weightHH: w.weightHH.detached(), biasIH: w.biasIH.detached(),
                           biasHH: w.biasHH.detached(), extras: w.extras.mapValues { $0.detached() }, hidden: w.hidden,
                           oneHotInput: w.oneHotInput)
    }

    static func matrix(_ trace: StateTrace, layer l: Int, step t: Int, weights: CellWeights, input x: Tensor) throws -> (Int, [Double]) {
        let H = trace.hidden, M = trace.memoryWidth, memory = trace.cell.hasCell, D = memory ? H + M : H
        let L = trace.layers[l]
        func repeated(_ a: [Float], width w: Int) throws -> Tensor {
            var data = [Float](repeating: 0, count: D * w)
            if t > 0 { for k in 0..<D { data.replaceSubrange((k * w)..<((k + 1) * w), with: a[((t - 1) * w)..<(t * w)]) } }
            return try Tensor(shape: [D, w], data: data, requiresGrad: true)
        }
        let h = try repeated(L.h, width: H), c = memory ? try repeated(L.c, width: M) : Tensor(0)
        let out = try trace.cell.definition.step(x, CellState(h: h, c: c), weights)
        // Row k of the batch is seeded with the unit vector of output unit k (h's units, then c's): one backward
        // pass from sum(h_n ⊙ E_h) + sum(c_n ⊙ E_c) gives every row.
        func seed(_ offset: Int, width w: Int) throws -> Tensor {
            var e = [Float](repeating: 0, count: D * w)
            for j in 0..<w where offset + j < D { e[(offset + j) * w + j] = 1 }
            return try Tensor(shape: [D, w], data: e)
        }
        if memory, let cNew = out.c {
            let total = try out.h.mul(seed(0, width: H)).sum().add(cNew.mul(seed(H, width: M)).sum())
            if total.requiresGrad { try total.backward() }
        } else if out.h.requiresGrad {
            try out.h.backward(seed: try seed(0, width: H))
        }
        var J = [Double](repeating: 0, count: D * D)
        for k in 0..<D {
            for m in 0..<H { J[k * D + m] = Double(h.grad?.data[k * H + m] ?? 0) }
            if memory { for m in 0..<M { J[k * D + H + m] = Double(c.grad?.data[k * M + m] ?? 0) } }
        }
        return (D, J)
    }
}
