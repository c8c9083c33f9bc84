import Foundation
import Testing
@testable import LMCore

/// The transformer's ops (layer norm, linear, GELU, the causal softmax and scaled dot-product attention):
/// gradients against central finite differences, values against the definitions they fuse.
@Suite("Attention ops")
struct AttentionOpsTests {
    func randn(_ shape: [Int], _ seed: UInt64) throws -> Tensor { try Tensor.randn(shape, seed: seed) }

    func check(_ inputs: [Tensor], _ f: ([Tensor]) throws -> Tensor) throws {
        let r = try Tensor.gradcheck(inputs, tolerance: 1e-2, f)
        #expect(r.passed, "\(r)")
        #expect(r.checked == inputs.map(\.count).reduce(0, +))
    }

    func close(_ a: Tensor, _ b: Tensor, _ tol: Float = 1e-5) -> Bool {
        a.shape == b.shape && zip(a.data, b.data).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($1)) }
    }

    @Test func layerNormMatchesItsDefinition() throws {
        let x = try randn([3, 5], 1), w = try randn([5], 2), b = try randn([5], 3)
        let y = try x.layerNorm(weight: w, bias: b)
        // (x − mean) / √(var + 1e-5) · w + b with the biased variance, composed from plain ops.
        let mu = try x.mean(axes: [-1], keepdims: true)
        let d = try x.sub(mu)
        let v = try d.square().mean(axes: [-1], keepdims: true)
        let ref = try d.div(v.shifted(by: 1e-5).sqrt()).mul(w).add(b)
        #expect(close(y, ref))
    }

    @Test func layerNormGradients() throws {
        try check([try randn([3, 6], 4), try randn([6], 5), try randn([6], 6)]) { try $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        try check([try randn([2, 2, 4], 7), try randn([4], 8)]) { try $0[0].layerNorm(weight: $0[1], bias: nil) }
    }

    @Test func layerNormRejectsMismatchedWeights() throws {
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 4]).layerNorm(weight: Tensor.ones([3]), bias: nil) }
    }

    @Test func linearMatchesMatmulAndHasItsGradients() throws {
        let x = try randn([2, 3, 4], 9), w = try randn([5, 4], 10), b = try randn([5], 11)
        #expect(close(try x.linear(weight: w, bias: b), try x.matmul(w.T).add(b)))
        try check([x, w, b]) { try $0[0].linear(weight: $0[1], bias: $0[2]) }
        try check([x, w]) { try $0[0].linear(weight: $0[1]) }
        #expect(throws: TensorError.self) { try x.linear(weight: Tensor.ones([5, 3])) }
    }

    @Test func geluIsPyTorchsExactGELU() throws {
        // torch.nn.GELU()(torch.tensor([-1., 0., 1., 2.])) = [-0.158655, 0, 0.841345, 1.954500]
        let y = Tensor([-1, 0, 1, 2]).gelu()
        #expect(close(y, Tensor([-0.158655, 0, 0.841345, 1.954500]), 1e-5))
        try check([try randn([4, 3], 12)]) { $0[0].gelu() }
        // The vectorised erf against libm's erff over [-8, 8], values and derivatives, tails included.
        let xs = (0..<1601).map { Float($0 - 800) / 100 }
        let p = Tensor(xs).asParameter()
        let g = p.gelu()
        try g.sum().backward()
        for (i, x) in xs.enumerated() {
            let phi = 0.5 * (1 + erff(x / Float(2).squareRoot()))
            #expect(Swift.abs(g.data[i] - x * phi) <= 1e-6 * Swift.max(1, Swift.abs(x)), "gelu(\(x))")
            let d = phi + x * Foundation.exp(-x * x / 2) / (2 * Float.pi).squareRoot()
            #expect(Swift.abs((p.grad?.data[i] ?? .nan) - d) <= 1e-6 * Swift.max(1, Swift.abs(x)), "gelu'(\(x))")
        }
    }

    @Test func causalSoftmaxIsSoftmaxPlusTheMask() throws {
        let x = try randn([2, 4, 4], 13)
        let ref = try x.add(Tensor.causalMask(4)).softmax(axis: -1)
        #expect(close(try x.causalSoftmax(), ref))
        #expect(try Tensor.causalMask(3).data == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
        try check([x]) { try $0[0].causalSoftmax() }
        // Queries the last 2 of 4 positions: row 0 sees 3 keys, row 1 all 4.
        let y = try randn([2, 4], 14).causalSoftmax()
        #expect(y.data[3] == 0 && y.data[4..<8].allSatisfy { $0 > 0 })
    }

    @Test func attentionGradientsAndCausality() throws {
        let q = try randn([2, 4, 3], 15), k = try randn([2, 4, 3], 16), v = try randn([2, 4, 2], 17)
        try check([q, k, v]) { try Tensor.scaledDotAttention($0[0], $0[1], $0[2]) }
        try check([q, k, v]) { try Tensor.scaledDotAttention($0[0], $0[1], $0[2], causal: false) }
        // Changing the future (position 3 of v and k) leaves the outputs of positions 0...2 unchanged.
        let y = try Tensor.scaledDotAttention(q, k, v)
        let v2 = try Tensor(shape: v.shape, data: v.data), k2 = try Tensor(shape: k.shape, data: k.data)
        for h in 0..<2 { for j in 0..<2 { v2.data[h * 8 + 6 + j] += 5 }; for j in 0..<3 { k2.data[h * 12 + 9 + j] -= 3 } }
        let y2 = try Tensor.scaledDotAttention(q, k2, v2)
        for h in 0..<2 {
            #expect(Array(y.data[(h * 8)..<(h * 8 + 6)]) == Array(y2.data[(h * 8)..<(h * 8 + 6)]))
            #expect(y.data[h * 8 + 6] != y2.data[h * 8 + 6])
        }
        // Without the mask, softmax(q·kᵀ/√d)·v by hand.
        let ref = try q.matmul(k.transpose(-2, -1)).scaled(by: 1 / Float(3).squareRoot()).softmax(axis: -1).matmul(v)
        #expect(close(try Tensor.scaledDotAttention(q, k, v, causal: false), ref))
    }
}
