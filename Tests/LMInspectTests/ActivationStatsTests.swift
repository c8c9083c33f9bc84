import Foundation
import LMCore
import LMModels
import Testing
@testable import LMInspect

/// The training monitor's activation statistics, checked against the trace they summarise.
@Suite("Activation statistics")
struct ActivationStatsTests {
    @Test(arguments: [CellKind.rnn, .lstm])
    func statisticsSummariseTheTrace(_ cell: CellKind) throws {
        let model = try Tiny.model(cell, hidden: 6, layers: 2, embed: 3)
        let ids = [0, 3, 1, 4, 2, 2, 0, 1, 3, 3, 4, 0]
        let trace = try StateTrace.run(model, ids: ids)
        let stats = try ActivationStats.measure(trace, bins: 8)
        #expect(stats.layers.count == 2)
        for (l, layer) in stats.layers.enumerated() {
            let h = trace.layers[l].h
            #expect(layer.histogram.reduce(0, +) == h.count)
            #expect(layer.tanhSaturated == Double(h.filter { Swift.abs($0) > 0.97 }.count) / Double(h.count))
            // The histogram puts each value in its bin of [−1, 1].
            let negative = h.filter { $0 < 0 }.count
            #expect(layer.histogram.prefix(4).reduce(0, +) == negative)
            #expect(layer.gateSaturated.map(\.name) == (cell == .lstm ? ["i", "f", "o"] : []))
        }
    }

    /// A tanh RNN whose recurrent weights are huge sits at ±1: every unit is saturated at every step, so dead.
    @Test func saturatedUnitsAreDead() throws {
        let model = try Tiny.model(.rnn, hidden: 5, layers: 1)
        let whh = try #require(model.parameters["rnn.weight_hh_l0"])
        for k in 0..<whh.data.count { whh.data[k] *= 1000 }
        let wih = try #require(model.parameters["rnn.weight_ih_l0"])
        for k in 0..<wih.data.count { wih.data[k] *= 1000 }
        let trace = try StateTrace.run(model, ids: [0, 1, 2, 3, 4, 0, 1, 2])
        let stats = try ActivationStats.measure(trace)
        let h = trace.layers[0].h
        let expected = (0..<5).filter { j in (0..<8).allSatisfy { Swift.abs(h[$0 * 5 + j]) > 0.97 } }.count
        #expect(stats.layers[0].deadUnits == expected && expected >= 3, "\(expected) units saturated throughout")
    }

    @Test func logHistogramBinsMagnitudes() {
        let h = ActivationStats.logHistogram([1e-9, 1e-7, -1e-7, 0.5, 0, 10], bins: 8, lo: -8, hi: 0)
        // 1e-9 clamps to the first bin, ±1e-7 is log −7 (bin 1), 0.5 the last (log −0.3), 10 clamps to it; 0 is left out.
        #expect(h == [1, 2, 0, 0, 0, 0, 0, 2])
    }
}
