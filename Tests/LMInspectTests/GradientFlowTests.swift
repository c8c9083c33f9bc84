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
