import Foundation
import LMCore
import LMKernels
import Testing
@testable import LMModels

/// The vectorised exp, σ and tanh of the cell kernels against libm, and the fused path against the
/// reference path at a hidden size that uses both the eight-lane loop and the tail.
@Suite("Vectorised nonlinearities")
struct VectorMathTests {
    /// Inputs over the range the kernels see, the saturated ends, tiny values and exact zeros.
    static let inputs: [Float] = {
        var xs: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 0.624, 0.626, -0.624, -0.626, 87, -87, 88, -88, 89, -89,
                           200, -200, 1e30, -1e30, .infinity, -.infinity]
        var rng = RandomSource(seed: 3)
        for _ in 0..<2000 { xs.append((rng.nextFloat() - 0.5) * 40) }
        for _ in 0..<500 { xs.append((rng.nextFloat() - 0.5) * 2) }
        return xs
    }()

    func check(_ f: (UnsafeMutablePointer<Float>, Int) -> Void, _ exact: (Double) -> Double, relative: Double,
               absolute: Double, _ what: String) {
        var ys = VectorMathTests.inputs
        ys.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            f(base, p.count)
        }
        for (x, y) in zip(VectorMathTests.inputs, ys) {
            let e = exact(Double(x))
            let err = Swift.abs(Double(y) - e)
            #expect(err <= Swift.max(relative * Swift.abs(e), absolute), "\(what)(\(x)) = \(y), libm \(e)")
        }
    }

    @Test func sigmoidMatchesLibm() {
        check({ VectorMath.sigmoid($0, count: $1) }, { 1 / (1 + Foundation.exp(-$0)) }, relative: 1e-6, absolute: 1e-37, "σ")
    }

    @Test func tanhMatchesLibm() {
        check({ VectorMath.tanh($0, count: $1) }, { Foundation.tanh($0) }, relative: 1e-6, absolute: 1e-37, "tanh")
    }

    @Test func expMatchesLibmInItsRange() {
        // exp is clamped to [−87, 88]: beyond, only the saturated ends are promised.
        var xs = VectorMathTests.inputs.filter { Swift.abs($0) <= 87 }
        let expected = xs.map { Foundation.exp(Double($0)) }
        xs.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            VectorMath.exp(base, count: p.count)
        }
        for (y, e) in zip(xs, expected) { #expect(Swift.abs(Double(y) - e) <= 2e-6 * e, "exp: \(y), libm \(e)") }
    }

    @Test(.enabled(if: PackedMatrix.kernelAvailable, "this CPU lacks AVX2/FMA, so only the baseline build runs"))
    func avx2BuildGivesTheSameBitsAsBaseline() {
        for f in [VectorMath.sigmoid, VectorMath.tanh, VectorMath.exp] as [(UnsafeMutablePointer<Float>, Int, Bool) -> Void] {
            var fast = VectorMathTests.inputs, slow = VectorMathTests.inputs
            fast.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count, true) }
            slow.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count, false) }
            #expect(zip(fast, slow).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
        }
    }

    @Test(.enabled(if: PackedMatrix.kernelAvailable, "this CPU lacks AVX2/FMA, so only the baseline build runs"),
          arguments: [13, 16])
    func lstmStepAVX2GivesTheSameBitsAsBaseline(hidden h: Int) {
        let batch = 3
        var rng = RandomSource(seed: UInt64(h))
        func random(_ n: Int, scale: Float) -> [Float] { (0..<n).map { _ in (rng.nextFloat() - 0.5) * scale } }
        let xp = random(batch * 4 * h, scale: 8), hp = random(batch * 4 * h, scale: 8), cPrev = random(batch * h, scale: 4)
        func run(_ avx2: Bool) -> [Float] {
            var acts = [Float](repeating: 0, count: batch * 4 * h), c = [Float](repeating: 0, count: batch * h)
            var aux = c, out = c
            acts.withUnsafeMutableBufferPointer { a in c.withUnsafeMutableBufferPointer { cc in
                aux.withUnsafeMutableBufferPointer { x in out.withUnsafeMutableBufferPointer { o in
                    let step = avx2 ? LMKernels.LSTMStep.forwardAVX2 : LMModels.LSTMStep.forward
                    step(batch, h, xp, hp, a.baseAddress!, cPrev, cc.baseAddress!, x.baseAddress!, o.baseAddress!)
                } }
            } }
            return acts + c + aux + out
        }
        let fast = run(true), slow = run(false)
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
        // The backward step from those gates, both builds.
        let acts = Array(fast[0..<(batch * 4 * h)]), aux = Array(fast[(batch * 5 * h)..<(batch * 6 * h)])
        let dh = random(batch * h, scale: 2), dcIn = random(batch * h, scale: 2)
        func back(_ avx2: Bool) -> [Float] {
            var dc = dcIn, dz = [Float](repeating: 0, count: batch * 4 * h), dhPrev = [Float](repeating: 1, count: batch * h)
            dc.withUnsafeMutableBufferPointer { c in dz.withUnsafeMutableBufferPointer { z in dhPrev.withUnsafeMutableBufferPointer { p in
                let step = avx2 ? LMKernels.LSTMStep.backwardAVX2 : LMModels.LSTMStep.backward
                step(batch, h, acts, aux, cPrev, dh, c.baseAddress!, z.baseAddress!, p.baseAddress!)
            } } }
            return dc + dz + dhPrev
        }
        let fastBack = back(true), slowBack = back(false)
        #expect(fastBack.map(\.bitPattern) == slowBack.map(\.bitPattern))
        // dc_prev = (dc + dh·o·(1 − tanh²c))·f for one unit.
        let o1 = acts[3 * h + 1], f1 = acts[h + 1], t1 = aux[1]
        #expect(Swift.abs(fastBack[1] - (dcIn[1] + dh[1] * o1 * (1 - t1 * t1)) * f1) < 1e-6)
        // And it is the LSTM: h = o·tanh(f·c_prev + i·g) for one unit, in doubles.
        let z = zip(xp, hp).map { Double($0) + Double($1) }
        func sig(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        let i = sig(z[1]), f = sig(z[h + 1]), g = Foundation.tanh(z[2 * h + 1]), o = sig(z[3 * h + 1])
        let expected = o * Foundation.tanh(f * Double(cPrev[1]) + i * g)
        #expect(Swift.abs(Double(fast[batch * 4 * h + 2 * batch * h + 1]) - expected) < 1e-5)
    }

    @Test func nanPropagates() {
        var xs: [Float] = Array(repeating: .nan, count: 11)
        xs.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            VectorMath.tanh(base, count: 5)
            VectorMath.sigmoid(base + 5, count: 6)
        }
        let allNaN = xs.allSatisfy { $0.isNaN }
        #expect(allNaN)
    }

    /// Hidden 13: one eight-lane chunk and a tail of five in every kernel.
    @Test(arguments: CellKind.builtIn.filter { $0.kernel != nil })
    func fusedAgreesWithReferenceAtHidden13(_ cell: CellKind) throws {
        let vocab = 7, steps = 4, batch = 10
        let config = ModelConfig(cell: cell, vocabSize: vocab, hidden: 13, layers: 2, embed: 0, initialization: .pytorch)
        var rng = RandomSource(seed: 5)
        let model = try RecurrentModel(config, rng: &rng)
        let ids = (0..<(steps * batch)).map { _ in rng.nextInt(below: vocab) }
        let targets = (0..<(steps * batch)).map { _ in rng.nextInt(below: vocab) }
        var state = RecurrentState(config: config, batch: batch)
        for l in 0..<config.layers {
            state.h[l] = state.h[l].map { _ in rng.nextFloat() - 0.5 }
            if cell.hasCell { state.c[l] = state.c[l].map { _ in 4 * rng.nextFloat() - 2 } }
        }
        let ref = try model.referenceForward(ids: ids, targets: targets, batch: batch, state: state, dropoutMasks: nil)
        try ref.loss.backward()
        let refGrads = model.parameters.entries.map { ($0.name, $0.tensor.grad?.data ?? []) }
        model.parameters.zeroGrads()
        let fused = try FusedWindow(threads: 2).run(model, ids: ids, targets: targets, batch: batch, state: state, train: true)
        let refLoss = try ref.loss.item()
        #expect(Swift.abs(fused.loss - refLoss) < 1e-5)
        for (name, expected) in refGrads {
            let got = model.parameters[name]?.grad?.data ?? []
            var worst: Float = 0
            for (x, y) in zip(got, expected) { worst = Swift.max(worst, Swift.abs(x - y) / Swift.max(1, Swift.abs(y))) }
            #expect(got.count == expected.count && worst <= 2e-5, "\(name): max difference \(worst)")
        }
    }
}
