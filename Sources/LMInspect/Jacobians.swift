import CBLAS
import Foundation
import LMCore
import LMModels

/// The one-step Jacobians of the recurrence along a text, the factors of the lecture's product
/// ∂h_N/∂h_n = Π ∂h_k/∂h_{k−1}: for the tanh RNN diag(1 − h_n²)·V_h; for LSTMs the Jacobian of the whole
/// state (h_n, c_n) with respect to (h_{n−1}, c_{n−1}), because the gradient also flows through c, which is
/// what keeps it alive; for the GRU ∂h_n/∂h_{n−1}. Each is written out from the cell's equations (exact, not
/// autodiff) and checked against finite differences in `JacobianTests`.
public struct Jacobians: Sendable {
    /// Per layer, per step n (index 0 is the first step, from the zero state), the largest singular value.
    public var norms: [[Double]]
    /// "h" for cells whose state is h alone, "(h, c)" for LSTMs.
    public var stateName: String

    public static func measure(_ model: RecurrentModel, trace: StateTrace) throws -> Jacobians {
        var norms: [[Double]] = []
        for l in 0..<trace.layers.count {
            var row: [Double] = []
            for t in 0..<trace.steps {
                let (dim, j) = try matrix(model, trace: trace, layer: l, step: t)
                row.append(try largestSingularValue(j, rows: dim, cols: dim))
            }
            norms.append(row)
        }
        return Jacobians(norms: norms, stateName: trace.cell.hasCell ? "(h, c)" : "h")
    }

    /// The Jacobian at `step` of `layer`, row-major [dim·dim] with dim = H, or 2H for LSTMs (order h, c).
    static func matrix(_ model: RecurrentModel, trace: StateTrace, layer l: Int, step t: Int) throws -> (Int, [Double]) {
        let H = trace.hidden
        guard let whhT = model.parameters["rnn.weight_hh_l\(l)"] else { throw ModelError("jacobians: no rnn.weight_hh_l\(l)") }
        let whh = whhT.data
        func w(_ block: Int, _ j: Int, _ m: Int) -> Double { Double(whh[(block * H + j) * H + m]) }
        let L = trace.layers[l]
        func at(_ a: [Float], _ j: Int) -> Double { Double(a[t * H + j]) }
        func prev(_ a: [Float], _ j: Int) -> Double { t == 0 ? 0 : Double(a[(t - 1) * H + j]) }
        func gate(_ name: String) -> [Float] { L.gates[name] ?? [] }
        switch trace.cell {
        case .rnn:
            var J = [Double](repeating: 0, count: H * H)
            for j in 0..<H {
                let d = 1 - at(L.h, j) * at(L.h, j)
                for m in 0..<H { J[j * H + m] = d * w(0, j, m) }
            }
            return (H, J)
        case .gru:
            let r = gate("r"), z = gate("z"), n = gate("n")
            var J = [Double](repeating: 0, count: H * H)
            for j in 0..<H {
                let rj = at(r, j), zj = at(z, j), nj = at(n, j), hn = Double(L.gruHiddenN[t * H + j])
                let dn = 1 - nj * nj
                for m in 0..<H {
                    // n = tanh(x_n + r⊙(W_hn h + b_hn)); h = (1 − z)⊙n + z⊙h_prev.
                    let dnDh = dn * (rj * w(2, j, m) + hn * rj * (1 - rj) * w(0, j, m))
                    let dzDh = zj * (1 - zj) * w(1, j, m)
                    J[j * H + m] = (1 - zj) * dnDh + (prev(L.h, j) - nj) * dzDh + (j == m ? zj : 0)
                }
            }
            return (H, J)
        case .lstm, .coupledLSTM:
            let D = 2 * H
            var J = [Double](repeating: 0, count: D * D)
            for j in 0..<H {
                let c = at(L.c, j), tc = Foundation.tanh(c), cp = prev(L.c, j)
                var dcDh = [Double](repeating: 0, count: H), dcDc: Double, o: Double, oBlock: Int
                if trace.cell == .lstm {
                    let i = at(gate("i"), j), f = at(gate("f"), j), g = at(gate("g"), j)
                    o = at(gate("o"), j); oBlock = 3
                    for m in 0..<H {
                        dcDh[m] = cp * f * (1 - f) * w(1, j, m) + g * i * (1 - i) * w(0, j, m) + i * (1 - g * g) * w(2, j, m)
                    }
                    dcDc = f
                } else {
                    let f = at(gate("f"), j), g = at(gate("g"), j)
                    o = at(gate("o"), j); oBlock = 1
                    for m in 0..<H {
                        dcDh[m] = (cp - g) * f * (1 - f) * w(0, j, m) + (1 - f) * (1 - g * g) * w(2, j, m)
                    }
                    dcDc = f
                }
                let dhDc = o * (1 - tc * tc)
                for m in 0..<H {
                    J[j * D + m] = tc * o * (1 - o) * w(oBlock, j, m) + dhDc * dcDh[m]  // ∂h/∂h_prev
                    J[(H + j) * D + m] = dcDh[m]  // ∂c/∂h_prev
                }
                J[j * D + H + j] = dhDc * dcDc  // ∂h/∂c_prev (diagonal)
                J[(H + j) * D + H + j] = dcDc  // ∂c/∂c_prev = diag(f)
            }
            return (D, J)
        }
    }

    /// σ_max of a rows × cols matrix (LAPACK dgesdd, singular values only).
    static func largestSingularValue(_ a: [Double], rows: Int, cols: Int) throws -> Double {
        guard a.allSatisfy(\.isFinite) else { return .nan }
        // Column-major LAPACK sees the transpose, which has the same singular values.
        var m = Int32(cols), n = Int32(rows), lda = Int32(cols)
        var b = a
        var s = [Double](repeating: 0, count: Swift.min(rows, cols))
        var u = [Double](repeating: 0, count: 1), vt = u
        var ld1: Int32 = 1, info: Int32 = 0, lwork: Int32 = -1
        var query = [Double](repeating: 0, count: 1)
        var iwork = [Int32](repeating: 0, count: 8 * Swift.min(rows, cols))
        dgesdd_("N", &m, &n, &b, &lda, &s, &u, &ld1, &vt, &ld1, &query, &lwork, &iwork, &info, 1)
        lwork = Int32(query[0])
        var work = [Double](repeating: 0, count: Swift.max(Int(lwork), 1))
        dgesdd_("N", &m, &n, &b, &lda, &s, &u, &ld1, &vt, &ld1, &work, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw TensorError("jacobians: the singular value iteration did not converge (LAPACK info \(info))") }
        return s.max() ?? 0
    }
}
