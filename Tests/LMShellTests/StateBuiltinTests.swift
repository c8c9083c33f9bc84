import Foundation
import LMCore
import LMInspect
import LMModels
import Testing
@testable import LMShell

/// The state and picture verbs, checked against LMInspect called directly.
extension BuiltinTests {
    func model(_ i: Interpreter, _ name: String = "m") throws -> ModelValue {
        guard case .model(let m) = try value(i, name) else { throw ShellError("\(name) is not a model") }
        return m
    }

    func directTrace(_ m: ModelValue, _ text: String) throws -> StateTrace {
        try StateTrace.run(m.model, ids: try m.vocabulary.encode(text).map(Int.init))
    }

    func checkStateVerb(_ name: String) throws {
        let (i, out) = try shell()
        try i.run("text = corpus(\"input.txt\")")
        try i.run("m = lstm(text, hidden=6, layers=2)")
        let sentence = "the cat sat on the mat. the dog."
        let m = try model(i)
        let trace = try directTrace(m, sentence)
        switch name {
        case "states":
            let s = try tensor(i, "states m \"\(sentence)\" layer=2 kind=\"f\"")
            #expect(s.shape == [sentence.count, 6])
            #expect(s.data == (try trace.values(layer: 1, kind: "f")))
            #expect(out.text.contains("\(sentence.count) steps × 6 units") && out.text.contains("      the cat sat"))
            #expect(!out.text.contains("\u{1B}"))
            // In colour, the same call draws with escapes.
            i.configuration.colorMode = .trueColor
            _ = try i.run("states m \"the\"")
            #expect(out.text.contains("\u{1B}[48;2;"))
            let e = try #require(failure(i, "states m \"the\" kind=\"z\""))
            #expect(e.message.contains("has no state \"z\"") && e.location == LMShell.SourceLocation(line: 1, column: 16))
            let e2 = try #require(failure(i, "states m \"the\" layer=3"))
            #expect(e2.message.contains("layer 3 is outside 1...2") && e2.hint == "layers are numbered from 1")
            let e3 = try #require(failure(i, "states m \"thé\""))
            #expect(e3.location == LMShell.SourceLocation(line: 1, column: 10))
        case "show_cell":
            let r = try record(i, "show_cell m 2 4 \"\(sentence)\"")
            guard case .tensor(let v)? = r["values"], case .string(let t)? = r["text"] else { Issue.record("cell gave no values"); return }
            let act = try trace.activations(layer: 1)
            let expected: [Float] = (0..<sentence.count).map { (t: Int) -> Float in act[t * 6 + 4] }
            #expect(v.data == expected)
            #expect(t == sentence)
            #expect(out.text.hasPrefix("layer 2, unit 4 (tanh(c)):\nthe cat"))
            let e = try #require(failure(i, "show_cell m 1 6 \"the\""))
            #expect(e.message.contains("unit 6 is outside 0...5") && e.location == LMShell.SourceLocation(line: 1, column: 15))
        case "feature":
            let r = try record(i, "feature(\"arrow\", \"->\")")
            #expect(r["name"]?.display == "arrow" && r["pattern"]?.display == "->")
            let e = try #require(failure(i, "feature(\"bad\", \"(\")"))
            #expect(e.message.contains("not a valid regular expression") && e.location == LMShell.SourceLocation(line: 1, column: 16))
        case "cells":
            let r = try record(i, "cells m \"\(sentence)\" top=2 show=1 features=[feature(\"t\", \"t\")]")
            let finder = try CellFinder.find(trace, features: try FeatureTracks.compute(Array(sentence.unicodeScalars), user: [("t", "t")]), top: 2)
            guard case .list(let starts)? = r["word_start"], case .record(let best)? = starts.first,
                  case .number(let rr)? = best.first(where: { $0.0 == "r" })?.1 else { Issue.record("cells gave no word_start"); return }
            let q = try #require(finder.features.names.firstIndex(of: "word_start"))
            #expect(Swift.abs(rr - finder.top[q][0].correlation) < 1e-12 && starts.count == 2)
            #expect(r["t"] != nil && r["quotes"]?.display == "[]")
            #expect(out.text.contains("(constant over this text)") && out.text.contains("word_start") && out.text.contains("r = "))
            let e = try #require(failure(i, "cells m \"the\" features=3"))
            #expect(e.message.contains("features must be a list"))
        case "select":
            let r = try record(i, "select m \"\(sentence)\" 4 6 threshold=0 layer=1")
            let direct = try Selection.select(try trace.values(layer: 0, kind: "h"), hidden: 6, layer: 0, from: 4, to: 6, threshold: 0)
            #expect(r["units"]?.display == "[" + direct.units.map(String.init).joined(separator: ", ") + "]")
            #expect(out.text.contains("over 4…6 \"cat\""))
            let e = try #require(failure(i, "select m \"the\" 2 9"))
            #expect(e.message.contains("not inside the text") && e.location == LMShell.SourceLocation(line: 1, column: 16))
        case "match":
            try i.run("s = select m \"\(sentence)\" 0 2 threshold=(-1)")
            guard case .list(let ms) = try value(i, "match m \"\(sentence)\" s top=2") else { Issue.record("match gave no list"); return }
            // Every cell is above −1 everywhere, so the best windows are full matches that avoid 0…2.
            #expect(ms.count == 2)
            for item in ms {
                guard case .record(let f) = item, case .number(let from)? = f.first(where: { $0.0 == "from" })?.1,
                      case .number(let score)? = f.first(where: { $0.0 == "score" })?.1 else { Issue.record("bad match"); continue }
                #expect(score == 1 && from > 2)
            }
            let e = try #require(failure(i, "match m \"the\" 3"))
            #expect(e.message.contains("expected the result of select") && e.location == LMShell.SourceLocation(line: 1, column: 15))
        case "saturation":
            let r = try record(i, "saturation m \"\(sentence)\"")
            let direct = try Saturation.measure(trace)
            guard case .list(let gates)? = r["gates"] else { Issue.record("saturation gave no gates"); return }
            #expect(gates.count == 6)
            guard case .record(let g0) = gates[1], case .number(let ml)? = g0.first(where: { $0.0 == "mean_right" })?.1 else { Issue.record("no gate"); return }
            #expect(Swift.abs(ml - direct.gates[1].meanRight) < 1e-12)
            #expect(out.text.contains("left-saturated") && out.text.contains("layer 2, gate o"))
        case "predict":
            let r = try record(i, "predict m \"the cat\" top=3")
            guard case .tensor(let probs)? = r["probs"], case .tensor(let ids)? = r["ids"] else { Issue.record("predict gave no probs"); return }
            let direct = Prediction.of(try directTrace(m, "the cat"), top: 3)
            #expect(probs.shape == [7, 3] && ids.shape == [7, 3])
            #expect(zip(probs.data, direct.guesses.flatMap { $0.map(\.probability) }).allSatisfy { Swift.abs(Double($0) - $1) < 1e-6 })
            #expect(out.text.contains("    0 t →") && out.text.contains("(h came:"))
        case "jacobians":
            let r = try record(i, "jacobians m \"\(sentence)\"")
            let direct = try Jacobians.measure(m.model, trace: trace)
            guard case .tensor(let norms)? = r["norms"] else { Issue.record("jacobians gave no norms"); return }
            #expect(norms.shape == [2, sentence.count])
            #expect(zip(norms.data, direct.norms.flatMap { $0 }).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-6 * Swift.max(1, $1) })
            #expect(r["state"]?.display == "(h, c)" && out.text.contains("geometric mean"))
        default:
            Issue.record("no state check for \(name)")
        }
    }

    func checkPicture(_ name: String) throws {
        let (i, out) = try shell()
        switch name {
        case "plot":
            let r = try record(i, "plot [4, 3, 2, 1] height=4")
            #expect(r["count"]?.display == "4" && r["min"]?.display == "1" && r["last"]?.display == "1")
            #expect(out.text.contains("        4 ┤•") && out.text.contains("█"))
            try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
            try i.run("m = rnn(text, hidden=8)")
            let e = try #require(failure(i, "plot m.history"))
            #expect(e.message.contains("nothing to plot") && e.hint?.contains("train") == true)
            try i.run("train m text steps=3 batch=2 seq=8")
            let h = try record(i, "plot m.history")
            #expect(h["count"]?.display == "3")
            let e2 = try #require(failure(i, "plot \"x\""))
            #expect(e2.location == LMShell.SourceLocation(line: 1, column: 6))
            // A list of series is overlaid on one scale, each with its mark; a shorter one ends early.
            let o = try record(i, "plot [[4, 3, 2, 1], [4, 4]] names=[\"falls\", \"stopped\"] height=4")
            #expect(o["count"]?.display == "2" && o["min"]?.display == "1" && o["max"]?.display == "4")
            #expect(out.text.contains("• falls (4 steps)   × stopped (2 steps)"), "\(out.text)")
            let top = out.text.split(separator: "\n").last { $0.hasPrefix("        4 ┤") } ?? ""
            #expect(top.contains("×") && top.hasSuffix(" "), "the stopped series draws only the first half: \(top)")
            let e3 = try #require(failure(i, "plot [[1, 2], [3]] names=[\"a\"]"))
            #expect(e3.message.contains("names has 1 entries for 2 series"))
        case "export":
            try i.run("text = corpus(\"input.txt\")")
            try i.run("m = lstm(text, hidden=6, layers=1)")
            try i.run("c = show_cell m 1 2 \"the cat.\"")
            #expect(try value(i, "export c \"cell.html\" title=\"quote cell\"").display == "cell.html")
            let html = try String(contentsOf: i.configuration.baseDirectory.appendingPathComponent("cell.html"), encoding: .utf8)
            #expect(html.contains("<title>quote cell</title>") && html.contains(".</span>") && html.contains("data-v="))
            try i.run("s = states m \"the cat\" kind=\"c\"")
            try i.run("export s \"states.html\" text=\"the cat\"")
            let map = try String(contentsOf: i.configuration.baseDirectory.appendingPathComponent("states.html"), encoding: .utf8)
            #expect(map.contains("T = 7, U = 6"))
            try i.run("export [3, 2, 1] \"loss.svg\"")
            let svg = try String(contentsOf: i.configuration.baseDirectory.appendingPathComponent("loss.svg"), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"))
            try i.run("g = gradflow m \"the cat sat on the mat.\"")
            try i.run("export g \"flow.svg\"")
            #expect(try String(contentsOf: i.configuration.baseDirectory.appendingPathComponent("flow.svg"), encoding: .utf8).contains("(log)"))
            try i.run("export saturation(m, \"the cat sat\") \"sat.svg\"")
            #expect(try String(contentsOf: i.configuration.baseDirectory.appendingPathComponent("sat.svg"), encoding: .utf8).contains("<circle"))
            #expect(out.text.contains("wrote loss.svg"))
            let e = try #require(failure(i, "export s \"s.svg\""))
            #expect(e.message.contains("no .svg picture of a tensor") && e.location == LMShell.SourceLocation(line: 1, column: 8))
            let e2 = try #require(failure(i, "export s \"s.png\""))
            #expect(e2.message.contains(".html or .svg"))
        default:
            Issue.record("no picture check for \(name)")
        }
    }
}

@Suite("Side-by-side gradient flow")
struct SideBySideFlowTests {
    @Test func listOfModelsDrawsOneColumnEach() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-flow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try BuiltinTests.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        var text = ""
        i.output = { text += $0 }
        try i.run("text = corpus(\"input.txt\")")
        try i.run("a = rnn(text, hidden=8)")
        try i.run("b = lstm(text, hidden=8, layers=1, cell=\"coupled\")")
        let v = try #require(try i.run("gradflow [a, b] \"the cat sat on the mat.\" rows=5").value)
        guard case .list(let items) = v, items.count == 2, case .record(let first) = items[0],
              case .tensor(let norms)? = first.first(where: { $0.0 == "norms" })?.1,
              case .model(let a) = try #require(i.variables["a"]) else { Issue.record("gradflow gave no list"); return }
        let direct = try GradientFlow.measure(a.model, ids: try a.vocabulary.encode("the cat sat on the mat.").map(Int.init))
        #expect(zip(norms.data, direct.norms[0]).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-6 * Swift.max(1, $1) })
        #expect(text.contains("rnn 8: ×") && text.contains("coupled 8: ×"))
        #expect(throws: ShellError.self) { try i.run("gradflow [a, 3] \"the cat\"") }

        // kind="c" reads the LSTM along its cell (the RNN in the same list keeps h); forget_bias sets the gate.
        try i.run("f = lstm(text, hidden=8, layers=1, cell=\"coupled\", forget_bias=3)")
        guard case .model(let f) = try #require(i.variables["f"]), case .model(let b) = try #require(i.variables["b"]) else { return }
        let fb = try #require(f.model.parameters["rnn.bias_ih_l0"])
        #expect(fb.data[0..<8].allSatisfy { $0 == 3 } && !fb.data[8..<16].contains(3))
        text = ""
        let cv = try #require(try i.run("gradflow [a, b] \"the cat sat on the mat.\" rows=5 kind=\"c\"").value)
        let ids = try b.vocabulary.encode("the cat sat on the mat.").map(Int.init)
        let cellFlow = try GradientFlow.measure(b.model, ids: ids, through: .cell)
        guard case .list(let cItems) = cv, case .record(let second) = cItems[1],
              case .tensor(let cNorms)? = second.first(where: { $0.0 == "norms" })?.1 else { Issue.record("no cell flow"); return }
        #expect(zip(cNorms.data, cellFlow.norms[0]).allSatisfy { Swift.abs(Double($0) - $1) <= 1e-6 * Swift.max(1, $1) })
        #expect(text.contains("coupled 8 ∂c: ×"))
        #expect(throws: ShellError.self) { try i.run("gradflow a \"the cat sat\" kind=\"c\"") }
        #expect(throws: ShellError.self) { try i.run("gradflow b \"the cat sat\" kind=\"x\"") }
        #expect(throws: ShellError.self) { try i.run("rnn(text, hidden=8, forget_bias=2)") }
    }
}

@Suite("Session as a notebook")
struct NotebookExportTests {
    /// `:export NAME.html` renders the recorded cells; coloured output keeps its colours as spans.
    @Test func recordBecomesHTML() {
        let coloured = "\u{1B}[48;2;31;119;180m\u{1B}[38;2;255;255;255mx\u{1B}[0m\n"
        let record = SessionRecord(cells: [.init(source: "a = 1", output: ""), .init(source: "cell <x>", output: coloured)])
        let html = record.notebookHTML(title: "lesson")
        #expect(html.contains("<title>lesson</title>") && html.contains("In [2]: cell &lt;x&gt;"))
        #expect(html.contains("<span style=\"background:#1f77b4;color:#ffffff\">x</span>"))
        #expect(!html.contains("\u{1B}"))
    }
}
