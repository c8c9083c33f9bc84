import LMCore
import Testing
@testable import LMModels

/// The fused kernels must agree with the autodiff composition of the lecture's equations:
/// the loss, the final state and every parameter's gradient, to float32 precision.
@Suite("Fused path equals the reference path")
struct FusedVersusReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var cell: CellKind, layers: Int, steps: Int, batch: Int, embed: Int, dropout: Float
        var testDescription: String { "\(cell.rawValue) L\(layers) T\(steps) B\(batch) E\(embed) p\(dropout)" }
    }

    static let cases: [Case] = CellKind.builtIn.filter { $0.kernel != nil }.flatMap { cell in
        [
            Case(cell: cell, layers: 1, steps: 1, batch: 1, embed: 0, dropout: 0),
            Case(cell: cell, layers: 1, steps: 5, batch: 3, embed: 0, dropout: 0),
            Case(cell: cell, layers: 2, steps: 4, batch: 2, embed: 3, dropout: 0),
            Case(cell: cell, layers: 3, steps: 7, batch: 2, embed: 0, dropout: 0.3),
            // Batches of 8 and more are cut into one shard per core: exercise two uneven shards.
            Case(cell: cell, layers: 2, steps: 3, batch: 9, embed: cell == .gru ? 3 : 0, dropout: 0.2),
        ]
    }

    /// A random start state, so the carried state is exercised too.
    func randomState(_ config: ModelConfig, batch: Int, rng: inout RandomSource) -> RecurrentState {
        var s = RecurrentState(config: config, batch: batch)
        for l in 0..<config.layers {
            s.h[l] = s.h[l].map { _ in rng.nextFloat() - 0.5 }
            if config.cell.hasCell { s.c[l] = s.c[l].map { _ in 2 * rng.nextFloat() - 1 } }
        }
        return s
    }

    @Test(arguments: cases)
    func agree(_ k: Case) throws {
        let vocab = 6
        let config = ModelConfig(cell: k.cell, vocabSize: vocab, hidden: 5, layers: k.layers, embed: k.embed,
                                 dropout: k.dropout, initialization: .pytorch)
        var rng = RandomSource(seed: 42)
        let model = try RecurrentModel(config, rng: &rng)
        let n = k.steps * k.batch
        let ids = (0..<n).map { _ in rng.nextInt(below: vocab) }
        let targets = (0..<n).map { _ in rng.nextInt(below: vocab) }
        let state = randomState(config, batch: k.batch, rng: &rng)
        let masks = DropoutMasks(config: config, steps: k.steps, batch: k.batch, rng: &rng)

        let ref = try model.referenceForward(ids: ids, targets: targets, batch: k.batch, state: state, dropoutMasks: masks)
        try ref.loss.backward()
        let refGrads = model.parameters.entries.map { ($0.name, $0.tensor.grad?.data ?? []) }
        model.parameters.zeroGrads()

        // Both ways of running the recurrent products: BLAS, and the packed panel kernel where the CPU has it.
        for panel in PackedMatrix.kernelAvailable ? [false, true] : [false] {
            model.parameters.zeroGrads()
            let window = FusedWindow(threads: 2)
            window.usePanelKernel = panel
            let fused = try window.run(model, ids: ids, targets: targets, batch: k.batch, state: state,
                                       dropoutMasks: masks, train: true)
            #expect(Swift.abs(fused.loss - (try ref.loss.item())) < 1e-5)
            for l in 0..<k.layers {
                expectClose(fused.finalState.h[l], ref.finalState.h[l], "final h, layer \(l), panel \(panel)")
                if k.cell.hasCell { expectClose(fused.finalState.c[l], ref.finalState.c[l], "final c, layer \(l), panel \(panel)") }
            }
            for (name, expected) in refGrads {
                let got = model.parameters[name]?.grad?.data ?? []
                expectClose(got, expected, "\(name), panel \(panel)")
            }
            // Forward only (two rolling slots per step buffer, odd and even step counts): same loss and state.
            let eval = try window.run(model, ids: ids, targets: targets, batch: k.batch, state: state,
                                      dropoutMasks: masks, train: false)
            #expect(Swift.abs(eval.loss - (try ref.loss.item())) < 1e-5)
            for l in 0..<k.layers {
                expectClose(eval.finalState.h[l], ref.finalState.h[l], "forward-only final h, layer \(l), panel \(panel)")
                if k.cell.hasCell { expectClose(eval.finalState.c[l], ref.finalState.c[l], "forward-only final c, layer \(l), panel \(panel)") }
            }
        }
    }

    /// A training window keeps per step only what the backward pass reads: h·W_hhᵀ per step for the GRU
    /// (its backward reads hp_n), two slots in turn for the other cells; the window's input projection only
    /// when it is made as one GEMM (BLAS path), not when it is made at the step (panel path).
    @Test(arguments: CellKind.builtIn.filter { $0.kernel != nil })
    func tapeKeepsOnlyWhatBackwardReads(_ cell: CellKind) throws {
        let steps = 6, batch = 2, hidden = 5
        let config = ModelConfig(cell: cell, vocabSize: 4, hidden: hidden, layers: 2, embed: 0, initialization: .pytorch)
        var rng = RandomSource(seed: 3)
        let model = try RecurrentModel(config, rng: &rng)
        let ids = (0..<(steps * batch)).map { $0 % 4 }
        let perStep = batch * cell.gates * hidden
        for panel in PackedMatrix.kernelAvailable ? [false, true] : [false] {
            let window = FusedWindow(threads: 1)
            window.usePanelKernel = panel
            _ = try window.run(model, ids: ids, targets: ids, batch: batch, state: RecurrentState(config: config, batch: batch), train: true)
            let tapes = try #require(window.shards.first?.tapes)
            for tape in tapes {
                #expect(tape.hp.count == (cell == .gru ? steps : 2) * perStep, "hp of \(cell.rawValue), panel \(panel)")
                #expect(tape.xp.count == (panel && cell != .gru ? 0 : steps * perStep), "xp of \(cell.rawValue), panel \(panel)")
                #expect(tape.acts.count == steps * perStep)
            }
        }
    }

    func expectClose(_ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 2e-5) {
        #expect(a.count == b.count, "\(what): sizes \(a.count) and \(b.count)")
        var worst: Float = 0
        for (x, y) in zip(a, b) { worst = Swift.max(worst, Swift.abs(x - y) / Swift.max(1, Swift.abs(y))) }
        #expect(worst <= tolerance, "\(what): max difference \(worst)")
    }

    @Test("reference path passes gradcheck", arguments: CellKind.builtIn)
    func referenceGradcheck(_ cell: CellKind) throws {
        let config = ModelConfig(cell: cell, vocabSize: 4, hidden: 3, layers: 2, embed: 0, initialization: .pytorch)
        var rng = RandomSource(seed: 7)
        let model = try RecurrentModel(config, rng: &rng)
        let ids = [0, 3, 1, 2, 2, 1], targets = [3, 1, 2, 2, 1, 0]
        let state = randomState(config, batch: 2, rng: &rng)
        let params = model.parameters
        let result = try Tensor.gradcheck(params.tensors, epsilon: 1e-2, tolerance: 2e-2) { xs in
            let m = try RecurrentModel(config, parameters: NamedParameters(zip(params.names, xs).map { ($0, $1) }))
            return try m.referenceForward(ids: ids, targets: targets, batch: 2, state: state).loss
        }
        #expect(result.passed, "\(result)")
    }
}
