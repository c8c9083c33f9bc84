import Foundation
import LMCore
import LMModels
import Testing
@testable import LMInspect

@Suite("Gradients through time")
struct GradientFlowTests {
    func rnn(radius: Double, cell: CellKind = .rnn, hidden: Int = 16) throws -> RecurrentModel {
        var rng = RandomSource(seed: 3)
        let model = try RecurrentModel(ModelConfig(cell: cell, vocabSize: 5, hidden: hidden, layers: 1, initialization: .pytorch), rng: &rng)
        if cell == .rnn, let whh = model.parameters["rnn.weight_hh_l0"] {
            whh.data = try whh.scaledToSpectralRadius(radius).data
        }
        return model
    }

    @Test func smallSpectralRadiusVanishesFasterThanLarge() throws {
        let ids = (0..<40).map { $0 % 5 }
        let small = try GradientFlow.measure(try rnn(radius: 0.5), ids: ids)
        let large = try GradientFlow.measure(try rnn(radius: 1.5), ids: ids)
        #expect(small.norms[0].count == 39)
        #expect(small.factorPerStep[0] < large.factorPerStep[0])
        #expect(small.factorPerStep[0] < 1)
        #expect(small.stepsToThousandth[0] != nil)
        // The last step's gradient is the direct one; the first is the product of 38 Jacobians later.
        #expect(small.norms[0][0] < small.norms[0][38] * 1e-3)
        #expect(small.chart().contains("layer 1"))
    }

    @Test func flowMatchesTheJacobianProductForATanhRNN() throws {
        // For a tanh RNN, ∂cost/∂h_{n−1} = V_hᵀ diag(1 − h_n²) ∂cost/∂h_n; check one step of the chain.
        let model = try rnn(radius: 0.9, hidden: 6)
        let ids = [0, 1, 2, 3, 4, 0, 1]
        let flow = try GradientFlow.measure(model, ids: ids)
        let r = try model.referenceForward(ids: Array(ids.dropLast()), targets: Array(ids.dropFirst()), batch: 1,
                                           state: RecurrentState(config: model.config, batch: 1), lastStepOnly: true)
        try r.loss.backward()
        let n = 4
        let gNext = try #require(r.hidden[0][n].grad), h = r.hidden[0][n]
        let whh = try #require(model.parameters["rnn.weight_hh_l0"])
        let dz = try gNext.mul(h.square().neg().shifted(by: 1))
        let expected = try dz.matmul(whh).norm().item()
        #expect(Swift.abs(Double(expected) - flow.norms[0][n - 1]) < 1e-5)
    }

    /// The lecture's formula end to end: ∂cost_N/∂h_n = ∂cost_N/∂h_N · ∏_{k=N…n+1} diag(g′(z_k))·V_h, with
    /// ∂cost_N/∂h_N = (softmax(logits_N) − e_target)·W_dec worked out by hand and each factor built with
    /// `diag` from the traced states, equals what `gradflow` measures by backpropagation, at every n.
    @Test(arguments: [0.5, 1.5])
    func theExplicitProductOfTheLecturesJacobiansIsGradflow(_ radius: Double) throws {
        let model = try rnn(radius: radius, hidden: 6)
        let ids = [0, 1, 2, 3, 4, 0, 1, 3, 3, 2, 4, 1]
        let flow = try GradientFlow.measure(model, ids: ids)
        let inputs = Array(ids.dropLast()), N = inputs.count, H = 6, V = 5
        let trace = try StateTrace.run(model, ids: inputs)
        let whh = try #require(model.parameters["rnn.weight_hh_l0"]), dec = try #require(model.parameters["decoder.weight"])
        // ∂cost_N/∂logits_N = softmax − one-hot of the target; through the decoder to h_N.
        let logits = trace.logits[((N - 1) * V)..<(N * V)].map(Double.init)
        let m = logits.max() ?? 0, z = logits.map { exp($0 - m) }.reduce(0, +)
        var dLogits = logits.map { Float(exp($0 - m) / z) }
        dLogits[ids[N]] -= 1
        var g = try Tensor(shape: [1, V], data: dLogits).matmul(dec.detached())  // [1, H]
        var explicit = [Double](repeating: 0, count: N)
        explicit[N - 1] = Double(try g.norm().item())
        for n in stride(from: N - 1, to: 0, by: -1) {
            let h = try Tensor(shape: [H], data: Array(trace.layers[0].h[(n * H)..<((n + 1) * H)]))
            let factor = try h.square().neg().shifted(by: 1).diag().matmul(whh.detached())  // diag(1 − h_n²)·V_h
            g = try g.matmul(factor)
            explicit[n - 1] = Double(try g.norm().item())
        }
        for n in 0..<N {
            #expect(Swift.abs(explicit[n] - flow.norms[0][n]) <= 1e-4 * Swift.max(flow.norms[0][n], 1e-12),
                    "ρ \(radius), n = \(n + 1): explicit \(explicit[n]) against gradflow \(flow.norms[0][n])")
        }
        #expect(flow.norms[0][0] != flow.norms[0][N - 1])
    }

    @Test func cellFlowMatchesFiniteDifferencesForTheCoupledLSTM() throws {
        // ‖∂cost_N/∂c_n‖ by autodiff against central differences: nudge c_n (and h_n = tanh(c_n)⊙o_n with
        // it, since h_n is computed from c_n) and run the rest of the text from there.
        var rng = RandomSource(seed: 11)
        let model = try RecurrentModel(ModelConfig(cell: .coupledLSTM, vocabSize: 5, hidden: 4, layers: 1), rng: &rng)
        let ids = [0, 3, 1, 4, 2, 2, 0, 1, 3]
        let flow = try GradientFlow.measure(model, ids: ids, through: .cell)
        #expect(flow.through == .cell)
        let inputs = Array(ids.dropLast()), targets = Array(ids.dropFirst())
        let r = try model.referenceForward(ids: inputs, targets: targets, batch: 1,
                                           state: RecurrentState(config: model.config, batch: 1), lastStepOnly: true)
        for n in [1, 4, 6] {
            let c = r.cells[0][n].data, h = r.hidden[0][n].data
            let o = zip(h, c).map { $0 / Float(tanh(Double($1))) }
            func cost(_ nudged: [Float]) throws -> Double {
                var state = RecurrentState(config: model.config, batch: 1)
                state.c[0] = nudged
                state.h[0] = zip(o, nudged).map { $0 * Float(tanh(Double($1))) }
                let rest = try model.referenceForward(ids: Array(inputs[(n + 1)...]), targets: Array(targets[(n + 1)...]),
                                                      batch: 1, state: state, lastStepOnly: true)
                return Double(try rest.loss.item())
            }
            var squares = 0.0
            let eps: Float = 1e-2
            for j in 0..<4 {
                var up = c, down = c
                up[j] += eps
                down[j] -= eps
                let d = (try cost(up) - cost(down)) / Double(2 * eps)
                squares += d * d
            }
            let numeric = squares.squareRoot()
            #expect(Swift.abs(numeric - flow.norms[0][n]) <= 2e-2 * numeric + 1e-6, "step \(n + 1): \(numeric) against \(flow.norms[0][n])")
        }
        #expect(throws: ModelError.self) { try GradientFlow.measure(try rnn(radius: 0.5), ids: ids, through: .cell) }
    }

    @Test func coupledLSTMKeepsWhatATanhRNNLoses() throws {
        // The lecture's claim on a tiny model: where a tanh RNN at ρ(V_h) = 0.3 has lost a factor 10³,
        // the coupled LSTM with forget bias 1 (char-rnn's initialisation) has lost less than 10× along its cell.
        var rng = RandomSource(seed: 3)
        let lstm = try RecurrentModel(ModelConfig(cell: .coupledLSTM, vocabSize: 5, hidden: 16, layers: 1), rng: &rng)
        let ids = (0..<40).map { ($0 * 7) % 5 }
        let r = try GradientFlow.measure(try rnn(radius: 0.3), ids: ids)
        let c = try GradientFlow.measure(lstm, ids: ids, through: .cell)
        let back = try #require(r.stepsToThousandth[0])
        #expect(back < 12)
        let last = c.norms[0].count - 1
        #expect(c.norms[0][last] / c.norms[0][last - back] < 10)
        #expect(c.factorPerStep[0] > r.factorPerStep[0])
        #expect(c.chart().contains("∂cost_N/∂c_n"))
    }

    @Test func gradientTableReportsNormsAndRatios() throws {
        let model = try rnn(radius: 1)
        let ids = [0, 1, 2, 3, 4, 0, 1]
        let r = try model.referenceForward(ids: Array(ids.dropLast()), targets: Array(ids.dropFirst()), batch: 1,
                                           state: RecurrentState(config: model.config, batch: 1))
        try r.loss.backward()
        let table = GradientTable(model.parameters, clip: 5)
        #expect(table.rows.count == 6)
        let dec = try #require(table.rows.first { $0.name == "decoder.bias" })
        let g = try #require(model.parameters["decoder.bias"]?.grad)
        #expect(Swift.abs(dec.gradNorm - Double(try g.norm().item())) < 1e-6)
        #expect(table.description.contains("total: ‖θ‖"))
    }
}
