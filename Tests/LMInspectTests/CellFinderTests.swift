import Foundation
import LMCore
import LMModels
import Testing
@testable import LMInspect

@Suite("Feature tracks")
struct FeatureTrackTests {
    func track(_ text: String, _ name: String, user: [(String, String)] = []) throws -> [Double] {
        try #require(try FeatureTracks.compute(Array(text.unicodeScalars), user: user)[name])
    }

    @Test func structuralFeatures() throws {
        #expect(try track("ab\ncd", "line_position") == [0, 1, 2, 0, 1])
        #expect(try track("a\"b\"c", "quotes") == [0, 1, 1, 0, 0])
        // An escaped quote does not close the string; a quote inside a comment does not open one.
        #expect(try track("\"a\\\"b\"c", "quotes") == [1, 1, 1, 1, 1, 0, 0])
        #expect(try track("/*\"*/x", "quotes") == [0, 0, 0, 0, 0, 0])
        #expect(try track("/*\"*/x", "comment") == [1, 1, 1, 1, 0, 0])
        // Prose: a quote runs over a hard-wrapped line and stops at a paragraph's end when left open.
        #expect(try track("\"a\nb\"c", "quotes") == [1, 1, 1, 1, 0, 0])
        #expect(try track("\"a\n\nb", "quotes") == [1, 1, 1, 0, 0])
        // C: '"' is a character, and \" outside a string is part of one ('\"').
        #expect(try track("'\"'x", "quotes") == [0, 0, 0, 0])
        #expect(try track("'\\\"'x", "quotes") == [0, 0, 0, 0, 0])
        #expect(try track("/*/x", "comment") == [1, 1, 1, 1])
        #expect(try track("a//b\nc", "comment") == [0, 1, 1, 1, 0, 0])
        #expect(try track("f(a(b))c", "parens") == [0, 1, 1, 1, 1, 1, 0, 0])
        #expect(try track("{a{b}}", "brace_depth") == [1, 1, 2, 2, 1, 0])
        #expect(try track("ab cd", "word_start") == [1, 0, 0, 1, 0])
    }

    @Test func ifBodies() throws {
        let text = "if (a) { b; }c; if (x) y; z; iff (q) { r }"
        let t = try track(text, "if_body")
        let s = Array(text)
        func at(_ ch: Character, after k: Int = 0) -> Double { t[s[k...].firstIndex(of: ch) ?? 0] }
        #expect(at("b") == 1 && at("a") == 0 && at("c") == 0)
        #expect(at("y") == 1 && at("z") == 0)
        #expect(at("r", after: 30) == 0)  // `iff` is not the keyword
    }

    @Test func userRegexFeature() throws {
        let t = try track("é foo bar foo", "foo", user: [("foo", "fo+")])
        #expect(t == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1])
        #expect(throws: FeatureError.self) { try FeatureTracks.compute(Array("x".unicodeScalars), user: [("bad", "(")]) }
    }
}

@Suite("Cell finder")
struct CellFinderTests {
    /// A one-layer LSTM whose unit `quoteUnit` is set by hand to hold c = 1 inside double quotes and 0 outside:
    /// at a quote the forget gate closes, and the input gate opens only if the cell was off (h ≈ 0).
    func quoteCounter(vocab: Vocabulary, hidden: Int, quoteUnit j: Int) throws -> RecurrentModel {
        let model = try Tiny.model(.lstm, vocab: vocab.count, hidden: hidden, initialization: .charRNN, seed: 11)
        let H = hidden, V = vocab.count
        let wih = try #require(model.parameters["rnn.weight_ih_l0"]), whh = try #require(model.parameters["rnn.weight_hh_l0"])
        let bih = try #require(model.parameters["rnn.bias_ih_l0"]), bhh = try #require(model.parameters["rnn.bias_hh_l0"])
        let quote = Int(try #require(vocab.id(of: "\"")))
        let on: Float = Foundation.tanh(1)
        for block in 0..<4 {
            let row = block * H + j
            for v in 0..<V { wih.data[row * V + v] = 0 }
            for m in 0..<H { whh.data[row * H + m] = 0 }
            bhh.data[row] = 0
        }
        bih.data[0 * H + j] = -20; wih.data[(0 * H + j) * V + quote] = 40; whh.data[(0 * H + j) * H + j] = -40 / on  // i
        bih.data[1 * H + j] = 20; wih.data[(1 * H + j) * V + quote] = -40  // f
        bih.data[2 * H + j] = 20  // g = 1
        bih.data[3 * H + j] = 20  // o = 1
        return model
    }

    static let corpus = (0..<40).map { k in
        ["he said \"hi there\" and left.", "a \"quoted\" word", "plain line here", "she \"wrote a long quote here\" ok"][k % 4]
    }.joined(separator: "\n")

    @Test func handSetQuoteCellRanksFirst() throws {
        let vocab = Vocabulary(text: Self.corpus)
        let model = try quoteCounter(vocab: vocab, hidden: 8, quoteUnit: 5)
        let ids = try vocab.encode(Self.corpus).map(Int.init)
        let trace = try StateTrace.run(model, ids: ids)
        let c = trace.layers[0].c
        // The hand-set cell really holds the quote state.
        let quotes = try #require(try FeatureTracks.compute(Array(Self.corpus.unicodeScalars))["quotes"])
        for t in 0..<ids.count { #expect(Swift.abs(Double(c[t * 8 + 5]) - quotes[t]) < 0.01) }
        let finder = try CellFinder.find(trace, features: try FeatureTracks.compute(Array(Self.corpus.unicodeScalars)))
        let q = try #require(finder.features.names.firstIndex(of: "quotes"))
        let best = try #require(finder.top[q].first)
        #expect(best.layer == 0 && best.unit == 5)
        #expect(best.correlation > 0.99)
        #expect(finder.description.contains("1:5 +"))
    }

    @Test func pearsonKnownValues() throws {
        #expect(Swift.abs((CellFinder.pearson([1, 2, 3], [2, 4, 6]) ?? 0) - 1) < 1e-12)
        #expect(Swift.abs((CellFinder.pearson([1, 2, 3], [3, 2, 1]) ?? 0) + 1) < 1e-12)
        #expect(CellFinder.pearson([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test func saturationOfHandSetGates() throws {
        // Forget gate pinned open in unit 0, shut in unit 1, half-open in unit 2 and 3; other gates half-open.
        let model = try Tiny.model(.lstm, vocab: 3, hidden: 4)
        for name in ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0"] {
            let p = try #require(model.parameters[name])
            p.data = [Float](repeating: 0, count: p.count)
        }
        let b = try #require(model.parameters["rnn.bias_ih_l0"])
        b.data[4 + 0] = 10; b.data[4 + 1] = -10
        let trace = try StateTrace.run(model, ids: [0, 1, 2, 0, 1])
        let s = try Saturation.measure(trace)
        #expect(s.gates.map(\.name) == ["i", "f", "o"])
        let f = s.gates[1]
        #expect(f.right == [1, 0, 0, 0] && f.left == [0, 1, 0, 0])
        #expect(f.meanRight == 0.25 && f.meanLeft == 0.25)
        #expect(s.gates[0].left == [0, 0, 0, 0] && s.gates[0].right == [0, 0, 0, 0])
        #expect(s.description.contains("25.0%"))
        let rnn = try Saturation.measure(try StateTrace.run(try Tiny.model(.rnn), ids: [0, 1]))
        #expect(rnn.gates.isEmpty)
    }

    @Test func selectAndMatch() throws {
        // Two units; unit 0 is on at positions 2...4 and 10...12, unit 1 is always on.
        let T = 16
        var v = [Float](repeating: 0, count: T * 2)
        for t in 0..<T {
            v[t * 2 + 1] = 1
            if (2...4).contains(t) || (10...12).contains(t) { v[t * 2] = 0.8 }
        }
        let all = try Selection.select(v, hidden: 2, layer: 0, from: 2, to: 4, threshold: 0.3)
        #expect(all.units == [0, 1])
        let sharp = try Selection.select(v, hidden: 2, layer: 0, from: 2, to: 4, threshold: 0.3, offBefore: 2)
        #expect(sharp.units == [0])
        let matches = sharp.match(v, hidden: 2, top: 3)
        #expect(matches.first?.from == 10 && matches.first?.to == 12 && matches.first?.score == 1)
        #expect(throws: FeatureError.self) { try Selection.select(v, hidden: 2, layer: 0, from: 5, to: 40, threshold: 0.3) }
    }
}
