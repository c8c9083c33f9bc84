import Foundation
import LMCore
import Testing
@testable import LMShell

/// `train … watch=true` and `m.update_ratio`: the update-to-data ratio log10(‖lr·update‖/‖w‖) per parameter
/// and step, checked against the weights before and after a step.
@Suite("Training monitor")
struct TrainingMonitorTests {
    func shell() throws -> (Interpreter, () -> String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-monitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try String(repeating: "the cat sat on the mat.\nthe dog ate the hat.\n", count: 200)
            .write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        i.output = { box.text += $0 }
        return (i, { box.text })
    }

    @Test func theRatioIsTheStepsUpdateOverTheWeights() throws {
        let (i, _) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = lstm(text, hidden=8, layers=1)")
        try i.run("train m text steps=3 batch=4 seq=8")
        try i.run("W0 = detach(m.rnn.weight_hh_l0)")
        try i.run("train m text steps=1 batch=4 seq=8")
        guard case .tensor(let byHand)? = try i.run("log(norm(m.rnn.weight_hh_l0 - W0) / norm(W0)) / log(10)").value else {
            Issue.record("no ratio by hand")
            return
        }
        guard case .record(let fields)? = try i.run("m.update_ratio").value,
              case .list(let hh)? = fields.first(where: { $0.0 == "rnn.weight_hh_l0" })?.1,
              case .number(let last)? = hh.last else {
            Issue.record("m.update_ratio is not a record of lists")
            return
        }
        #expect(hh.count == 4)
        #expect(fields.map(\.0) == ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "decoder.weight", "decoder.bias"])
        #expect(abs(last - Double(byHand.data[0])) < 1e-3)
    }

    @Test func watchPrintsTheMonitorAndPlotDrawsTheRatios() throws {
        let (i, out) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = rnn(text, hidden=8)")
        try i.run("train m text steps=10 batch=4 seq=8 watch=true")
        let text = out()
        // Ten steps: the monitor every step (steps / 10), each with every parameter.
        #expect(text.components(separatedBy: "update/data log10 per parameter").count - 1 == 10)
        #expect(text.components(separatedBy: "  rnn.weight_hh_l0 ").count - 1 == 10)
        // With each, the gradient's magnitudes and the activations on the probe text.
        #expect(text.components(separatedBy: "log10|∇| −8…0").count - 1 == 60)
        #expect(text.components(separatedBy: "  layer 1  h −1…1 ").count - 1 == 10 && text.contains("dead "))
        try i.run("plot m.update_ratio")
        #expect(out().contains("6 series over 10 steps"))
    }
    func numbers(_ v: Value?) -> [Double] {
        guard case .list(let items)? = v else { return [] }
        return items.compactMap { if case .number(let x) = $0 { return x } else { return nil } }
    }

    /// The ratios are saved with the model and read back by `load`; a later `train` goes on after them.
    @Test func theRatiosAreKeptInTheCheckpoint() throws {
        let (i, _) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = lstm(text, hidden=8, layers=1)")
        try i.run("train m text steps=3 batch=4 seq=8")
        try i.run("save m \"m.lmsh\"")
        try i.run("m2 = load(\"m.lmsh\")")
        guard case .record(let before)? = try i.run("m.update_ratio").value,
              case .record(let after)? = try i.run("m2.update_ratio").value else {
            Issue.record("no ratios"); return
        }
        #expect(before.map(\.0) == after.map(\.0))
        for ((name, a), (_, b)) in zip(before, after) {
            let x = numbers(a), y = numbers(b)
            #expect(x.count == 3 && y.count == 3, "\(name): \(x) against \(y)")
            for (p, q) in zip(x, y) { #expect(Swift.abs(p - q) <= 1e-3 * Swift.max(1, Swift.abs(p)), "\(name): \(p) saved as \(q)") }
        }
        try i.run("train m2 text steps=2 batch=4 seq=8")
        guard case .record(let more)? = try i.run("m2.update_ratio").value else { Issue.record("no ratios"); return }
        #expect(more.allSatisfy { numbers($0.1).count == 5 })
    }

    /// `m.grad_norm` gives the gradient's norm per step before and after clipping: equal without clipping, the
    /// threshold when clipping by norm cut it, and no larger than before when clipping by value.
    @Test func gradNormBeforeAndAfterClipping() throws {
        let (i, _) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        for (clip, mode) in [("0", "norm"), ("0.05", "norm"), ("0.001", "value")] {
            try i.run("m = rnn(text, hidden=8)")
            try i.run("train m text steps=4 batch=4 seq=8 clip=\(clip) clip_mode=\"\(mode)\"")
            guard case .record(let f)? = try i.run("m.grad_norm").value else { Issue.record("no grad_norm"); return }
            let before = numbers(f.first { $0.0 == "before" }?.1), after = numbers(f.first { $0.0 == "after" }?.1)
            #expect(before.count == 4 && after.count == 4)
            let c = Double(clip) ?? 0
            for (b, a) in zip(before, after) {
                switch (c, mode) {
                case (0, _): #expect(a == b)
                case (_, "norm"): #expect(b > c && Swift.abs(a - c) < 1e-6, "\(b) clipped to norm \(c) gave \(a)")
                default: #expect(a < b && a > 0, "\(b) clipped by value \(c) gave \(a)")
                }
            }
        }
    }
}
