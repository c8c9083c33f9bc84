import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// Word corpora and word models through the language: `corpus(…, unit="word")`, models over words with
/// `tie=true`, `eval` naming its unit and scoring n-grams and networks on the same tokens, save/load with
/// the vocabulary, and the slide's questions `prob` and `next` for every model kind.
@Suite("Word-level language models")
final class WordBuiltinTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }
    final class Output: @unchecked Sendable { var text = "" }

    static let sentences = ["the students opened their books .", "the students closed their books .",
                            "the teacher opened the door .", "a student read their book ."]
    static let corpusText = (0..<400).map { sentences[($0 * 7) % sentences.count] }.joined(separator: "\n") + "\n"

    func shell() throws -> (Interpreter, Output, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-words-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try Self.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        i.configuration.environment = ["QUICK": "1", "LMSH_WHO": "student"]
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("w = corpus(\"input.txt\", unit=\"word\", vocab=12, val=0.1, batch=4, seq=6)")
        return (i, out, dir)
    }

    func value(_ i: Interpreter, _ cell: String) throws -> Value { try #require(try i.run(cell).value, "\(cell) showed no value") }
    func number(_ i: Interpreter, _ cell: String) throws -> Double {
        guard case .number(let x) = try value(i, cell) else { Issue.record("\(cell): not a number"); return .nan }
        return x
    }
    func record(_ i: Interpreter, _ cell: String) throws -> [String: Value] {
        guard case .record(let f) = try value(i, cell) else { Issue.record("\(cell): not a record"); return [:] }
        return Dictionary(f, uniquingKeysWith: { a, _ in a })
    }
    func num(_ r: [String: Value], _ k: String) -> Double {
        if case .number(let x)? = r[k] { return x }
        Issue.record("no number \(k) in \(r)")
        return .nan
    }
    func errorMessage(_ i: Interpreter, _ cell: String) -> String? {
        do { try i.run(cell); return nil } catch let e as ShellError { return e.message } catch { return "\(error)" }
    }
    func model(_ i: Interpreter, _ name: String) throws -> ModelValue {
        guard case .model(let m)? = i.variables[name] else { throw ShellError("no model \(name)", at: SourceLocation(line: 1, column: 1)) }
        return m
    }

    @Test func wordCorpusMembers() throws {
        let (i, _, dir) = try shell()
        let direct = try Corpus(contentsOfFile: dir.appendingPathComponent("input.txt").path, words: 12)
        guard case .list(let vocab) = try value(i, "w.vocab") else { Issue.record("vocab is not a list"); return }
        #expect(vocab.map(\.display) == direct.vocabulary.words)
        #expect(vocab.prefix(2).map(\.display) == ["<unk>", "<eos>"])
        #expect(try number(i, "w.unk_rate") == direct.unkRate && direct.unkRate > 0)
        #expect(try number(i, "w.vocab_size") == 12)
        #expect(try value(i, "w.unit").display == "word")
        #expect(try value(i, "corpus(\"input.txt\").unit").display == "char")
        #expect(errorMessage(i, "corpus(\"input.txt\", unit=\"bytes\")") == "unit must be \"char\" or \"word\", not \"bytes\"")
    }

    @Test func wordModelsTrainEvaluateSampleSaveAndLoad() throws {
        let (i, out, _) = try shell()
        for make in ["rnn(w, hidden=8, embed=8, tie=true)", "lstm(w, hidden=8, layers=2, tie=true)", "lstm(w, hidden=8, layers=1, cell=\"coupled\", embed=4)",
                     "lstm(w, hidden=8, layers=1, cell=\"peephole\", tie=true)", "gru(w, hidden=8, layers=1, tie=true)"] {
            try i.run("m = " + make)
            let before = num(try record(i, "eval m w.val batch=4 seq=6"), "nats")
            try i.run("train m w steps=40 batch=4 seq=6 opt=\"adam\" lr=0.02")
            let r = try record(i, "eval m w.val batch=4 seq=6")
            #expect(num(r, "nats") < before - 0.1, "\(make): \(before) → \(num(r, "nats"))")
            #expect(r["unit"]?.display == "word" && num(r, "words") > 0)
            try i.run("save m \"m.safetensors\" overwrite=true")
            try i.run("m2 = load(\"m.safetensors\")")
            #expect(num(try record(i, "eval m2 w.val batch=4 seq=6"), "nats") == num(r, "nats"))
            #expect(try model(i, "m2").vocabulary == (try model(i, "m")).vocabulary)
        }
        out.text = ""
        try i.run("sample m 12 prime=\"the students\" seed=3")
        let words = out.text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(out.text.hasPrefix("the students ") && words.count >= 8, "\(out.text)")
        #expect(words.allSatisfy { w in Self.corpusText.contains(String(w)) || w == "<unk>" }, "\(out.text)")
        #expect(errorMessage(i, "lstm(w, hidden=8, embed=4, tie=true)")?.contains("embed must equal hidden") == true)
    }

    @Test func ngramAndNetworkAreScoredOnTheSameTokens() throws {
        let (i, _, _) = try shell()
        try i.run("lm = ngram(w, n=3)")
        try i.run("m = lstm(w, hidden=8, layers=2, tie=true)")
        let part = try #require({ () -> CorpusSplit? in if case .corpus(let c)? = i.variables["w"] { return c.splits.val } else { return nil } }())
        for (b, s) in [(4, 6), (3, 5), (1, 7)] {
            let n = try record(i, "eval lm w.val batch=\(b) seq=\(s)"), r = try record(i, "eval m w.val batch=\(b) seq=\(s)")
            #expect(num(n, "words") == num(r, "words"))
            #expect(Int(num(r, "words")) == part.count, "every token of the split is predicted once")
        }
        // A word n-gram samples words, spaced after the prime.
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("sample lm 8 prime=\"the students\" seed=1")
        #expect(out.text.hasPrefix("the students ") && out.text.split(separator: " ").count >= 6, "\(out.text)")
        // A string: both predict every token after the first.
        #expect(num(try record(i, "eval lm \"the students opened their books\""), "words") == 4)
        #expect(num(try record(i, "eval m \"the students opened their books\""), "words") == 4)
        // The n-gram's figure is its own definition over the batcher's streams (context within a stream).
        guard case .ngram(let lm)? = i.variables["lm"] else { return }
        let batcher = try Batcher(part, batch: 3, seq: 5)
        var nats = 0.0, count = 0
        for stream in batcher.streams {
            let x = Array(stream.inputs), y = Array(stream.targets)
            for t in x.indices {
                nats -= log(try lm.model.probability(of: y[t], after: Array(x[Swift.max(0, t - 1)...t])))
                count += 1
            }
        }
        let got = try record(i, "eval lm w.val batch=3 seq=5")
        #expect(abs(num(got, "nats") - nats / Double(count)) < 1e-9)
    }

    @Test func probAndNextForEveryModelKind() throws {
        let (i, out, _) = try shell()
        try i.run("lm = ngram(w, n=3)")
        try i.run("r = rnn(w, hidden=8, embed=8, seed=1)")
        try i.run("l = lstm(w, hidden=8, layers=2, tie=true, seed=2)")
        try i.run("train l w steps=300 batch=4 seq=6 opt=\"adam\" lr=0.02")
        guard case .corpus(let c)? = i.variables["w"], case .ngram(let lm)? = i.variables["lm"] else { Issue.record("no corpus"); return }
        let v = c.vocabulary
        let ctx: [Int32] = [Vocabulary.eosID] + v.encodeWords("the students opened their").ids
        let books = try #require(v.id(ofWord: "books"))
        // n-gram: its own P(books | eos the students opened their).
        let pn = try record(i, "prob lm \"the students opened their\" \"books\"")
        #expect(abs(num(pn, "p") - (try lm.model.probability(of: books, after: ctx))) < 1e-12)
        // Recurrent models: the softmax after feeding the same ids from the zero state.
        for name in ["r", "l"] {
            let m = try model(i, name)
            let runner = StepRunner(m.model)
            var logits: [Float] = []
            for id in ctx { logits = try runner.feed(Int(id)) }
            let mx = logits.max()!
            let z = logits.reduce(0.0) { $0 + exp(Double($1 - mx)) }
            let expected = exp(Double(logits[Int(books)] - mx)) / z
            let p = try record(i, "prob \(name) \"the students opened their\" \"books\"")
            #expect(abs(num(p, "p") - expected) < 1e-6, "\(name)")
            // next: the k largest of the same distribution, in order, summing to at most 1.
            out.text = ""
            let n = try record(i, "next \(name) \"the students opened their\" k=3")
            guard case .list(let probs)? = n["probs"], case .list(let ws)? = n["words"] else { Issue.record("next record"); return }
            #expect(probs.count == 3 && ws.count == 3)
            let ps = probs.map { if case .number(let x) = $0 { return x } else { return -1 } }
            #expect(ps == ps.sorted(by: >) && ps[0] <= 1)
            #expect(out.text.contains("█"))
        }
        // The n-gram and the trained LSTM have learnt the slide's answer.
        #expect(try record(i, "next lm \"the students opened their\" k=1")["words"]?.display == "[\"books\"]")
        #expect(try record(i, "next l \"the students opened their\" k=1")["words"]?.display == "[\"books\"]")
        // Out-of-vocabulary words are named and read as <unk>, not an error.
        out.text = ""
        let oov = try record(i, "prob lm \"the pupils opened their\" \"laptops\"")
        #expect(out.text.contains("note: \"pupils\", \"laptops\" are not in the vocabulary: read as <unk>"), "\(out.text)")
        let unkCtx: [Int32] = [Vocabulary.eosID] + v.encodeWords("the pupils opened their").ids
        #expect(abs(num(oov, "p") - (try lm.model.probability(of: Vocabulary.unkID, after: unkCtx))) < 1e-12)
        // A two-token target multiplies: p(books .) = p(books | ctx) p(. | ctx books).
        let two = try record(i, "prob lm \"the students opened their\" \"books .\"")
        let dot = try #require(v.id(ofWord: "."))
        let expected = try lm.model.probability(of: books, after: ctx) * lm.model.probability(of: dot, after: ctx + [books])
        #expect(abs(num(two, "p") - expected) < 1e-12)
    }

    @Test func probAndNextForCharacterModels() throws {
        let (i, out, _) = try shell()
        try i.run("t = corpus(\"input.txt\", val=0.1, batch=4, seq=16)")
        try i.run("cm = lstm(t, hidden=16, layers=1)")
        try i.run("train cm t steps=80 batch=4 seq=16 opt=\"adam\" lr=0.02")
        try i.run("cn = ngram(t, n=4)")
        let m = try model(i, "cm")
        // The product over the word's characters, after "\n" + context + " ".
        let ctx = try m.vocabulary.encode("\nthe students opened their ").map(Int.init)
        let word = try m.vocabulary.encode("books").map(Int.init)
        let runner = StepRunner(m.model)
        var logits: [Float] = []
        for id in ctx { logits = try runner.feed(id) }
        var p = 1.0
        for id in word {
            let mx = logits.max()!
            let z = logits.reduce(0.0) { $0 + exp(Double($1 - mx)) }
            p *= exp(Double(logits[id] - mx)) / z
            logits = try runner.feed(id)
        }
        let r = try record(i, "prob cm \"the students opened their\" \"books\"")
        #expect(abs(num(r, "p") - p) / p < 1e-5 && r["unit"]?.display == "char")
        guard case .ngram(let cn)? = i.variables["cn"] else { return }
        var pn = 1.0
        var ids = try cn.corpus.vocabulary.encode("\nthe students opened their ")
        for id in try cn.corpus.vocabulary.encode("books") {
            pn *= try cn.model.probability(of: id, after: ids)
            ids.append(id)
        }
        #expect(abs(num(try record(i, "prob cn \"the students opened their\" \"books\""), "p") - pn) < 1e-12)
        // next: whole words, the best being a word of the corpus.
        out.text = ""
        let n = try record(i, "next cn \"the students opened their\" k=3")
        #expect(n["words"].map { $0.display.hasPrefix("[\"book") } == true, "\(n)")
        #expect(out.text.contains("█"))
        #expect(errorMessage(i, "prob cm \"the §\" \"x\"")?.contains("not in this character model's vocabulary") == true)
    }

    @Test func windowModelThroughTheVerbs() throws {
        let (i, out, _) = try shell()
        try i.run("wm = window(w, n=3, embed=8, hidden=16)")
        #expect(try value(i, "wm").display.hasPrefix("window MLP model (Bengio 2003): 2 words × embedding 8 → tanh 16 → vocab 12"))
        let before = num(try record(i, "eval wm w.val batch=4 seq=6"), "nats")
        let r = try record(i, "train wm w steps=150 batch=4 seq=6 opt=\"adam\" lr=0.02")
        #expect(num(r, "steps") == 150)
        let e = try record(i, "eval wm w.val batch=4 seq=6")
        #expect(num(e, "nats") < before - 1 && e["unit"]?.display == "word")
        try i.run("lm = ngram(w, n=3)")
        #expect(num(try record(i, "eval lm w.val batch=4 seq=6"), "words") == num(e, "words"))
        // prob is the model's own distribution after <eos> the … their (its last two words).
        guard case .window(let wv)? = i.variables["wm"] else { Issue.record("no window"); return }
        let v = wv.vocabulary
        let ctx = [Vocabulary.eosID] + v.encodeWords("the students opened their").ids
        let books = try #require(v.id(ofWord: "books"))
        let p = try record(i, "prob wm \"the students opened their\" \"books\"")
        #expect(abs(num(p, "p") - (try wv.model.distribution(after: ctx))[Int(books)]) < 1e-9)
        #expect(try record(i, "next wm \"the students opened their\" k=2")["words"].map { $0.display.hasPrefix("[\"books\"") } == true)
        out.text = ""
        try i.run("sample wm 10 prime=\"the\" seed=4")
        #expect(out.text.hasPrefix("the ") && out.text.split(separator: " ").count >= 5, "\(out.text)")
        try i.run("save wm \"wm.safetensors\"")
        try i.run("wm2 = load(\"wm.safetensors\")")
        #expect(num(try record(i, "eval wm2 w.val batch=4 seq=6"), "nats") == num(e, "nats"))
        #expect(try value(i, "wm2").display.hasSuffix("trained 150 steps"))
        // A window of activations over the element budget is a positioned error, checked before allocating.
        i.configuration.limits = .tight
        #expect(errorMessage(i, "train wm w steps=1 batch=1000 seq=1000")?.contains("train (batch × seq × activations per symbol)") == true)
    }

    @Test func characterModelsScoredPerWord() throws {
        let (i, _, _) = try shell()
        try i.run("t = corpus(\"input.txt\", val=0.1, batch=4, seq=16)")
        try i.run("cm = lstm(t, hidden=8, layers=1)")
        let perChar = try record(i, "eval cm t.val batch=4 seq=16")
        let perWord = try record(i, "eval cm t.val batch=4 seq=16 unit=\"word\"")
        guard case .corpus(let c)? = i.variables["t"] else { return }
        let words = WordTokenizer.tokens(try c.vocabulary.decode(c.splits.val.segments.joined())).count
        #expect(num(perWord, "words") == Double(words) && perWord["unit"]?.display == "word")
        // The same total loss: nats per char × chars = nats per word × words.
        #expect(abs(num(perChar, "nats") * num(perChar, "chars") - num(perWord, "nats") * Double(words)) < 1e-6 * num(perChar, "chars"))
        #expect(errorMessage(i, "eval lm w.val unit=\"char\"") != nil)
        try i.run("lm = ngram(w, n=2)")
        #expect(errorMessage(i, "eval lm w.val unit=\"char\"") == "a word model's loss has no per-character share")
        #expect(errorMessage(i, "eval cm t.val unit=\"byte\"") == "unit must be \"char\" or \"word\", not \"byte\"")
    }
}
