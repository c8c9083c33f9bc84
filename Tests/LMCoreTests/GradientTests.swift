import Testing
@testable import LMCore

/// Every differentiable op against central finite differences.
@Suite("Gradients match finite differences")
struct GradientTests {
    func randn(_ shape: [Int], _ seed: UInt64) throws -> Tensor { try Tensor.randn(shape, seed: seed) }
    func rng(_ seed: UInt64) -> RandomSource { RandomSource(seed: seed) }

    func check(_ inputs: [Tensor], tolerance: Float = 1e-2, _ f: ([Tensor]) throws -> Tensor) throws {
        let r = try Tensor.gradcheck(inputs, tolerance: tolerance, f)
        #expect(r.passed, "\(r)")
        #expect(r.checked == inputs.map(\.count).reduce(0, +))
    }

    @Test("unary functions", arguments: ["neg", "exp", "tanh", "sigmoid", "square", "abs", "relu"])
    func unary(_ name: String) throws {
        // Keep |x| away from 0 so abs and relu are differentiable at every sample.
        let x = try randn([3, 4], 11)
        for i in 0..<x.count where Swift.abs(x.data[i]) < 0.1 { x.data[i] += 0.3 }
        try check([x]) { xs in
            switch name {
            case "neg": return xs[0].neg()
            case "exp": return xs[0].exp()
            case "tanh": return xs[0].tanh()
            case "sigmoid": return xs[0].sigmoid()
            case "square": return xs[0].square()
            case "abs": return xs[0].abs()
            default: return xs[0].relu()
            }
        }
    }

    @Test func logAndSqrtOnPositives() throws {
        var g = rng(3)
        let x = try Tensor.rand([5], low: 0.5, high: 2, rng: &g)
        try check([x]) { $0[0].log() }
        try check([x]) { $0[0].sqrt() }
        try check([x]) { $0[0].pow(1.7) }
    }

    @Test func clampPassesGradientInsideOnly() throws {
        let x = Tensor([-2, -0.5, 0.25, 0.75, 3])
        let p = x.asParameter()
        try p.clamp(min: -1, max: 1).sum().backward()
        #expect(p.grad?.data == [0, 1, 1, 1, 0])
        try check([x]) { $0[0].clamp(min: -1, max: 1) }
    }

    @Test("binary ops with broadcasting", arguments: [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([], [2, 3]),
    ] as [([Int], [Int])])
    func binary(_ shapes: ([Int], [Int])) throws {
        let a = try randn(shapes.0, 1), b = try randn(shapes.1, 2)
        try check([a, b]) { try $0[0].add($0[1]) }
        try check([a, b]) { try $0[0].sub($0[1]) }
        try check([a, b]) { try $0[0].mul($0[1]) }
        try check([a, b]) { try $0[0].maximum($0[1]) }
        try check([a, b]) { try $0[0].minimum($0[1]) }
        var g = rng(5)
        let d = try Tensor.rand(shapes.1, low: 0.5, high: 2, rng: &g)
        try check([a, d]) { try $0[0].div($0[1]) }
        let base = try Tensor.rand(shapes.0, low: 0.5, high: 2, rng: &g)
        try check([base, b]) { try $0[0].pow($0[1]) }
    }

    @Test func broadcastBiasGradientSumsOverBatch() throws {
        let x = try randn([5, 3], 1), bias = Tensor([1, 2, 3]).asParameter()
        try x.add(bias).sum().backward()
        #expect(bias.grad?.shape == [3])
        #expect(bias.grad?.data == [5, 5, 5])
    }

    @Test func fanOutAccumulates() throws {
        // y = x·x + x: dy/dx = 2x + 1, reached along three paths.
        let x = Tensor([1.5, -2]).asParameter()
        try x.mul(x).add(x).sum().backward()
        #expect(x.grad?.data == [4, -3])
        try check([try randn([4], 9)]) { xs in try xs[0].tanh().mul(xs[0]).add(xs[0].exp()) }
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() throws {
        let x = Tensor([2]).asParameter()
        try x.square().sum().backward()
        try x.square().sum().backward()
        #expect(x.grad?.data == [8])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func whereRoutesGradientToPickedSide() throws {
        let c = Tensor([1, 0, 1, 0])
        let a = try randn([4], 1), b = try randn([4], 2)
        try check([a, b]) { try Tensor.where(c, $0[0], $0[1]) }
        let pa = a.asParameter(), pb = b.asParameter()
        try Tensor.where(c, pa, pb).sum().backward()
        #expect(pa.grad?.data == [1, 0, 1, 0])
        #expect(pb.grad?.data == [0, 1, 0, 1])
    }

    @Test("matmul", arguments: [
        ([3, 4], [4, 2]), ([1, 5], [5, 1]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]),
        ([4], [4, 3]), ([3, 4], [4]),
    ] as [([Int], [Int])])
    func matmul(_ shapes: ([Int], [Int])) throws {
        try check([try randn(shapes.0, 1), try randn(shapes.1, 2)]) { try $0[0].matmul($0[1]) }
    }

    @Test func shapeOps() throws {
        let x = try randn([2, 3, 4], 4)
        try check([x]) { try $0[0].reshape([4, -1]) }
        try check([x]) { try $0[0].permute([2, 0, 1]) }
        try check([x]) { try $0[0].transpose(0, 2) }
        try check([x]) { $0[0].T }
        try check([x]) { try $0[0].unsqueezing(axis: 1).squeezing(axis: 1) }
    }

    @Test func slicingAndIndexing() throws {
        let x = try randn([4, 5, 3], 6)
        try check([x]) { try $0[0].slice([.at(1)]) }
        try check([x]) { try $0[0].slice([.range(1, 3), .all, .at(-1)]) }
        try check([x]) { try $0[0].slice([.range(nil, nil, step: 2), .range(-3, nil)]) }
        // A position read twice gets both gradients.
        try check([x]) { xs in try xs[0].slice([.at(0)]).add(xs[0].slice([.range(0, 1)]).squeezing(axis: 0)) }
    }

    @Test func gatherRowsIsAnEmbeddingLookup() throws {
        let w = try randn([5, 3], 8)
        let idx = try Tensor([[0, 2], [2, 4]])
        try check([w]) { try $0[0].gatherRows(idx) }
        let p = w.asParameter()
        try p.gatherRows(idx).sum().backward()
        // Row 2 is used twice, rows 1 and 3 never.
        #expect(p.grad?.data == [1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1])
    }

    @Test func joining() throws {
        let a = try randn([2, 3], 1), b = try randn([2, 2], 2), c = try randn([2, 3], 3)
        try check([a, b]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        try check([a, c]) { try Tensor.concat([$0[0], $0[1]], axis: 0) }
        try check([a, c]) { try Tensor.stack([$0[0], $0[1]], axis: 1) }
        try check([a]) { xs in
            let parts = try xs[0].split([1, 2], axis: 1)
            return try parts[0].mul(parts[1].sum(axes: [1], keepdims: true))
        }
    }

    @Test("reductions over each axis", arguments: [nil, [0], [1], [2], [0, 2], [-1]] as [[Int]?])
    func reductions(_ axes: [Int]?) throws {
        let x = try randn([2, 3, 4], 12)
        // max and min have kinks where two elements tie: give them values 0.1 apart, shuffled.
        var g = rng(12)
        let separated = try Tensor(shape: [2, 3, 4], data: (0..<24).map { Float($0) * 0.1 }.shuffled(using: &g))
        for keep in [false, true] {
            try check([x]) { try $0[0].sum(axes: axes, keepdims: keep) }
            try check([x]) { try $0[0].mean(axes: axes, keepdims: keep) }
            try check([separated]) { try $0[0].max(axes: axes, keepdims: keep) }
            try check([separated]) { try $0[0].min(axes: axes, keepdims: keep) }
            try check([x]) { try $0[0].norm(axes: axes, keepdims: keep) }
        }
    }

    @Test("softmax and log-softmax along each axis", arguments: [0, 1, -1])
    func softmax(_ axis: Int) throws {
        let x = try randn([3, 4], 13)
        try check([x]) { try $0[0].softmax(axis: axis) }
        try check([x]) { try $0[0].logSoftmax(axis: axis) }
    }

    @Test func crossEntropy() throws {
        let logits = try randn([5, 7], 14)
        let targets = Tensor([0, 6, 3, 3, 1])
        try check([logits]) { try $0[0].crossEntropy(targets: targets) }
        // Fused op equals the composition −mean(log_softmax picked at the targets).
        let fused = try logits.crossEntropy(targets: targets).item()
        let ls = try logits.logSoftmax(axis: 1)
        var manual: Float = 0
        for (r, t) in targets.data.enumerated() { manual -= try ls.value(at: [r, Int(t)]) }
        #expect(Swift.abs(fused - manual / 5) < 1e-5)
    }

    @Test func mlpComposite() throws {
        let x = try randn([4, 3], 20), w1 = try randn([3, 5], 21), b1 = try randn([5], 22), w2 = try randn([5, 2], 23)
        let t = Tensor([0, 1, 1, 0])
        try check([w1, b1, w2]) { p in try x.matmul(p[0]).add(p[1]).tanh().matmul(p[2]).crossEntropy(targets: t) }
    }

    @Test func unrolledRNNComposite() throws {
        let x = try randn([4, 3], 20)

        let wx = try randn([3, 4], 30).scaled(by: 0.5), wh = try randn([4, 4], 31).scaled(by: 0.5)
        try check([wx, wh]) { p in
            var h = try Tensor.zeros([1, 4])
            for step in 0..<3 {
                let xt = try x.slice([.range(step, step + 1)])
                h = try xt.matmul(p[0]).add(h.matmul(p[1])).tanh()
            }
            return h
        }
    }
}

@Suite struct PowerOfNegativeBase {
    @Test func integralPowersOfNegativeNumbersAreReal() throws {
        let x = Tensor([-2, -0.5, 3])
        #expect(x.pow(2).data == [4, 0.25, 9])
        #expect(try x.pow(Tensor([3, 2, 1])).data == [-8, 0.25, 3])
        let r = try Tensor.gradcheck([Tensor([-1.5, -0.7, 0.8])]) { $0[0].pow(3) }
        #expect(r.passed, "\(r)")
    }
}
