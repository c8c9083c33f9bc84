import Foundation
import LMCore
import LMModels
import Testing
@testable import LMInspect

/// Helpers shared by the inspection engine's tests: small seeded models.
enum Tiny {
    static func model(_ cell: CellKind, vocab: Int = 5, hidden: Int = 4, layers: Int = 1, embed: Int = 0,
                      initialization: ModelConfig.Initialization = .pytorch, seed: UInt64 = 7) throws -> RecurrentModel {
        var rng = RandomSource(seed: seed)
        return try RecurrentModel(ModelConfig(cell: cell, vocabSize: vocab, hidden: hidden, layers: layers, embed: embed,
                                              initialization: initialization), rng: &rng)
    }
}

@Suite("State trace")
struct StateTraceTests {
    /// The trace runs the cell's definition; a cell's fused kernel (run by the sampler's stepper) must give the
    /// same states, character by character.
    @Test(arguments: CellKind.builtIn.filter { $0.kernel != nil })
    func traceMatchesTheFusedKernels(_ cell: CellKind) throws {
        let model = try Tiny.model(cell, hidden: 4, layers: 2, embed: 3)
        let ids = [0, 3, 1, 4, 2, 2, 0, 1]
        let trace = try StateTrace.run(model, ids: ids)
        let runner = StepRunner(model, threads: 1)
        for (t, id) in ids.enumerated() {
            try runner.feed(id)
            let s = runner.state
            for l in 0..<2 {
                let h = Array(trace.layers[l].h[(t * 4)..<((t + 1) * 4)])
                for (a, b) in zip(h, s.h[l]) { #expect(Swift.abs(a - b) < 1e-5, "\(cell) layer \(l) step \(t) h") }
                if cell.hasCell {
                    let c = Array(trace.layers[l].c[(t * 4)..<((t + 1) * 4)])
                    for (a, b) in zip(c, s.c[l]) { #expect(Swift.abs(a - b) < 1e-5, "\(cell) layer \(l) step \(t) c") }
                }
            }
        }
    }

    @Test(arguments: CellKind.builtIn)
    func traceMatchesTheReferencePath(_ cell: CellKind) throws {
        for embed in [0, 3] {
            let model = try Tiny.model(cell, hidden: 4, layers: 2, embed: embed)
            let ids = [0, 3, 1, 4, 2, 2, 0, 1]
            let trace = try StateTrace.run(model, ids: ids)
            let ref = try model.referenceForward(ids: ids, targets: ids, batch: 1, state: RecurrentState(config: model.config, batch: 1))
            for l in 0..<2 {
                for t in 0..<ids.count {
                    let h = Array(trace.layers[l].h[(t * 4)..<((t + 1) * 4)])
                    for (a, b) in zip(h, ref.hidden[l][t].data) { #expect(Swift.abs(a - b) < 1e-5, "\(cell) layer \(l) step \(t) h") }
                    if cell.hasCell {
                        let c = Array(trace.layers[l].c[(t * 4)..<((t + 1) * 4)])
                        for (a, b) in zip(c, ref.cells[l][t].data) { #expect(Swift.abs(a - b) < 1e-5) }
                    }
                }
            }
            // The logits give the reference path's loss.
            let V = trace.vocabSize
            var loss = 0.0
            for t in 0..<(ids.count - 1) {
                let row = trace.logits[(t * V)..<((t + 1) * V)].map(Double.init)
                let m = row.max() ?? 0
                loss += -(row[ids[t + 1]] - m - log(row.map { exp($0 - m) }.reduce(0, +)))
            }
            let refLoss = try model.referenceForward(ids: Array(ids.dropLast()), targets: Array(ids.dropFirst()), batch: 1,
                                                     state: RecurrentState(config: model.config, batch: 1)).loss.item()
            #expect(Swift.abs(loss / Double(ids.count - 1) - Double(refLoss)) < 1e-4)
        }
    }

    @Test func kindsAndErrors() throws {
        let lstm = try StateTrace.run(try Tiny.model(.lstm), ids: [0, 1, 2])
        #expect(lstm.kinds == ["h", "c", "i", "f", "g", "o"])
        #expect(try lstm.values(layer: 0, kind: "f").count == 12)
        #expect(throws: ModelError.self) { try lstm.values(layer: 1, kind: "h") }
        let rnn = try StateTrace.run(try Tiny.model(.rnn), ids: [0, 1, 2])
        #expect(rnn.kinds == ["h"])
        #expect(throws: ModelError.self) { try rnn.values(layer: 0, kind: "c") }
        #expect(throws: ModelError.self) { try StateTrace.run(try Tiny.model(.rnn), ids: [9]) }
        #expect(throws: ModelError.self) { try StateTrace.run(try Tiny.model(.rnn), ids: []) }
    }

    @Test func predictionGivesProbabilitiesThatSumBelowOne() throws {
        let trace = try StateTrace.run(try Tiny.model(.gru, vocab: 7), ids: [0, 1, 2, 3])
        let p = Prediction.of(trace, top: 5)
        #expect(p.guesses.count == 4 && p.guesses.allSatisfy { $0.count == 5 })
        for g in p.guesses {
            #expect(zip(g, g.dropFirst()).allSatisfy { $0.probability >= $1.probability })
            #expect(g.reduce(0) { $0 + $1.probability } <= 1 + 1e-9)
        }
        let all = Prediction.of(trace, top: 7)
        #expect(Swift.abs(all.guesses[0].reduce(0) { $0 + $1.probability } - 1) < 1e-9)
        #expect(p.actual.count == 3)
    }
}

@Suite("Jacobians")
struct JacobianTests {
    /// Finite differences of one step of the cell with respect to its previous state.
    func numeric(_ model: RecurrentModel, trace: StateTrace, step t: Int) throws -> [Double] {
        let H = trace.hidden, cell = model.config.cell
        let L = trace.layers[0]
        let h0 = t == 0 ? [Float](repeating: 0, count: H) : Array(L.h[((t - 1) * H)..<(t * H)])
        let c0 = !cell.hasCell ? [] : (t == 0 ? [Float](repeating: 0, count: H) : Array(L.c[((t - 1) * H)..<(t * H)]))
        let w = model.cellWeights(layer: 0), x = Tensor([Float(trace.ids[t])])
        // The cell's own step, run forward only at perturbed states.
        func state(_ h: [Float], _ c: [Float]) throws -> [Float] {
            try Tensor.withoutGrad {
                let out = try cell.definition.step(x, CellState(h: Tensor(shape: [1, H], data: h),
                                                                c: cell.hasCell ? Tensor(shape: [1, H], data: c) : Tensor(0)), w)
                return out.h.data + (out.c?.data ?? [])
            }
        }
        let D = cell.hasCell ? 2 * H : H
        var J = [Double](repeating: 0, count: D * D)
        let eps: Float = 1e-2
        for m in 0..<D {
            var hp = h0, cp = c0, hm = h0, cm = c0
            if m < H { hp[m] += eps; hm[m] -= eps } else { cp[m - H] += eps; cm[m - H] -= eps }
            let a = try state(hp, cp), b = try state(hm, cm)
            for k in 0..<D { J[k * D + m] = Double(a[k] - b[k]) / Double(2 * eps) }
        }
        return J
    }

    @Test(arguments: CellKind.builtIn)
    func exactJacobianMatchesFiniteDifferences(_ cell: CellKind) throws {
        let model = try Tiny.model(cell, vocab: 4, hidden: 3)
        let ids = [0, 1, 2, 3, 1, 0]
        let trace = try StateTrace.run(model, ids: ids)
        for t in [0, 2, 5] {
            let (dim, exact) = try Jacobians.matrix(model, trace: trace, layer: 0, step: t)
            let fd = try numeric(model, trace: trace, step: t)
            #expect(dim == (cell.hasCell ? 6 : 3))
            let worst = zip(exact, fd).map { Swift.abs($0 - $1) }.max() ?? 1
            #expect(worst < 2e-3, "\(cell) step \(t): worst difference \(worst)")
        }
        let norms = try Jacobians.measure(model, trace: trace)
        #expect(norms.norms[0].count == ids.count)
        let (dim, j5) = try Jacobians.matrix(model, trace: trace, layer: 0, step: 5)
        #expect(Swift.abs(norms.norms[0][5] - (try LinearAlgebra.singularValues(j5, rows: dim, cols: dim)[0])) < 1e-12)
    }

    /// The product of every one-step Jacobian, J_N⋯J_1, multiplied out here directly, against the renormalised
    /// product `measure` keeps as the factors arrive.
    @Test(arguments: [CellKind.rnn, .lstm])
    func productOfTheJacobians(_ cell: CellKind) throws {
        let model = try Tiny.model(cell, vocab: 4, hidden: 3)
        let ids = [0, 1, 2, 3, 1, 0, 2]
        let trace = try StateTrace.run(model, ids: ids)
        let j = try Jacobians.measure(model, trace: trace)
        func mul(_ a: [Double], _ b: [Double], _ d: Int) -> [Double] {
            (0..<(d * d)).map { i in (0..<d).reduce(0) { $0 + a[(i / d) * d + $1] * b[$1 * d + i % d] } }
        }
        let (d, last) = try Jacobians.matrix(model, trace: trace, layer: 0, step: ids.count - 1)
        var p = last
        for t in stride(from: ids.count - 2, through: 0, by: -1) { p = mul(p, try Jacobians.matrix(model, trace: trace, layer: 0, step: t).1, d) }
        let direct = log10(try LinearAlgebra.singularValues(p, rows: d, cols: d)[0])
        #expect(Swift.abs(direct - j.productLog10[0]) < 1e-9, "\(cell): \(direct) against \(j.productLog10[0])")
    }

    @Test func largestSingularValueOfKnownMatrices() throws {
        #expect(Swift.abs(try LinearAlgebra.singularValues([3, 0, 0, 0.5], rows: 2, cols: 2)[0] - 3) < 1e-12)
        // A rotation scaled by 0.7: every singular value is 0.7.
        let c = 0.7 * cos(0.3), s = 0.7 * sin(0.3)
        #expect(Swift.abs(try LinearAlgebra.singularValues([c, -s, s, c], rows: 2, cols: 2)[0] - 0.7) < 1e-12)
        // A 2 × 3 rank-one matrix u vᵀ has σ_max = ‖u‖‖v‖.
        #expect(Swift.abs(try LinearAlgebra.singularValues([1, 2, 2, 2, 4, 4], rows: 2, cols: 3)[0] - 3 * 5.0.squareRoot()) < 1e-9)
    }

    @Test func tanhRNNJacobianIsDiagTimesVh() throws {
        let model = try Tiny.model(.rnn, hidden: 3)
        let trace = try StateTrace.run(model, ids: [1, 2])
        let (_, j) = try Jacobians.matrix(model, trace: trace, layer: 0, step: 1)
        let whh = try #require(model.parameters["rnn.weight_hh_l0"]).data
        let h = trace.layers[0].h
        for r in 0..<3 { for c in 0..<3 {
            #expect(Swift.abs(j[r * 3 + c] - Double((1 - h[3 + r] * h[3 + r]) * whh[r * 3 + c])) < 1e-6)
        } }
    }
}
