import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// The minimal gated unit (Zhou et al. 2016), defined here and nowhere else: one forget gate that also
/// gates the candidate's view of the past.
///
///     f = σ(W_f x + U_f h_prev + b_f)    n = tanh(W_n x + U_n (f⊙h_prev) + b_n)    h = (1 − f)⊙h_prev + f⊙n
///
/// Its recurrent weights are read twice per step (once for f, once on f⊙h_prev), a shape none of the built-in
/// cells has: if anything in lmsh still assumed one of those, this cell would find it.
struct MinimalGatedUnit: RecurrentCell {
    var name: String { "mgu" }
    var title: String { "minimal gated unit" }
    var equations: String { "h = (1−f)⊙h_prev + f⊙tanh(W_n x + U_n(f⊙h_prev))" }
    var gates: [Gate] { [Gate("f", .sigmoid), Gate("n", .tanh)] }
    var hasCell: Bool { false }

    func step(_ x: Tensor, _ s: CellState, _ w: CellWeights) throws -> CellOutput {
        let xp = try w.input(x)
        let f = try (w.gate(xp, 0) + w.gate(w.recurrent(s.h), 0)).sigmoid()
        let n = try (w.gate(xp, 1) + w.gate(w.recurrent(f * s.h), 1)).tanh()
        let h = try f.complement * s.h + f * n
        return CellOutput(h: h, gates: [f, n])
    }
}

/// A cell defined only in this file trains, samples, evaluates, saves and loads, and every inspection verb
/// works on it, with no other file touched: everything is derived from its definition.
@Suite("A cell defined outside lmsh")
final class UserCellTests {
    static let mgu = CellKind(MinimalGatedUnit())
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    /// A shell over a small corpus, with `m` an MGU language model over its vocabulary.
    func shell(_ cell: CellKind = mgu, hidden: Int = 6) throws -> (Interpreter, RecurrentModel, () -> String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-usercell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try BuiltinTests.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        i.configuration.environment = ["QUICK": "1"]
        final class Output: @unchecked Sendable { var text = "" }
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        guard case .corpus(let c)? = i.variables["text"] else { throw ModelError("no corpus") }
        var rng = RandomSource(seed: 11)
        let model = try RecurrentModel(ModelConfig(cell: cell, vocabSize: c.vocabulary.count, hidden: hidden, layers: 2,
                                                   initialization: .pytorch), rng: &rng)
        i.variables["m"] = .model(ModelValue(model: model, vocabulary: c.vocabulary))
        return (i, model, { let t = out.text; out.text = ""; return t })
    }

    @Test func definitionPassesGradcheck() throws {
        let config = ModelConfig(cell: Self.mgu, vocabSize: 4, hidden: 3, layers: 2, embed: 2, initialization: .pytorch)
        var rng = RandomSource(seed: 3)
        let model = try RecurrentModel(config, rng: &rng)
        #expect(model.parameters.names.contains("rnn.weight_hh_l1") && model.parameters["rnn.weight_ih_l0"]?.shape == [6, 2])
        var state = RecurrentState(config: config, batch: 2)
        for l in 0..<2 { state.h[l] = state.h[l].map { _ in rng.nextFloat() - 0.5 } }
        let params = model.parameters
        let result = try Tensor.gradcheck(params.tensors, epsilon: 1e-2, tolerance: 2e-2) { xs in
            let m = try RecurrentModel(config, parameters: NamedParameters(zip(params.names, xs).map { ($0, $1) }))
            return try m.referenceForward(ids: [0, 3, 1, 2, 2, 1], targets: [3, 1, 2, 2, 1, 0], batch: 2, state: state).loss
        }
        #expect(result.passed, "\(result)")
    }

    @Test func trainsSamplesAndRoundTripsThroughACheckpoint() throws {
        let (i, model, output) = try shell()
        #expect(try i.run("m.plan.path").value?.display == "reference")
        let before = try #require(try i.run("eval m text.val").value?.display)
        try i.run("train m text steps=40 lr=0.01 opt=\"adam\"")
        _ = output()
        #expect(try i.run("m.steps").value?.display == "40")
        guard case .list(let items)? = try i.run("m.loss_history").value else { Issue.record("no loss history"); return }
        let history = items.compactMap { v -> Double? in if case .number(let x) = v { return x } else { return nil } }
        #expect(history.count == 40)
        let first: Double = history.prefix(5).reduce(0, +) / 5, last: Double = history.suffix(5).reduce(0, +) / 5
        #expect(last < first, "loss \(first) at first, \(last) at last")
        #expect(try i.run("eval m text.val").value?.display != before)

        // Sampling runs the definition one symbol at a time; the same seed gives the same text.
        try i.run("sample m 40 seed=5 prime=\"the \"")
        let a = output()
        try i.run("sample m 40 seed=5 prime=\"the \"")
        let b = output()
        #expect(a == b && a.hasPrefix("the ") && a.count >= 40, "\(a) / \(b)")

        // A checkpoint names the cell; loading it needs the definition, handed in as the built-in ones are.
        let url = i.configuration.baseDirectory.appendingPathComponent("mgu.safetensors")
        try ModelCheckpoint.save(model, ModelCheckpoint.Info(vocabulary: try vocabulary(i)), to: url)
        #expect(throws: CheckpointError.self) { try ModelCheckpoint.load(from: url) }
        let loaded = try ModelCheckpoint.load(from: url, cells: [Self.mgu]).model
        #expect(loaded.config.cell == Self.mgu && loaded.parameters.names == model.parameters.names)
        let ids = [1, 4, 2, 0, 3, 3]
        let l1 = try model.referenceForward(ids: ids, targets: ids, batch: 1, state: RecurrentState(config: model.config, batch: 1)).loss.item()
        let l2 = try loaded.referenceForward(ids: ids, targets: ids, batch: 1, state: RecurrentState(config: loaded.config, batch: 1)).loss.item()
        #expect(l1 == l2)
    }

    func vocabulary(_ i: Interpreter) throws -> Vocabulary {
        guard case .model(let m)? = i.variables["m"] else { throw ModelError("no model") }
        return m.vocabulary
    }

    /// The whole inspection suite on the cell defined here and on the peephole LSTM (a built-in cell with no
    /// fused kernel): both run on their definitions only.
    @Test(arguments: [mgu, .peephole])
    func everyInspectionVerbWorks(_ cell: CellKind) throws {
        let (i, _, output) = try shell(cell)
        try i.run("train m text steps=5")
        _ = output()
        let text = "the cat sat on the mat."
        // Gradients and their flow through time, along h (the cell has no memory).
        try i.run("grads m")
        #expect(output().contains("rnn.weight_hh_l1"))
        try i.run("g = gradflow m \"\(text)\"")
        #expect(output().contains("per step back"))
        if cell.hasCell {
            try i.run("gradflow m \"\(text)\" kind=\"c\"")
            #expect(output().contains("‖∂cost_N/∂c_n‖"))
        } else {
            #expect(throws: ShellError.self) { try i.run("gradflow m \"\(text)\" kind=\"c\"") }
        }
        // Traced states: h and every gate by the names the definition gives them.
        let f = try #require(try i.run("states m \"\(text)\" layer=2 kind=\"\(cell.gateNames[0])\"").value)
        guard case .tensor(let ft) = f else { Issue.record("states gave \(f.kind)"); return }
        #expect(ft.shape == [text.unicodeScalars.count, 6] && ft.data.allSatisfy { $0 > 0 && $0 < 1 })
        let tanhGate = try #require(cell.definition.gates.first { $0.activation == .tanh }?.name)
        guard case .tensor(let nt)? = try i.run("states m \"\(text)\" kind=\"\(tanhGate)\"").value else { Issue.record("no \(tanhGate)"); return }
        #expect(nt.data.contains { $0 < 0 })  // tanh, not a sigmoid gate
        if cell.hasCell {
            guard case .tensor(let ct)? = try i.run("states m \"\(text)\" kind=\"c\"").value else { Issue.record("no c"); return }
            #expect(ct.shape == [text.unicodeScalars.count, 6])
        } else {
            #expect(throws: ShellError.self) { try i.run("states m \"\(text)\" kind=\"c\"") }
        }
        _ = output()
        try i.run("show_cell m 1 2 \"\(text)\"")
        #expect(output().contains("layer 1, unit 2 (\(cell.hasCell ? "tanh(c)" : "h"))"))
        try i.run("found = cells m \"\(text)\"")
        #expect(try i.run("found.word_start").value != nil)
        try i.run("s = select m \"\(text)\" 4 6 threshold=0")
        try i.run("match m \"\(text)\" s")
        _ = output()
        // Saturation reads the sigmoid gates only, not the tanh block.
        try i.run("saturation m \"\(text)\"")
        let sat = output()
        #expect(sat.contains("  1  \(cell.gateNames[0]) ") && !sat.contains("  1  \(tanhGate) "), "\(sat)")
        try i.run("predict m \"the ca\"")
        #expect(!output().isEmpty)
        // One-step Jacobians by autodiff over the definition.
        try i.run("j = jacobians m \"the cat\"")
        #expect(output().contains("σ_max"))
        try i.run("l = lm_loss(m, \"the cat\")")
        guard case .tensor(let lossTensor)? = try i.run("l").value else { Issue.record("lm_loss"); return }
        #expect(lossTensor.count == 1)
        try i.run("l.backward()")
        #expect(try i.run("m.rnn.weight_hh_l0.grad.shape").value?.display == "[\(cell.gates * 6), 6]")
    }

    /// The Jacobian autodiff derives from the definition agrees with finite differences of the same step.
    @Test func jacobianOfTheDefinitionMatchesFiniteDifferences() throws {
        var rng = RandomSource(seed: 5)
        let model = try RecurrentModel(ModelConfig(cell: Self.mgu, vocabSize: 5, hidden: 3, layers: 1, initialization: .pytorch), rng: &rng)
        let w = model.cellWeights(layer: 0), x = Tensor([2])
        let h0: [Float] = [0.3, -0.2, 0.5]
        func step(_ h: [Float]) throws -> [Float] {
            try Tensor.withoutGrad { try MinimalGatedUnit().step(x, CellState(h: Tensor(shape: [1, 3], data: h)), w).h.data }
        }
        // Autodiff: seed each output unit in turn.
        var auto = [[Float]]()
        for k in 0..<3 {
            let h = try Tensor(shape: [1, 3], data: h0, requiresGrad: true)
            let out = try MinimalGatedUnit().step(x, CellState(h: h), CellWeights(
                weightIH: w.weightIH.detached(), weightHH: w.weightHH.detached(), biasIH: w.biasIH.detached(),
                biasHH: w.biasHH.detached(), hidden: 3, oneHotInput: true))
            var seed = [Float](repeating: 0, count: 3)
            seed[k] = 1
            try out.h.backward(seed: Tensor(shape: [1, 3], data: seed))
            auto.append(h.grad?.data ?? [])
        }
        for m in 0..<3 {
            var p = h0, q = h0
            p[m] += 1e-2
            q[m] -= 1e-2
            let a = try step(p), b = try step(q)
            for k in 0..<3 { #expect(Swift.abs((a[k] - b[k]) / 2e-2 - auto[k][m]) < 2e-3) }
        }
    }
}
