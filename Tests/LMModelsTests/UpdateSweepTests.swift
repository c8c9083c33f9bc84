import Foundation
import LMCore
import Testing
@testable import LMModels

/// The update after a window as one pass (`UpdateSweep`): the same bits as the snapshot, the optimizer, the finite
/// check and the update ratios run one after another, for every optimizer, split between the cores or not; and an
/// update that overflows is put back.
@Suite("The update in one pass")
struct UpdateSweepTests {
    /// Parameters with gradients: `big` has 590,000 numbers (split between two cores), the other odd sizes on one.
    static func parameters(seed: UInt64, big: Bool) throws -> NamedParameters {
        let shapes: [[Int]] = big ? [[800, 700], [37], [100, 299]] : [[13, 7], [1], [1027], [5, 3]]
        var entries: [(name: String, tensor: Tensor)] = []
        for (k, shape) in shapes.enumerated() {
            let t = try Tensor.randn(shape, seed: seed + UInt64(k))
            t.grad = try Tensor.randn(shape, seed: seed + 10 + UInt64(k))
            entries.append((name: "p\(k)", tensor: t))
        }
        return NamedParameters(entries)
    }

    @Test("one pass gives the bits of the four passes", arguments: OptimizerKind.allCases, [false, true])
    func sameBitsAsSeparatePasses(_ kind: OptimizerKind, _ big: Bool) throws {
        let a = try Self.parameters(seed: 5, big: big), b = try Self.parameters(seed: 5, big: big)
        let oa = Optimizer(OptimizerSettings(kind: kind), parameterCounts: a.tensors.map(\.count))
        let ob = Optimizer(OptimizerSettings(kind: kind), parameterCounts: b.tensors.map(\.count))
        var sa = StepSnapshot(), sb = StepSnapshot()
        for _ in 0..<3 {
            sa.take(a.tensors, oa)
            oa.step(a, lr: 2e-2)
            let ratios = sa.updateRatios(a.tensors), bad = ParameterSweep.firstNonFinite(a.tensors)
            let r = try #require(UpdateSweep.run(b.tensors, ob, snapshot: &sb, lr: 2e-2))
            #expect(r.ratios.map(\.bitPattern) == ratios.map(\.bitPattern))
            #expect(r.firstNonFinite == bad && bad == nil)
            #expect(b.tensors.map { $0.data.map(\.bitPattern) } == a.tensors.map { $0.data.map(\.bitPattern) })
            #expect(ob.first == oa.first && ob.second == oa.second && ob.steps == oa.steps)
            #expect(sb.parameters.map { $0.array() } == sa.parameters.map { $0.array() })
        }
    }

    @Test("an update that overflows is found, named and put back, moments and step count included",
          arguments: [OptimizerKind.rmsprop, .adam, .sgd])
    func overflowIsPutBack(_ kind: OptimizerKind) throws {
        let params = try Self.parameters(seed: 8, big: true)
        let optimizer = Optimizer(OptimizerSettings(kind: kind), parameterCounts: params.tensors.map(\.count))
        var snapshot = StepSnapshot()
        _ = UpdateSweep.run(params.tensors, optimizer, snapshot: &snapshot, lr: 1e-3)
        let (x, m, v, steps) = (params.tensors.map(\.data), optimizer.first, optimizer.second, optimizer.steps)
        // One number near the largest float, pushed past it by the update.
        params.tensors[2].data[29_000] = -Float.greatestFiniteMagnitude
        params.tensors[2].grad?.data[29_000] = 1
        let before = params.tensors.map(\.data)
        let r = try #require(UpdateSweep.run(params.tensors, optimizer, snapshot: &snapshot, lr: 1e36))
        #expect(r.firstNonFinite == 2)
        #expect(!params.tensors[2].data[29_000].isFinite)
        try snapshot.restore(params.tensors, optimizer)
        #expect(params.tensors.map(\.data) == before)
        #expect(optimizer.first == m && optimizer.second == v && optimizer.steps == steps)
        #expect(x[0] == before[0])
    }

    @Test("a parameter without a gradient: nothing is changed, and the caller runs the passes one by one")
    func missingGradient() throws {
        let params = try Self.parameters(seed: 2, big: false)
        params.tensors[1].grad = nil
        let optimizer = Optimizer(OptimizerSettings(kind: .adam), parameterCounts: params.tensors.map(\.count))
        var snapshot = StepSnapshot()
        let before = params.tensors.map(\.data)
        #expect(UpdateSweep.run(params.tensors, optimizer, snapshot: &snapshot, lr: 1e-2) == nil)
        #expect(params.tensors.map(\.data) == before && optimizer.steps == 0)
    }

    @Test("four running sums: in pieces, with AVX2 or without, the bits of one sum per lane", arguments: [0, 3, 4, 1027, 4099])
    func squareSumsInPieces(_ n: Int) throws {
        let x = try Tensor.randn([Swift.max(n, 1)], seed: 3).data, y = try Tensor.randn([Swift.max(n, 1)], seed: 4).data
        var lanes = [Double](repeating: 0, count: 4), lanesMinus = lanes
        let whole = n - n % 4
        for i in 0..<n {
            let lane = i < whole ? i % 4 : 0
            lanes[lane] += Double(x[i]) * Double(x[i])
            lanesMinus[lane] += Double(x[i] - y[i]) * Double(x[i] - y[i])
        }
        let expected = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
        let expectedMinus = (lanesMinus[0] + lanesMinus[1]) + (lanesMinus[2] + lanesMinus[3])
        for fast in [false, true] where !fast || VectorMath.fast {
            var one = SquareSums(), pieces = SquareSums(), minus = SquareSums()
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                one.add(xp.baseAddress!, 0..<n, fast: fast)
                var lo = 0
                while lo < n {
                    let hi = Swift.min(n, lo + 1024)
                    pieces.add(xp.baseAddress!, lo..<hi, fast: fast)
                    lo = hi
                }
                minus.add(xp.baseAddress!, minus: yp.baseAddress!, 0..<n, fast: fast)
            } }
            #expect(one.total.bitPattern == expected.bitPattern && pieces.total.bitPattern == expected.bitPattern)
            #expect(minus.total.bitPattern == expectedMinus.bitPattern)
        }
    }

    @Test("the optimizer's rule: AVX2 and baseline builds give the same bits", arguments: OptimizerKind.allCases)
    func ruleBuildsAgree(_ kind: OptimizerKind) throws {
        guard VectorMath.fast else { return }
        let n = 1027
        let g = try Tensor.randn([n], seed: 1).data
        var runs: [[Float]] = []
        for fast in [false, true] {
            var x = try Tensor.randn([n], seed: 2).data, m = try Tensor.randn([n], seed: 3).data
            var v = try Tensor.randn([n], seed: 4).data.map { $0 * $0 }
            let optimizer = Optimizer(OptimizerSettings(kind: kind), parameterCounts: [n])
            let rule = optimizer.begin(lr: 3e-2)
            x.withUnsafeMutableBufferPointer { xp in m.withUnsafeMutableBufferPointer { mp in v.withUnsafeMutableBufferPointer { vp in
                g.withUnsafeBufferPointer { gp in
                    rule.apply(x: xp.baseAddress!, g: gp.baseAddress!, m: mp.baseAddress!, v: vp.baseAddress!, 1..<n, fast: fast)
                }
            } } }
            runs.append(x + m + v)
        }
        #expect(runs[0].map(\.bitPattern) == runs[1].map(\.bitPattern))
        // The rule did update x (from number 1 on; number 0 is outside the range).
        let x0 = try Tensor.randn([n], seed: 2).data
        #expect(runs[0][0] == x0[0] && zip(runs[0][1..<n], x0[1..<n]).allSatisfy { $0 != $1 })
    }
}
