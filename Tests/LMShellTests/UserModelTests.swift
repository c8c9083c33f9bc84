import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// A model a user writes (`recurrent(…)` around a typed step) trains, samples, saves and is inspected like
/// the built-in ones, and the slide's coupled LSTM typed with the built-in's initial weights trains to the
/// built-in's losses.
@Suite("User-defined models")
final class UserModelTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-usermodel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = (0..<400).map { ["the cat sat on the mat.", "\"a dog,\" she said.", "if (x) { y = 1; }"][$0 % 3] }.joined(separator: "\n")
        try text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func shell() -> (Interpreter, () -> String) {
        let i = Interpreter(baseDirectory: dir)
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        i.output = { box.text += $0 }
        return (i, { box.text })
    }

    /// The slide's coupled LSTM with the weights of `lstm(text, cell="coupled", layers=1)`, split into the
    /// slide's matrices (two biases per gate, as PyTorch and the fused kernel have them).
    static let coupledCells = [
        "text = corpus(\"input.txt\")", "H = 12", "V = text.vocab_size",
        "ref = lstm(text, cell=\"coupled\", hidden=H, layers=1)",
        "Wi = ref.rnn.weight_ih_l0", "Wh = ref.rnn.weight_hh_l0", "bi = ref.rnn.bias_ih_l0", "bh = ref.rnn.bias_hh_l0",
        "Wxf = param(Wi[0:H].T)", "Wxo = param(Wi[H:2*H].T)", "Wxg = param(Wi[2*H:3*H].T)",
        "Whf = param(Wh[0:H].T)", "Who = param(Wh[H:2*H].T)", "Whg = param(Wh[2*H:3*H].T)",
        "bxf = param(bi[0:H])", "bxo = param(bi[H:2*H])", "bxg = param(bi[2*H:3*H])",
        "bhf = param(bh[0:H])", "bho = param(bh[H:2*H])", "bhg = param(bh[2*H:3*H])",
        "Wy = param(ref.decoder.weight.T)", "by = param(ref.decoder.bias)",
        """
        def coupled_step(x, state) {
          h, c = state
          f = sigmoid(x @ Wxf + bxf + h @ Whf + bhf)
          o = sigmoid(x @ Wxo + bxo + h @ Who + bho)
          g = tanh(x @ Wxg + bxg + h @ Whg + bhg)
          c2 = c * f + g * (1 - f)
          return [tanh(c2) * o, c2]
        }
        """,
        "m = recurrent(text, step=coupled_step, state=[zeros(H), zeros(H)], params=[Wxf, Wxo, Wxg, Whf, Who, Whg, bxf, bxo, bxg, bhf, bho, bhg], out=[Wy, by])",
    ]

    func number(_ i: Interpreter, _ cell: String) throws -> Double {
        guard case .number(let x)? = try i.run(cell).value else { Issue.record("\(cell) is not a number"); return .nan }
        return x
    }

    @Test func theTypedCoupledLSTMTrainsAsTheBuiltInOne() throws {
        let (i, _) = shell()
        for c in Self.coupledCells { try i.run(c) }
        // The fused kernel and the typed step: same data order, same optimizer, same losses.
        try i.run("r1 = train ref text steps=12 batch=8 seq=16")
        try i.run("r2 = train m text steps=12 batch=8 seq=16")
        let a = try number(i, "r1.train_loss"), b = try number(i, "r2.train_loss")
        #expect(abs(a - b) < 1e-4, "built-in \(a), typed \(b)")
        guard case .list(let h1)? = try i.run("ref.loss_history").value, case .list(let h2)? = try i.run("m.loss_history").value else {
            Issue.record("no loss histories")
            return
        }
        #expect(h1.count == 12 && h2.count == 12)
        for (x, y) in zip(h1, h2) {
            guard case .number(let u) = x, case .number(let v) = y else { continue }
            #expect(abs(u - v) < 1e-4)
        }
        // Training moved the user's own tensors (the model holds them, as a PyTorch module would).
        #expect(try number(i, "item(max(abs(Wxf - Wi[0:H].T)))") > 0)
        let e1 = try number(i, "eval(ref, text.val).nats"), e2 = try number(i, "eval(m, text.val).nats")
        #expect(abs(e1 - e2) < 1e-4)
    }

    @Test func everyVerbTakesIt() throws {
        let (i, out) = shell()
        for c in Self.coupledCells { try i.run(c) }
        try i.run("train m text steps=5 batch=8 seq=16")
        try i.run("T = \"\\\"a dog,\\\" she said.\\nif (x) { y = 1; }\"")
        let cells: [String] = [
            "sample m 40 seed=3 prime=\"the \"", "predict m \"the ca\" top=3", "states m T kind=\"c\"", "show_cell m 1 2 T",
            "cells m T", "sel = select m T 1 4 threshold=0", "match m T sel top=2", "saturation m T", "jacobians m T",
            "gradflow m T rows=4", "gradflow m T rows=4 kind=\"c\"",
        ]
        for c in cells {
            do { try i.run(c) } catch { Issue.record("\(c): \(error)") }
        }
        #expect(out().contains("layer 1: ‖∂cost_N/∂c_n‖"))
        #expect(try i.run("m.plan.reason").value?.display == "the user:coupled_step cell has no fused kernel: its definition runs step by step on autodiff ops")
    }

    @Test func timeReportsTheAutodiffTapeOfATypedModel() throws {
        let (i, _) = shell()
        for c in Self.coupledCells { try i.run(c) }
        let lines = i.timeReport(of: "train m text steps=3 batch=8 seq=16") { _ = try? i.run("train m text steps=3 batch=8 seq=16") }
        let tape = try #require(lines.first { $0.hasPrefix("autodiff tape: ") })
        // Per step: 16 time steps of the typed cell (about 20 ops each) plus the decoder and the loss.
        let perStep = try #require(Double(tape.split(separator: "(")[1].split(separator: " ")[0]))
        #expect(perStep > 16 * 15 && perStep < 16 * 40, "\(tape)")
        #expect(tape.contains("3 backward passes"))
        #expect(lines.contains { $0.hasPrefix("m: reference path") })
        // The fused built-in records no tape.
        let fused = i.timeReport(of: "train ref text steps=2 batch=8 seq=16") { _ = try? i.run("train ref text steps=2 batch=8 seq=16") }
        #expect(!fused.contains { $0.hasPrefix("autodiff tape") })
    }

    @Test func aSavedUserModelLoadsIntoAFreshSessionWithItsStep() throws {
        let (i, _) = shell()
        for c in Self.coupledCells { try i.run(c) }
        try i.run("train m text steps=4 batch=8 seq=16")
        try i.run("save m \"typed.safetensors\"")
        let before = try number(i, "eval(m, text.val).nats")
        // A fresh session: none of the names the step reads exist there; the checkpoint's tensors stand in.
        let (j, _) = shell()
        try j.run("text = corpus(\"input.txt\")")
        try j.run("m2 = load(\"typed.safetensors\")")
        let after = try number(j, "eval(m2, text.val).nats")
        #expect(abs(before - after) < 1e-6)
        #expect(try number(j, "m2.steps") == 4)
        try j.run("train m2 text steps=2 batch=8 seq=16")
        #expect(try number(j, "m2.steps") == 6)
    }

    @Test func aStepsHelperFunctionsTravelWithItsCheckpoint() throws {
        let (i, _) = shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("V = text.vocab_size")
        try i.run("Wx = param(randn(V, 6, std=0.3, seed=1))")
        try i.run("Wh = param(randn(6, 6, std=0.3, seed=2))")
        try i.run("Wy = param(randn(6, V, std=0.3, seed=3))")
        try i.run("by = param(zeros(V))")
        // The helper reads the weights by their session names; the step calls it.
        try i.run("def pre(x, h) = x @ Wx + h @ Wh")
        try i.run("scale = 0.5")
        try i.run("def squash(z) { return tanh(z * scale) }")
        try i.run("def step2(x, state) { return [squash(pre(x, state[0]))] }")
        try i.run("m = recurrent(text, step=step2, state=[zeros(6)], params=[Wx, Wh], out=[Wy, by])")
        try i.run("save m \"helpers.safetensors\"")
        let before = try number(i, "eval(m, text.val).nats")
        let (j, _) = shell()
        try j.run("text = corpus(\"input.txt\")")
        try j.run("m2 = load(\"helpers.safetensors\")")
        #expect(abs(try number(j, "eval(m2, text.val).nats") - before) < 1e-6)
        // A helper defined beside other statements has no source of its own: saving says so.
        try i.run("x0 = 1; def pre(x, h) = x @ Wx + h @ Wh + 0")
        try i.run("m3 = recurrent(text, step=step2, state=[zeros(6)], params=[Wx, Wh], out=[Wy, by])")
        do {
            try i.run("save m3 \"m3.safetensors\"")
            Issue.record("saved a model whose helper has no source")
        } catch let e as ShellError {
            #expect(e.message == "cannot save: the function pre was not defined in a cell of its own, so its source is unknown")
        }
    }

    @Test func aCheckpointsStepSourceIsParsedNeverRun() throws {
        let (i, _) = shell()
        for c in Self.coupledCells { try i.run(c) }
        try i.run("save m \"typed.safetensors\"")
        let url = dir.appendingPathComponent("typed.safetensors")
        var f = try SafeTensorsFile.read(from: url)
        // A source that is not one definition (here: a definition and a statement that writes a file).
        f.metadata["lmsh.step_source"] = "save m \"pwned.safetensors\"; def coupled_step(x, state) = state"
        try f.write(to: url)
        let (j, _) = shell()
        do {
            try j.run("m2 = load(\"typed.safetensors\")")
            Issue.record("a tampered step source loaded")
        } catch let e as ShellError {
            #expect(e.message == "the checkpoint's step source is not one def")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("pwned.safetensors").path))
    }

    @Test func aStepThatFailsInTrainingIsAnErrorAtTheTrainCellAndTheModelKeepsItsWeights() throws {
        let (i, _) = shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("V = text.vocab_size")
        try i.run("Wq = param(randn(V, 3, std=0.1, seed=1))")
        try i.run("Uq = param(randn(3, 3, std=0.1, seed=2))")
        try i.run("Wo = param(randn(3, V, std=0.1, seed=3))")
        try i.run("bo = param(zeros(V))")
        try i.run("fail = 0")
        // The step reads a session name (fail) that is not a parameter: allowed, and here it breaks the step.
        try i.run("def flaky(x, state) { if fail { return [x] }; return [tanh(x @ Wq + state[0] @ Uq)] }")
        try i.run("m = recurrent(text, step=flaky, state=[zeros(3)], params=[Wq, Uq], out=[Wo, bo])")
        try i.run("train m text steps=2 batch=4 seq=8")
        try i.run("fail = 1")
        let before = try number(i, "item(sum(Wq))")
        do {
            try i.run("train m text steps=2 batch=4 seq=8")
            Issue.record("a broken step trained")
        } catch let e as ShellError {
            #expect(e.message == "item 1 of the state flaky returns has shape \(shapeString([4, Int(try number(i, "V"))])), not \(shapeString([4, 3]))")
            #expect(e.location == SourceLocation(line: 1, column: 1))
        }
        #expect(try number(i, "item(sum(Wq))") == before)
        #expect(try number(i, "m.steps") == 2)
        // Redefining the name changes nothing for m: it holds the function it was made with.
        try i.run("fail = 0")
        try i.run("def flaky(x, state) = 1 / 0")
        try i.run("train m text steps=1 batch=4 seq=8")
        #expect(try number(i, "m.steps") == 3)
    }
}
