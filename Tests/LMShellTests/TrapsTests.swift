import Foundation
import LMCore
import Testing
@testable import LMShell

/// Traps a student falls into, each closed: `-c` takes newline-separated cells and meta-commands, `.grad` of a
/// tensor with no gradient says why, and a setting that would do nothing is refused with the reason.
@Suite("Traps")
struct TrapsTests {
    final class Output: @unchecked Sendable { var text = "" }

    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-traps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try String(repeating: "the cat sat on the mat.\n", count: 100).write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(configuration: .init(baseDirectory: dir, environment: [:]))
        let out = Output()
        i.output = { out.text += $0 }
        return (i, out)
    }

    @Test func gradOfATensorWithoutOneSaysWhy() throws {
        let (i, out) = try shell()
        try i.run("x = tensor([1, 2])")
        #expect(try i.run("type(x.grad)").value?.display == "none")
        #expect(out.text.contains(".grad is none: it does not require grad"), "\(out.text)")
        out.text = ""
        try i.run("w = param(tensor([1, 2]))")
        try i.run("w.grad")
        #expect(out.text.contains("no backward() has reached it yet"))
        out.text = ""
        try i.run("y = w * 2")
        try i.run("l = sum(y)")
        try i.run("l.backward()")
        try i.run("y.grad")
        #expect(out.text.contains("it is not a leaf"))
        out.text = ""
        guard case .tensor(let g)? = try i.run("w.grad").value else { Issue.record("w has a gradient now"); return }
        #expect(g.data == [2, 2] && out.text.isEmpty)
    }

    /// A NaN in training is a result the script reads (`r.diverged`, `r.diverged_at`), shown as a warning: the model
    /// is left after its last good step and the next cell runs.
    @Test func aDivergedTrainingIsAResultNotAnError() throws {
        let (i, out) = try shell()
        try i.run("text = corpus(\"input.txt\", batch=4, seq=8)")
        try i.run("m = rnn(text, hidden=4)")
        try i.run("ok = train m text steps=2 batch=4 seq=8 opt=\"gd\" lr=0.1 clip=0")
        #expect(try i.run("ok.diverged").value?.display == "false")
        try i.run("r = train m text steps=40 batch=4 seq=8 opt=\"gd\" lr=3e38 clip=0")
        #expect(try i.run("r.diverged").value?.display == "true")
        guard case .number(let at)? = try i.run("r.diverged_at").value, case .number(let steps)? = try i.run("m.steps").value else {
            Issue.record("no step numbers"); return
        }
        #expect(steps == at - 1 && at > 2, "diverged at \(at), the model has \(steps) steps")
        #expect(out.text.contains("warning: training stopped at step \(Int(at))"), "\(out.text)")
        guard case .model(let m)? = i.variables["m"] else { return }
        #expect(m.model.parameters.tensors.allSatisfy { $0.data.allSatisfy(\.isFinite) })
    }

    /// A tanh RNN's loss stays finite however far a huge step throws its weights, so NaN alone would never stop
    /// it: char-rnn's rule stops a loss above 3× the first step's, as a divergence the script reads.
    @Test func anExplodingLossIsADivergence() throws {
        let (i, out) = try shell()
        try i.run("text = corpus(\"input.txt\", batch=4, seq=8)")
        try i.run("m = rnn(text, hidden=8)")
        try i.run("r = train m text steps=60 batch=4 seq=8 opt=\"gd\" lr=5 clip=0")
        #expect(try i.run("r.diverged").value?.display == "true")
        guard case .number(let at)? = try i.run("r.diverged_at").value, case .number(let steps)? = try i.run("m.steps").value,
              case .number(let first)? = try i.run("m.loss_history[0]").value,
              case .number(let worst)? = try i.run("item(max(tensor(m.loss_history)))").value else {
            Issue.record("no figures"); return
        }
        #expect(at > 2 && steps == at - 1, "diverged at \(at), the model has \(steps) steps")
        #expect(worst <= 3 * first, "the kept steps' losses stay within 3× the first: \(worst) against \(first)")
        #expect(out.text.contains("the loss is exploding"), "\(out.text)")
    }

    @Test func dropoutOnOneLayerIsRefused() throws {
        let (i, _) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        do {
            try i.run("m = lstm(text, hidden=4, layers=1, dropout=0.5)")
            Issue.record("dropout on one layer was accepted")
        } catch let e as ShellError {
            #expect(e.message.contains("has no effect on a one-layer model"), "\(e)")
            #expect(e.location?.column == 36 || e.location?.column == 44, "the caret is under dropout: \(String(describing: e.location))")
        }
        try i.run("m = lstm(text, hidden=4, layers=2, dropout=0.5)")
    }

    @Test func commandLineCellsSplitOnNewlinesAndRunMetaCommands() throws {
        guard EndToEndTests.binary != nil else { return }
        let r = try EndToEndTests.run(["-c", "a = 1\nb = [a,\n  a + 1]\nb; len(b)\n:vars"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("[1, 2]") && r.stdout.contains("\n2\n"), "\(r.stdout)")
        #expect(r.stdout.contains("a: number") && r.stdout.contains("b: list"), "\(r.stdout)")
        let bad = try EndToEndTests.run(["-c", "a = 1\nb = a +\nc = 2"])
        #expect(bad.status == 1 && bad.stderr.contains("-c:"), "\(bad.stderr)")
    }
}
