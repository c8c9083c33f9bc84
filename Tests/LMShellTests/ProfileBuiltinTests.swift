import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// `profile train m text` and `:profile m text`: the table and the record, the model left as it was (its weights
/// and its own training run), the errors; and the built binary's `-c` with both spellings.
@Suite("profile train")
final class ProfileBuiltinTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    final class Output: @unchecked Sendable { var text = "" }

    static let corpusText = (0..<300).map { ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang."][$0 % 3] }
        .joined(separator: "\n") + "\n"

    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-profile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try Self.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        return dir
    }

    func shell() throws -> (Interpreter, Output) {
        let i = Interpreter(baseDirectory: try folder())
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        return (i, out)
    }

    func error(_ i: Interpreter, _ cell: String) -> ShellError? {
        do {
            _ = try i.run(cell)
            return nil
        } catch let e as ShellError {
            return e
        } catch {
            return nil
        }
    }

    @Test("prints the table and returns ms per step by phase; the rows add up to the step")
    func tableAndRecord() throws {
        let (i, out) = try shell()
        try i.run("m = lstm(text, hidden=16, layers=1)")
        guard case .record(let fields)? = try i.run("profile train m text steps=3 warm=1 batch=4 seq=8").value else {
            Issue.record("profile returned no record")
            return
        }
        let record = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        for title in ["input projection", "recurrent GEMMs forward", "gate math forward", "decoder forward GEMM", "softmax + cross-entropy",
                      "gate math backward", "recurrent GEMMs backward", "gradient norms + clipping", "optimizer update", "other", "step (wall)"] {
            #expect(out.text.contains(title), "the table has no row \(title):\n\(out.text)")
        }
        guard case .number(let step)? = record["step_ms"], case .string("fused")? = record["path"], case .number(3)? = record["steps"] else {
            Issue.record("\(fields)")
            return
        }
        let phases = fields.filter { $0.0.hasSuffix("_ms") && $0.0 != "step_ms" }.compactMap { f -> Double? in
            if case .number(let x) = f.1 { return x } else { return nil }
        }
        #expect(phases.count >= 12)
        #expect(phases.allSatisfy { $0 >= 0 })
        // Rounded to the microsecond per phase.
        #expect(abs(phases.reduce(0, +) - step) <= 0.05 * step + 0.001 * Double(phases.count), "phases \(phases) against the step \(step) ms")
        guard case .number(let opt)? = try i.run("profile(m, text, steps=2, warm=0, batch=4, seq=8).optimizer_ms").value else {
            Issue.record("no optimizer_ms")
            return
        }
        #expect(opt >= 0)
    }

    @Test("the model is unchanged: its weights, and the training run its next train continues")
    func modelUnchanged() throws {
        let (i, _) = try shell()
        try i.run("m = lstm(text, hidden=12, layers=2)")
        try i.run("train m text steps=2 batch=4 seq=8")
        guard case .model(let m)? = i.variables["m"] else { throw ShellError("no model") }
        let trainer = m.trainer
        let weights = m.model.parameters.tensors.map(\.data), steps = m.steps
        try i.run("profile train m text steps=2 warm=1 batch=8 seq=8 lr=0.1 opt=\"adam\"")
        #expect(m.model.parameters.tensors.map(\.data) == weights)
        #expect(m.trainer === trainer)
        #expect(m.steps == steps)
    }

    @Test("a typed model and a transformer are profiled on the tape")
    func tape() throws {
        let (i, out) = try shell()
        try i.run("m = peephole(text, hidden=8, layers=1)")
        guard case .record(let fields)? = try i.run("profile train m text steps=2 warm=0 batch=4 seq=8").value else {
            Issue.record("no record")
            return
        }
        #expect(fields.contains { $0.0 == "backward_tape_ms" } && fields.contains { $0.0 == "forward_graph_ms" })
        #expect(out.text.contains("reference path"))
        try i.run("t = transformer(text, layers=1, heads=2, dim=16, context=8)")
        let before = try #require({ () -> [[Float]]? in if case .transformer(let t)? = i.variables["t"] { return t.model.parameters.tensors.map(\.data) }; return nil }())
        try i.run("profile train t text steps=2 warm=0 batch=4")
        #expect(out.text.contains("autodiff path"))
        if case .transformer(let t)? = i.variables["t"] { #expect(t.model.parameters.tensors.map(\.data) == before) }
    }

    @Test("a non-model, a missing text, steps=0 and another verb: one positioned error with a hint each")
    func errors() throws {
        let (i, _) = try shell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        let cases: [(String, String, Int)] = [
            ("profile train 3 text", "recurrent model or a transformer, got a number", 15),
            ("profile train m", "needs a text", 15),
            ("profile train m text steps=0", "steps must be at least 1", 22),
            ("profile sample m text", "not sample", 9),
            ("profile train m 3", "expected a corpus", 17),
        ]
        for (cell, message, column) in cases {
            let e = try #require(error(i, cell), "\(cell) did not fail")
            #expect(e.message.contains(message), "\(cell): \(e.message)")
            #expect(e.location?.column == column, "\(cell): at \(String(describing: e.location))")
            if !message.hasPrefix("expected a corpus") { #expect(e.hint != nil, "\(cell) has no hint") }
        }
    }

    @Test("the binary: profile train and :profile under -c and in a script print the table's rows")
    func endToEnd() throws {
        let dir = try folder()
        let cells = """
            text = corpus("input.txt", val=0.1, batch=4, seq=8)
            m = lstm(text, hidden=16, layers=1)
            p = profile train m text steps=3 warm=1 batch=4 seq=8
            p.steps
            :profile m text steps=3 warm=1 batch=4 seq=8 threads=1
            :profile train m text steps=3 warm=1 batch=4 seq=8
            """
        let r = try EndToEndTests.run(["-c", cells], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let tables = r.stdout.components(separatedBy: "profile: 3 training steps of a 1 × 16 LSTM").count - 1
        #expect(tables == 3, "\(r.stdout)")
        for title in ["input projection", "recurrent GEMMs forward", "gate math forward", "decoder forward GEMM", "gate math backward",
                      "recurrent GEMMs backward", "gradient norms + clipping", "optimizer update", "other (the step minus the phases above)",
                      "step (wall)", "optimizer_ms: "] {
            #expect(r.stdout.contains(title), "no \(title) in:\n\(r.stdout)")
        }
        #expect(r.stdout.contains("\n3\n"), "p.steps")
        let bad = try EndToEndTests.run(["-c", cells.split(separator: "\n")[0...1].joined(separator: "\n") + "\nprofile train m text steps=0"], cwd: dir)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("-c:3:22: error: steps must be at least 1"), "\(bad.stderr)")
        // In a script, as at the prompt; a failing :profile fails the script.
        try (cells + "\n:profile m text steps=0\n").write(to: dir.appendingPathComponent("p.lmsh"), atomically: true, encoding: .utf8)
        let script = try EndToEndTests.run(["p.lmsh"], cwd: dir)
        #expect(script.stdout.components(separatedBy: "profile: 3 training steps of a 1 × 16 LSTM").count - 1 == 3, "\(script.stdout)")
        #expect(script.status != 0)
        #expect(script.stderr.contains("p.lmsh:7:"), "\(script.stderr)")
        #expect(script.stderr.contains("steps must be at least 1"), "\(script.stderr)")
        // A file may not widen its own access or write outside the trust rule: :trust and :export stay with the user.
        try ":vars\n:trust p.lmsh\n:export ../outside.html\n".write(to: dir.appendingPathComponent("w.lmsh"), atomically: true, encoding: .utf8)
        let widen = try EndToEndTests.run(["w.lmsh"], cwd: dir)
        #expect(widen.status != 0)
        #expect(widen.stderr.contains("w.lmsh:2:1: error: :trust works only at the prompt or under -c"), "\(widen.stderr)")
        #expect(!widen.stdout.contains("trusted"), "\(widen.stdout)")
    }
}
