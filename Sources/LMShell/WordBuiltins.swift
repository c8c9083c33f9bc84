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

    static let wordBuiltins: [Builtin] = [
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
