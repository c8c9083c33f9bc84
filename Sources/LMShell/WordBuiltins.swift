import Foundation
import LMCore
import LMInspect
import LMModels

/// The lecture's questions at the word level: `prob m "context" "word"` (p(word | context)) and
/// `next m "context" k=10` (the most likely next words), for every kind of language model.
extension Builtins {
    /// A language model of any kind, as `prob` and `next` query it: a vocabulary and the distribution of
    /// the next symbol after a sequence of ids.
    struct Querier {
        let vocabulary: Vocabulary
        let next: ([Int32]) throws -> [Double]
        let kind: String
    }

    static func querier(_ v: Value, at loc: SourceLocation) throws -> Querier {
        switch v {
        case .model(let m):
            let runner = StepRunner(m.model)
            return Querier(vocabulary: m.vocabulary, next: { ids in
                runner.reset()
                var logits: [Float] = []
                for id in ids { logits = try runner.feed(Int(id)) }
                return softmax(logits)
            }, kind: m.model.config.cell.title)
        case .ngram(let n):
            return Querier(vocabulary: n.corpus.vocabulary, next: { ids in try n.model.distribution(after: ids) },
                           kind: "KN \(n.model.order)-gram")
        case .window(let w):
            return Querier(vocabulary: w.vocabulary, next: { ids in try w.model.distribution(after: ids) },
                           kind: "window MLP")
        case .transformer(let m):
            return Querier(vocabulary: m.vocabulary, next: { ids in try m.model.distribution(after: ids) }, kind: "transformer")
        default:
            throw ShellError("expected a language model (rnn, lstm, gru, ngram or window), got a \(v.kind)", at: loc)
        }
    }

    static func softmax(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max() ?? 0)
        let e = logits.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// A context as ids read from the start of a line (after `<eos>`, or after "\n" for a character model
    /// whose vocabulary has it), the words or characters it held, and the out-of-vocabulary ones.
    static func context(_ q: Querier, _ text: String, at loc: SourceLocation) throws -> (ids: [Int32], unknown: [String]) {
        if q.vocabulary.unit == .word {
            let e = q.vocabulary.encodeWords(text)
            return ([Vocabulary.eosID] + e.ids, e.unknown)
        }
        var ids: [Int32] = []
        if let nl = q.vocabulary.id(of: "\n") { ids.append(nl) }
        var unknown: [String] = []
        for s in text.unicodeScalars {
            if let id = q.vocabulary.id(of: s) { ids.append(id) } else { unknown.append(String(Character(s))) }
        }
        guard unknown.isEmpty else {
            throw ShellError("the characters \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) are not in this character model's vocabulary",
                             at: loc, hint: "a character model has no <unk>; leave them out")
        }
        return (ids, [])
    }

    /// The note for out-of-vocabulary words, or nil.
    static func unknownNote(_ unknown: [String]) -> String? {
        guard !unknown.isEmpty else { return nil }
        let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
        return "note: \(names) \(unknown.count == 1 ? "is" : "are") not in the vocabulary: read as <unk>"
    }

    /// `train w text …` for a window model: the batcher's windows in order, an optimizer step per window.
    static func trainWindow(_ w: WindowValue, _ c: CorpusValue, _ interp: Interpreter, _ a: CallArgs) throws -> Value {
        try noRecipe(a, "a window model")
        let budget = try trainBudget(a, interp)
        let steps = budget.steps
        guard c.vocabulary == w.vocabulary else { throw ShellError("this corpus has another vocabulary than the model", at: a.location(1)) }
        let batch = try int(a, "batch"), seq = try int(a, "seq")
        let optName = try str(a, "opt")
        guard let opt = OptimizerKind(rawValue: optName) else {
            throw ShellError("unknown optimizer \"\(optName)\"", at: a.keywordLocation("opt"),
                             hint: Suggest.hint(for: optName, among: OptimizerKind.allCases.map(\.rawValue)))
        }
        guard let clipMode = ClipMode(rawValue: try str(a, "clip_mode")) else {
            throw ShellError("clip_mode must be \"norm\" or \"value\"", at: a.keywordLocation("clip_mode"))
        }
        let lr = Float(try num(a, "lr")), clip = Float(try num(a, "clip"))
        let t: WindowTrainer
        if let old = w.trainer, w.trainerCorpus === c, old.batcher.batch <= batch, old.lr == lr, old.optimizer.settings.kind == opt,
           old.clip == clip, old.clipMode == clipMode {
            t = old
        } else {
            t = try engine(a.location) {
                try WindowTrainer(model: w.model, part: c.splits.train, batch: batch, seq: seq, optimizer: opt, lr: lr, clip: clip,
                                  clipMode: clipMode, steps: w.steps, lossHistory: w.lossHistory)
            }
            // One window's activations (embeddings, hidden layer, logits) must fit the element budget.
            let wc = w.model.config
            try at(a.location) {
                _ = try Shape.count([t.batcher.batch, t.batcher.seq, wc.vocabSize + wc.hidden + (wc.n - 1) * wc.embed],
                                    op: "train (batch × seq × activations per symbol)")
            }
            w.trainer = t
            w.trainerCorpus = c
        }
        let start = Date()
        var last: (loss: Float, stats: GradientStats)?
        var done = 0, stop = TrainStop.steps
        while done < steps {
            if interp.shouldStop() { stop = .interrupted; break }
            if let s = budget.seconds, Date().timeIntervalSince(start) >= s { stop = .time; break }
            last = try engine(a.location) { try t.step() }
            done += 1
            if let l = last, !l.loss.isFinite {
                interp.write("warning: the loss became \(l.loss) at step \(t.stepCount)\n")
                break
            }
            let elapsed = Date().timeIntervalSince(start)
            let symbols = Double(done * t.batcher.batch * t.batcher.seq)
            if let l = last {
                var p = TrainProgress(step: t.stepCount, done: done, of: steps,
                                      epoch: Double(t.stepCount) / Double(t.batcher.windowsPerEpoch), loss: l.loss, stats: l.stats,
                                      lr: lr, symbolsPerSecond: symbols / Swift.max(elapsed, 1e-9),
                                      etaSeconds: elapsed / Double(done) * Double(steps - done))
                p.budgetSeconds = budget.seconds
                p.elapsedSeconds = elapsed
                if done >= steps { p.stop = .steps } else if let s = budget.seconds, elapsed >= s { p.stop = .time }
                if let s = budget.seconds { p.etaSeconds = Swift.min(p.etaSeconds, Swift.max(0, s - elapsed)) }
                interp.progress(p)
            }
        }
        var fields: [(String, Value)] = [("steps", .number(Double(done))), ("total_steps", .number(Double(t.stepCount))),
                                         ("stopped", .string(stop.rawValue))]
        if let l = last {
            fields.append(("train_loss", .number(Double(l.loss))))
            fields.append(("grad_norm", .number(Double(l.stats.norm))))
        }
        fields.append(("seconds", .number((Date().timeIntervalSince(start) * 100).rounded() / 100)))
        return .record(fields)
    }

    static let wordBuiltins: [Builtin] = [
        Builtin(name: "window", usage: "window(text, n=4, embed=32, hidden=64, seed=123)",
                summary: "Bengio et al. 2003's fixed-window neural language model: the last n−1 symbols' embeddings, concatenated, through tanh(d + H x) to softmax(b + U h); trained, evaluated, sampled, saved and queried (prob, next) with the same verbs as the recurrent models",
                keywords: ["n", "embed", "hidden", "seed"], example: "words = corpus(\"input.txt\", unit=\"word\", vocab=500)\nw = window(words, n=4, embed=16, hidden=32)\ntrain w words steps=20 batch=8 seq=16 opt=\"adam\" lr=1e-2\neval w words.val") { _, a in
            try a.expectCount(1...1)
            let c = try corpusArg(a, 0)
            let n = try int(a, "n"), embed = try int(a, "embed"), hidden = try int(a, "hidden")
            let seed = try Builtins.seed(a)
            let v = c.vocabulary
            let pad: Int32 = v.unit == .word ? Vocabulary.eosID : (v.id(of: "\n") ?? 0)
            let config = WindowModel.Config(n: n, vocabSize: v.count, embed: embed, hidden: hidden, pad: pad)
            var rng = RandomSource(seed: seed)
            let model = try engine(a.location) { try WindowModel(config, rng: &rng) }
            return .window(WindowValue(model: model, vocabulary: v))
        },
        Builtin(name: "prob", usage: "prob m \"the students opened their\" \"books\"",
                summary: "p(word | context), read from the start of a line: for a word model the product over the word's tokens; for a character model over its characters after the context and a space; out-of-vocabulary words are read as <unk>, and named",
                keywords: [], example: "words = corpus(\"input.txt\", unit=\"word\", vocab=500)\nlm = ngram(words, n=3)\nprob lm \"the students opened their\" \"books\"") { interp, a in
            try a.expectCount(3...3)
            try a.checkKeywords([])
            let q = try querier(try a.value(0, "a model"), at: a.location(0))
            let ctxText = try a.positional[1].0.string(at: a.location(1), "a context text")
            let word = try a.positional[2].0.string(at: a.location(2), "a word")
            var (ids, unknown) = try context(q, ctxText, at: a.location(1))
            var target: [Int32] = []
            if q.vocabulary.unit == .word {
                let e = q.vocabulary.encodeWords(word)
                target = e.ids
                unknown += e.unknown.filter { !unknown.contains($0) }
            } else {
                // The word follows the context after a space (unless the context ends in white space).
                if let last = ctxText.unicodeScalars.last, !last.properties.isWhitespace, !ctxText.isEmpty, let sp = q.vocabulary.id(of: " ") {
                    ids.append(sp)
                }
                target = try context(q, word, at: a.location(2)).ids
                if q.vocabulary.id(of: "\n") != nil { target.removeFirst() }
            }
            guard !target.isEmpty else { throw ShellError("the word is empty", at: a.location(2)) }
            guard ids.count + target.count <= 5000 else { throw ShellError("the context is too long (at most 5000 symbols)", at: a.location(1)) }
            var logp = 0.0
            var parts: [Value] = []
            for t in target {
                let d = try engine(a.location) { try q.next(ids) }
                let p = d[Int(t)]
                parts.append(.number(p))
                logp += Foundation.log(p)
                ids.append(t)
            }
            let p = Foundation.exp(logp)
            if let note = unknownNote(unknown) { interp.write(note + "\n") }
            let shownWord = q.vocabulary.unit == .word ? target.map { q.vocabulary.token(Int($0)) }.joined(separator: " ") : word
            let shownCtx = ctxText.isEmpty ? "start of line" : (q.vocabulary.unit == .word
                ? q.vocabulary.encodeWords(ctxText).ids.map { q.vocabulary.token(Int($0)) }.joined(separator: " ") : ctxText)
            interp.write("p(\(shownWord) | \(shownCtx)) = \(String(format: "%.6g", p))"
                         + (target.count > 1 ? " (a product of \(target.count) \(q.vocabulary.unitName)s' probabilities)" : "") + "\n")
            return .record([("p", .number(p)), ("nats", .number(-logp)), ("parts", .list(parts)),
                            ("unknown", .list(unknown.map(Value.string))), ("unit", .string(q.vocabulary.unitName))])
        },
        Builtin(name: "next", usage: "next m \"the students opened their\" k=10",
                summary: "the k most likely next words after a context (read from the start of a line), with probabilities as a bar chart; for a character model, whole next words found by beam search over characters, each scored as the product of its characters and of the word ending (a space or punctuation following)",
                keywords: ["k"], example: "words = corpus(\"input.txt\", unit=\"word\", vocab=500)\nlm = ngram(words, n=3)\nnext lm \"the students opened their\" k=5") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["k"])
            let q = try querier(try a.value(0, "a model"), at: a.location(0))
            let ctxText = try a.positional[1].0.string(at: a.location(1), "a context text")
            let k = try int(a, "k")
            guard k >= 1 && k <= 1000 else { throw ShellError("k must be in 1...1000, got \(k)", at: a.keywordLocation("k")) }
            let (ids0, unknown0) = try context(q, ctxText, at: a.location(1))
            let unknown = unknown0
            var ids = ids0
            guard ids.count <= 5000 else { throw ShellError("the context is too long (at most 5000 symbols)", at: a.location(1)) }
            var top: [(String, Double)] = []
            if q.vocabulary.unit == .word {
                let d = try engine(a.location) { try q.next(ids) }
                top = d.indices.sorted { d[$0] != d[$1] ? d[$0] > d[$1] : $0 < $1 }.prefix(k).map { (q.vocabulary.token($0), d[$0]) }
            } else {
                if let last = ctxText.unicodeScalars.last, !last.properties.isWhitespace, let sp = q.vocabulary.id(of: " ") { ids.append(sp) }
                top = try engine(a.location) { try nextWords(q, after: ids, k: k) }
            }
            if let note = unknownNote(unknown) { interp.write(note + "\n") }
            interp.write(TerminalPictures.barChart(top.map { ($0.0 == "\n" ? "⏎" : $0.0, $0.1) }, width: interp.configuration.displayWidth) + "\n")
            return .record([("words", .list(top.map { .string($0.0) })), ("probs", .list(top.map { .number($0.1) })),
                            ("unknown", .list(unknown.map(Value.string)))])
        },
    ]

    /// A character model's most likely next words: a beam over character continuations (width 4k), a word
    /// ending when the next character is not a letter, digit or apostrophe; its probability is the product
    /// of its characters and of that ending.
    static func nextWords(_ q: Querier, after context: [Int32], k: Int) throws -> [(String, Double)] {
        let v = q.vocabulary
        let isWordChar = (0..<v.count).map { id -> Bool in
            let s = v.scalars[id]
            return WordTokenizer.isWordScalar(s) || s == "'"
        }
        var beam: [(ids: [Int32], logp: Double)] = [([], 0)]
        var done: [(String, Double)] = []
        let width = Swift.max(4 * k, 8)
        for _ in 0..<16 {
            var grown: [(ids: [Int32], logp: Double)] = []
            for b in beam {
                let d = try q.next(context + b.ids)
                if !b.ids.isEmpty {
                    let end = d.indices.filter { !isWordChar[$0] }.reduce(0.0) { $0 + d[$1] }
                    if end > 0 {
                        done.append((b.ids.map { v.token(Int($0)) }.joined(), Foundation.exp(b.logp) * end))
                    }
                }
                for id in d.indices where isWordChar[id] && d[id] > 1e-12 {
                    grown.append((b.ids + [Int32(id)], b.logp + Foundation.log(d[id])))
                }
            }
            grown.sort { $0.logp > $1.logp }
            beam = Array(grown.prefix(width))
            let kth = done.map(\.1).sorted(by: >).dropFirst(k - 1).first ?? 0
            if beam.isEmpty || (done.count >= k && Foundation.exp(beam[0].logp) < kth) { break }
        }
        return Array(done.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k))
    }
}
