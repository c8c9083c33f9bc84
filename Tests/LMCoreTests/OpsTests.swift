import Testing
@testable import LMCore

/// Forward values of the ops, checked against small results worked out by hand.
@Suite("Forward values of the ops")
struct OpsTests {
    func close(_ a: [Float], _ b: [Float], tol: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($1)) }
    }

    /// [[0,1,2,3],[4,5,6,7],[8,9,10,11]], [[12,…]] : x[i,j,k] = 12i + 4j + k.
    func cube() throws -> Tensor { try Tensor.arange(0, 24).reshape([2, 3, 4]) }

    // MARK: Creation

    @Test func creation() throws {
        let e = try Tensor.eye(3)
        #expect(e.shape == [3, 3] && e.data == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let r = try Tensor.eye(2, 3)
        #expect(r.shape == [2, 3] && r.data == [1, 0, 0, 0, 1, 0])
        #expect(try Tensor.eye(3, 2).data == [1, 0, 0, 1, 0, 0])
        #expect(try Tensor.eye(0).shape == [0, 0])

        #expect(try Tensor.arange(0, 5).data == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(1, 2, step: 0.25).data == [1, 1.25, 1.5, 1.75])
        #expect(try Tensor.arange(5, 0, step: -2).data == [5, 3, 1])
        #expect(try Tensor.arange(0, 1, step: 0.3).count == 4)  // 0, .3, .6, .9
        #expect(try Tensor.arange(3, 3).shape == [0])
        #expect(try Tensor.arange(3, 0).shape == [0])

        let f = try Tensor.full([2, 3], 7.5)
        #expect(f.shape == [2, 3] && f.data == [Float](repeating: 7.5, count: 6))
        #expect(try Tensor.zeros([2, 0]).count == 0)
        #expect(try Tensor.ones([]).shape == [] && Tensor.ones([]).data == [1])
        #expect(try Tensor.zeros([2], requiresGrad: true).requiresGrad)

        let lit = try Tensor(nested: .list([
            .list([.list([.scalar(1), .scalar(2), .scalar(3)]), .list([.scalar(4), .scalar(5), .scalar(6)])]),
            .list([.list([.scalar(7), .scalar(8), .scalar(9)]), .list([.scalar(10), .scalar(11), .scalar(12)])]),
        ]))
        #expect(lit.shape == [2, 2, 3])
        #expect(lit.data == (1...12).map(Float.init))
        #expect(try lit.value(at: [1, 0, 2]) == 9)
        #expect(try lit.value(at: [-1, -1, -1]) == 12)
        #expect(try Tensor([[1, 2], [3, 4]]).shape == [2, 2])
        #expect(try Tensor(nested: .list([])).shape == [0])
        #expect(try Tensor(nested: .scalar(2)).shape == [])
        #expect(Tensor(2.5).shape == [] && Tensor(2.5).rank == 0)
        #expect(Tensor([1, 2, 3]).strides == [1])
        #expect(try cube().strides == [12, 4, 1])
    }

    // MARK: Random numbers

    @Test func sameSeedSameNumbers() throws {
        let a = try Tensor.randn([100], seed: 7), b = try Tensor.randn([100], seed: 7)
        #expect(a.data == b.data)
        #expect(try Tensor.rand([50], seed: 3).data == Tensor.rand([50], seed: 3).data)
        var g1 = RandomSource(seed: 11), g2 = RandomSource(seed: 11)
        #expect((0..<10).map { _ in g1.next() } == (0..<10).map { _ in g2.next() })
        // A saved state resumes the same stream.
        var g = RandomSource(seed: 5)
        _ = g.next()
        var resumed = try RandomSource(state: g.stateWords)
        #expect(g == resumed)
        #expect(try Tensor.randn([20], rng: &g).data == Tensor.randn([20], rng: &resumed).data)
    }

    @Test func differentSeedsDiffer() throws {
        let a = try Tensor.randn([100], seed: 1), b = try Tensor.randn([100], seed: 2)
        #expect(a.data != b.data)
        #expect(zip(a.data, b.data).filter { $0 == $1 }.count < 3)
        // Consecutive draws from one generator differ too.
        var g = RandomSource(seed: 1)
        let first = try Tensor.rand([10], rng: &g), second = try Tensor.rand([10], rng: &g)
        #expect(first.data != second.data)
    }

    /// xoshiro256** seeded by SplitMix64, as in the reference C code (values from a Python port).
    @Test func generatorMatchesTheReferenceAlgorithm() {
        var g0 = RandomSource(seed: 0)
        #expect([g0.next(), g0.next(), g0.next()] == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0])
        var g42 = RandomSource(seed: 42)
        #expect([g42.next(), g42.next(), g42.next()] == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1])
        var f = RandomSource(seed: 42)
        #expect(f.nextFloat() == 0.08386296033859253)
        #expect(f.nextFloat() == 0.37898021936416626)
    }

    @Test func randnIsStandardNormal() throws {
        let n = 100_000
        let x = try Tensor.randn([n], seed: 2024)
        let mean = x.data.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = x.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n - 1)
        // Standard errors: 0.0032 for the mean, 0.0022 for the std; allow about 5 of them.
        #expect(Swift.abs(mean) < 0.016)
        #expect(Swift.abs(variance.squareRoot() - 1) < 0.012)
        #expect(x.data.allSatisfy { $0.isFinite })
        // About 68.3% within one std, 95.4% within two.
        let within1 = Double(x.data.filter { Swift.abs($0) < 1 }.count) / Double(n)
        let within2 = Double(x.data.filter { Swift.abs($0) < 2 }.count) / Double(n)
        #expect(Swift.abs(within1 - 0.6827) < 0.01)
        #expect(Swift.abs(within2 - 0.9545) < 0.005)
        // Shifted and scaled.
        var g = RandomSource(seed: 9)
        let y = try Tensor.randn([n], mean: 3, std: 0.5, rng: &g)
        #expect(Swift.abs(try y.mean().item() - 3) < 0.01)
    }

    @Test func randIsUniformInUnitInterval() throws {
        let n = 100_000
        let x = try Tensor.rand([n], seed: 77)
        #expect(x.data.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Swift.abs(try x.mean().item() - 0.5) < 0.005)
        // Each tenth of [0,1) gets about a tenth of the draws.
        var bins = [Int](repeating: 0, count: 10)
        for v in x.data { bins[Int(v * 10)] += 1 }
        #expect(bins.allSatisfy { Swift.abs($0 - n / 10) < 500 })
        var g = RandomSource(seed: 4)
        let y = try Tensor.rand([1000], low: -2, high: 3, rng: &g)
        #expect(y.data.allSatisfy { $0 >= -2 && $0 < 3 })
        var h = RandomSource(seed: 4)
        let ints = (0..<1000).map { _ in h.nextInt(below: 7) }
        #expect(ints.allSatisfy { (0..<7).contains($0) } && Set(ints).count == 7)
    }

    // MARK: Elementwise

    @Test func broadcastingResults() throws {
        let col = try Tensor([[1], [2]]), row = Tensor([10, 20, 30])
        let s = try col + row
        #expect(s.shape == [2, 3] && s.data == [11, 21, 31, 12, 22, 32])
        let d = try row - col
        #expect(d.data == [9, 19, 29, 8, 18, 28])
        let q = try row / col
        #expect(q.data == [10, 20, 30, 5, 10, 15])
        let sc = try Tensor(2) * (try Tensor([[1, 2], [3, 4]]))
        #expect(sc.shape == [2, 2] && sc.data == [2, 4, 6, 8])
        let a = try Tensor.arange(0, 6).reshape([2, 3, 1]), b = try Tensor.arange(0, 4).reshape([1, 4])
        let p = try a * b
        #expect(p.shape == [2, 3, 4])
        #expect(try p.value(at: [1, 2, 3]) == 15 && p.value(at: [0, 1, 2]) == 2)
        #expect(try Tensor([[1, 5], [7, 2]]).maximum(Tensor([3, 3])).data == [3, 5, 7, 3])
        #expect(try Tensor([[1, 5], [7, 2]]).minimum(Tensor([3, 3])).data == [1, 3, 3, 2])
        #expect(try Tensor([2, 3]).pow(Tensor([[2], [0.5]])).data[0...1] == [4, 9])
        // Scalar-constant operators.
        #expect((Tensor([1, 2]) + 1).data == [2, 3])
        #expect((Tensor([1, 2]) - 1).data == [0, 1])
        #expect((Tensor([1, 2]) * 3).data == [3, 6])
        #expect((3 * Tensor([1, 2])).data == [3, 6])
        #expect((Tensor([1, 2]) / 2).data == [0.5, 1])
        #expect((-Tensor([1, -2])).data == [-1, 2])
    }

    @Test func unaryValues() throws {
        let x = Tensor([-2, -0.5, 0, 0.5, 2])
        #expect(x.relu().data == [0, 0, 0, 0.5, 2])
        #expect(x.abs().data == [2, 0.5, 0, 0.5, 2])
        #expect(x.square().data == [4, 0.25, 0, 0.25, 4])
        #expect(x.sigmoid().data[2] == 0.5)
        #expect(close(x.tanh().data, [-0.9640276, -0.4621172, 0, 0.4621172, 0.9640276]))
        #expect(close(x.exp().data, [0.1353353, 0.6065307, 1, 1.6487213, 7.3890561]))
        #expect(close(Tensor([1, 4, 9]).sqrt().data, [1, 2, 3]))
        #expect(close(Tensor([1, 2.718281828]).log().data, [0, 1]))
        #expect(close(Tensor([2, 3]).pow(3).data, [8, 27]))
        // Sigmoid does not overflow either way (the vectorised exp stands exp(−87) ≈ 1.6e−38 for anything smaller,
        // so σ(−100) is a tiny positive number rather than libm's 3.8e−44; both are 0 to a float's precision near 1).
        #expect(Tensor([-100, 100]).sigmoid().data[1] == 1)
        #expect(abs(Tensor([-3, 0.5, 7]).sigmoid().data[0] - sigmoidValue(-3)) < 1e-7)
        #expect(Tensor([-100]).sigmoid().data[0] >= 0 && Tensor([-100]).sigmoid().data[0] < 1e-30)
    }

    @Test func clampValues() {
        let x = Tensor([-3, -1, 0, 1, 3])
        #expect(x.clamp(min: -1, max: 2).data == [-1, -1, 0, 1, 2])
        #expect(x.clamp(min: 0).data == [0, 0, 0, 1, 3])
        #expect(x.clamp(max: 0).data == [-3, -1, 0, 0, 0])
    }

    @Test func comparisonsAndWhere() throws {
        let a = Tensor([1, 2, 3]), b = Tensor([3, 2, 1])
        #expect(try a.eq(b).data == [0, 1, 0])
        #expect(try a.ne(b).data == [1, 0, 1])
        #expect(try a.lt(b).data == [1, 0, 0])
        #expect(try a.le(b).data == [1, 1, 0])
        #expect(try a.gt(b).data == [0, 0, 1])
        #expect(try a.ge(b).data == [0, 1, 1])
        let m = try a.gt(Tensor([[0], [2]]))  // broadcast
        #expect(m.shape == [2, 3] && m.data == [1, 1, 1, 0, 0, 1])
        #expect(try Tensor([.nan]).eq(Tensor([.nan])).data == [0])
        // Masks carry no gradient, even from inputs that require it.
        let p = a.asParameter()
        #expect(try !p.gt(b).requiresGrad)
        let w = try Tensor.where(Tensor([1, 0, 1]), a, b)
        #expect(w.data == [1, 2, 3])
        let w2 = try Tensor.where(Tensor([[1], [0]]), Tensor([1, 2, 3]), Tensor(-1))
        #expect(w2.shape == [2, 3] && w2.data == [1, 2, 3, -1, -1, -1])
        let relu = try Tensor.where(Tensor([-1, 2]).gt(Tensor(0)), Tensor([-1, 2]), Tensor(0))
        #expect(relu.data == [0, 2])
    }

    @Test func ieeeBehaviour() throws {
        let q = try Tensor([1, -1, 0]).div(Tensor([0, 0, 0]))
        #expect(q.data[0] == .infinity && q.data[1] == -.infinity && q.data[2].isNaN)
        let l = Tensor([0, -1]).log()
        #expect(l.data[0] == -.infinity && l.data[1].isNaN)
        #expect(Tensor([100]).exp().data == [.infinity])
        #expect(Tensor([-200]).exp().data == [0])
        #expect(Tensor([-1]).sqrt().data[0].isNaN)
        #expect(Tensor([1000]).tanh().data == [1])
        #expect((try Tensor([.infinity]) - Tensor([.infinity])).data[0].isNaN)
        // NaN wins in max, as in PyTorch.
        #expect(try Tensor([1, .nan, 3]).max().item().isNaN)
    }

    // MARK: Products

    @Test func matmulValues() throws {
        let a = try Tensor([[1, 2], [3, 4]]), b = try Tensor([[5, 6], [7, 8]])
        let c = try a.matmul(b)
        #expect(c.shape == [2, 2] && c.data == [19, 22, 43, 50])
        let r = try Tensor([[1, 2, 3], [4, 5, 6]]).matmul(Tensor([[1, 0], [0, 1], [1, 1]]))
        #expect(r.data == [4, 5, 10, 11])
        // Vectors.
        let mv = try Tensor([[1, 2, 3], [4, 5, 6]]).matmul(Tensor([1, 0, -1]))
        #expect(mv.shape == [2] && mv.data == [-2, -2])
        let vm = try Tensor([1, 1]).matmul(Tensor([[1, 2, 3], [4, 5, 6]]))
        #expect(vm.shape == [3] && vm.data == [5, 7, 9])
        let dot = try Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6]))
        #expect(dot.shape == [] && dot.data == [32])
        let dotGrad = try Tensor.gradcheck([Tensor([1, 2, 3]), Tensor([4, -5, 6])]) { try $0[0].matmul($0[1]) }
        #expect(dotGrad.passed, "\(dotGrad)")
        // Batched, with the right operand broadcast over the batch.
        let batch = try Tensor.stack([a, b])  // [2,2,2]
        let eye2 = try Tensor([[0, 1], [1, 0]])
        let bb = try batch.matmul(eye2)  // swaps columns
        #expect(bb.shape == [2, 2, 2] && bb.data == [2, 1, 4, 3, 6, 5, 8, 7])
        let lb = try eye2.matmul(batch)  // swaps rows, left broadcast
        #expect(lb.data == [3, 4, 1, 2, 7, 8, 5, 6])
        // Batch axes [2,1] and [3] broadcast to [2,3].
        let left = try Tensor.arange(0, 8).reshape([2, 1, 2, 2]), right = try Tensor.arange(0, 12).reshape([3, 2, 2])
        let out = try left.matmul(right)
        #expect(out.shape == [2, 3, 2, 2])
        for i in 0..<2 {
            for j in 0..<3 {
                for r in 0..<2 {
                    for c in 0..<2 {
                        var s: Float = 0
                        for k in 0..<2 { s += try left.value(at: [i, 0, r, k]) * right.value(at: [j, k, c]) }
                        #expect(try out.value(at: [i, j, r, c]) == s)
                    }
                }
            }
        }
        // An empty inner size gives zeros, as in NumPy.
        let z = try Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3]))
        #expect(z.shape == [2, 3] && z.data == [Float](repeating: 0, count: 6))
    }

    // MARK: Shapes

    @Test func slicing() throws {
        let x = try cube()
        let first = try x.slice([.at(1)])
        #expect(first.shape == [3, 4] && first.data == (12..<24).map(Float.init))
        let mixed = try x.slice([.all, .range(1, 3), .at(-1)])
        #expect(mixed.shape == [2, 2] && mixed.data == [7, 11, 19, 23])
        let stepped = try x.slice([.at(0), .at(0), .range(nil, nil, step: 2)])
        #expect(stepped.data == [0, 2])
        let tail = try x.slice([.at(0), .range(-2, nil)])
        #expect(tail.shape == [2, 4] && tail.data == (4..<12).map(Float.init))
        let negStop = try x.slice([.at(-1), .at(-1), .range(nil, -1)])
        #expect(negStop.data == [20, 21, 22])
        let v = try Tensor.arange(0, 10)
        #expect(try v.slice([.range(1, nil, step: 3)]).data == [1, 4, 7])
        #expect(try v.slice([.range(-3, nil, step: 2)]).data == [7, 9])
        #expect(try v.slice([.range(3, 1)]).shape == [0])
        #expect(try v.slice([.range(-100, 100)]).data == v.data)
        #expect(try v[.at(-1)].item() == 9)
        #expect(try v[.at(-1)].shape == [])
        #expect(try x[.at(1), .at(2), .at(3)].item() == 23)
        #expect(try x.slice([]).data == x.data)
    }

    @Test func reshapeAndPermute() throws {
        let x = try cube()
        #expect(try x.reshape([4, -1]).shape == [4, 6])
        #expect(try x.reshape([-1]).data == x.data)
        let p = try x.permute([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
            #expect(try p.value(at: [k, i, j]) == x.value(at: [i, j, k]))
        } } }
        #expect(try x.permute([-1, 0, 1]).data == p.data)
        let m = try Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(m.T.shape == [3, 2] && m.T.data == [1, 4, 2, 5, 3, 6])
        #expect(try m.transpose().data == m.T.data)
        #expect(try x.transpose(0, 2).shape == [4, 3, 2])
        #expect(x.T.shape == [4, 3, 2])
        #expect(try Tensor([1, 2]).transpose().data == [1, 2])
        #expect(try m.unsqueezing(axis: 1).shape == [2, 1, 3])
        #expect(try m.unsqueezing(axis: -1).shape == [2, 3, 1])
        #expect(try m.unsqueezing(axis: 0).squeezing(axis: 0).shape == [2, 3])
    }

    @Test func joiningAndSplitting() throws {
        let a = try Tensor([[1, 2], [3, 4]]), b = try Tensor([[5, 6]])
        let c0 = try Tensor.concat([a, b], axis: 0)
        #expect(c0.shape == [3, 2] && c0.data == [1, 2, 3, 4, 5, 6])
        let c1 = try Tensor.concat([a, Tensor([[9], [8]])], axis: -1)
        #expect(c1.shape == [2, 3] && c1.data == [1, 2, 9, 3, 4, 8])
        let s0 = try Tensor.stack([Tensor([1, 2]), Tensor([3, 4]), Tensor([5, 6])])
        #expect(s0.shape == [3, 2] && s0.data == [1, 2, 3, 4, 5, 6])
        let s1 = try Tensor.stack([Tensor([1, 2]), Tensor([3, 4])], axis: 1)
        #expect(s1.shape == [2, 2] && s1.data == [1, 3, 2, 4])
        let st = try Tensor.stack([Tensor(1), Tensor(2)])
        #expect(st.shape == [2] && st.data == [1, 2])
        let x = try cube()
        let parts = try x.split([1, 3], axis: 2)
        #expect(parts.map(\.shape) == [[2, 3, 1], [2, 3, 3]])
        #expect(parts[0].data == [0, 4, 8, 12, 16, 20])
        #expect(try Tensor.concat(parts, axis: 2).data == x.data)
        let chunks = try x.chunk(3, axis: 1)
        #expect(chunks.count == 3 && chunks[1].shape == [2, 1, 4])
        #expect(chunks[1].data == [4, 5, 6, 7, 16, 17, 18, 19])
        #expect(try x.split([0, 2], axis: 0)[0].shape == [0, 3, 4])
    }

    @Test func gatherAndOneHot() throws {
        let w = try Tensor([[0, 1], [10, 11], [20, 21]])
        let g = try w.gatherRows(Tensor([[2, 0], [1, 1]]))
        #expect(g.shape == [2, 2, 2] && g.data == [20, 21, 0, 1, 10, 11, 10, 11])
        let oh = try Tensor.oneHot(Tensor([2, 0]), depth: 3)
        #expect(oh.shape == [2, 3] && oh.data == [0, 0, 1, 1, 0, 0])
    }

    // MARK: Reductions

    @Test func reductionValuesAndShapes() throws {
        let m = try Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(try m.sum().item() == 21 && m.sum().shape == [])
        #expect(try m.sum(axes: [0]).data == [5, 7, 9])
        #expect(try m.sum(axes: [1]).data == [6, 15])
        #expect(try m.sum(axes: [0], keepdims: true).shape == [1, 3])
        #expect(try m.sum(axes: [-1], keepdims: true).shape == [2, 1])
        #expect(try m.sum(keepdims: true).shape == [1, 1])
        #expect(try m.sum(axes: []).data == m.data)
        #expect(try m.mean().item() == 3.5)
        #expect(try m.mean(axes: [0]).data == [2.5, 3.5, 4.5])
        #expect(try m.mean(axes: [1], keepdims: true).data == [2, 5])
        #expect(try m.max().item() == 6 && m.min().item() == 1)
        #expect(try m.max(axes: [0]).data == [4, 5, 6])
        #expect(try m.min(axes: [1], keepdims: true).shape == [2, 1])
        #expect(try m.min(axes: [1]).data == [1, 4])
        #expect(close([try m.norm().item()], [Float(91).squareRoot()]))
        #expect(close(try m.norm(axes: [1]).data, [Float(14).squareRoot(), Float(77).squareRoot()]))
        let x = try cube()
        let s02 = try x.sum(axes: [0, 2])
        #expect(s02.shape == [3] && s02.data == [60, 92, 124])  // Σ_i Σ_k 12i + 4j + k
        #expect(try x.sum(axes: [0, 2], keepdims: true).shape == [1, 3, 1])
        #expect(try x.max(axes: [1, 2]).data == [11, 23])
        #expect(try x.mean(axes: [2]).data == [1.5, 5.5, 9.5, 13.5, 17.5, 21.5])
    }

    @Test func argmaxAlongAxes() throws {
        let m = try Tensor([[1, 9, 3], [7, 2, 8]])
        #expect(try m.argmax().item() == 1)
        #expect(try m.argmax(axis: 0).data == [1, 0, 1])
        #expect(try m.argmax(axis: 1).data == [1, 2])
        #expect(try m.argmax(axis: -1).data == [1, 2])
        #expect(try m.argmax(axis: 1, keepdims: true).shape == [2, 1])
        #expect(try m.argmax(axis: 0).shape == [3])
        #expect(try Tensor([3, 5, 5, 1]).argmax().item() == 1)  // first on ties
        #expect(try Tensor([[2, 2], [1, 3]]).argmax(axis: 1).data == [0, 1])
        let x = try cube().neg()  // largest is the smallest original
        #expect(try x.argmax(axis: 1).data == [Float](repeating: 0, count: 8))
        #expect(try cube().argmax(axis: 1).shape == [2, 4])
        #expect(try cube().argmax(axis: 1).data == [Float](repeating: 2, count: 8))
        #expect(try cube().argmax(axis: 0, keepdims: true).shape == [1, 3, 4])
        #expect(try Tensor([-5, -2, -9]).argmax().item() == 1)
    }

    @Test func softmaxRowsSumToOne() throws {
        let x = try Tensor([[1, 2, 3], [0, 0, 0]])
        let s = try x.softmax()
        #expect(close(try s.sum(axes: [1]).data, [1, 1]))
        #expect(close(Array(s.data[3...]), [1.0 / 3, 1.0 / 3, 1.0 / 3]))
        #expect(close(try x.logSoftmax().exp().data, s.data))
        let c = try x.softmax(axis: 0)
        #expect(close(try c.sum(axes: [0]).data, [1, 1, 1]))
        let ce = try Tensor([[0, 0]]).crossEntropy(targets: Tensor([1]))
        #expect(close([try ce.item()], [0.6931472]))  // log 2
        #expect(try Tensor([0, 0]).crossEntropy(targets: Tensor([0])).shape == [])
    }

    // MARK: The graph

    @Test func noGradModeRecordsNoGraph() throws {
        let w = Tensor([1, 2]).asParameter()
        let (y, enabled) = try Tensor.withoutGrad { () throws -> (Tensor, Bool) in
            (try w.mul(w).sum().tanh(), GradMode.isEnabled)
        }
        #expect(!enabled && GradMode.isEnabled)
        #expect(!y.requiresGrad && y.isLeaf && y.opName == "leaf")
        #expect(throws: TensorError.self) { try y.backward() }
        let inside = try Tensor.withoutGrad { try w.matmul(w).add(Tensor(1)) }
        #expect(!inside.requiresGrad)
        // Outside, the same ops record.
        let z = try w.mul(w).sum()
        #expect(z.requiresGrad && !z.isLeaf && z.opName == "sum")
        #expect(w.isLeaf && w.opName == "leaf")
        #expect(try !Tensor([1]).add(Tensor([2])).requiresGrad)  // no input requires grad
    }

    @Test func detachedBreaksTheGraph() throws {
        let w = Tensor([3]).asParameter(), v = Tensor([2]).asParameter()
        let h = w.square()
        let d = h.detached()
        #expect(!d.requiresGrad && d.isLeaf && d.data == h.data)
        try d.mul(v).sum().backward()
        #expect(w.grad == nil)
        #expect(v.grad?.data == [9])
        // Without detaching, the gradient reaches w: d(h·v)/dw = 2w·v.
        try h.mul(v).sum().backward()
        #expect(w.grad?.data == [12])
        // The detached copy does not alias: changing it leaves h alone.
        d.data[0] = 100
        #expect(h.data == [9])
    }

    @Test func retainsGradKeepsIntermediateGradients() throws {
        let w = Tensor([1, -2]).asParameter()
        let h = w.scaled(by: 3), k = w.scaled(by: 3)
        h.retainsGrad = true
        try h.square().sum().backward()
        #expect(h.grad?.data == [6, -12])  // 2h
        #expect(w.grad?.data == [18, -36])
        try k.square().sum().backward()
        #expect(k.grad == nil)  // not retained
        #expect(!h.isLeaf)
    }

    @Test func descriptionPrintsSensibly() throws {
        let v = Tensor([1, 2.5, -0.25])
        #expect(v.description == "tensor([1., 2.5000, -0.2500], shape=[3])")
        #expect(Tensor(3).description == "tensor(3., shape=[])")
        let m = try Tensor([[1, 2], [3, 4]])
        #expect(m.description == "tensor([[1., 2.],\n        [3., 4.]], shape=[2,2])")
        let p = m.asParameter()
        #expect(p.description.hasSuffix(", shape=[2,2])"))
        let y = try p.mul(p)
        #expect(y.description.contains("grad_fn=mul"))
        let long = try Tensor.arange(0, 100)
        #expect(long.description == "tensor([0., 1., 2., …, 97., 98., 99.], shape=[100])")
        #expect(Tensor([.infinity, -.infinity, .nan]).description == "tensor([inf, -inf, nan], shape=[3])")
        #expect(Tensor([1e-6, 123456]).description == "tensor([1.0000e-06, 123456.], shape=[2])")
        #expect(try Tensor.zeros([0]).description == "tensor([], shape=[0])")
        #expect(TensorError("x", hint: "y").description == "x (hint: y)")
        #expect(shapeString([3, 4]) == "[3,4]" && shapeString([]) == "[]")
    }
}
