import LMCore
import LMModels

/// `x, y = batch(text, i)`: the i-th window of a corpus part as `train` reads it, for hand-written loops.
extension Builtins {
    static let batchBuiltins: [Builtin] = [
        Builtin(name: "batch", usage: "batch(text, i, batch=50, seq=50)",
                summary: "window i of the training part (or of text.val, text.test) as [inputs, targets], two [batch, seq] tensors of ids laid out as train reads them (batch parallel streams; targets are the next symbols); i wraps around the epoch",
                keywords: ["batch", "seq"], example: "text = corpus(\"input.txt\")\nx, y = batch(text, 0, batch=4, seq=8)\nx.shape") { interp, a in
            try a.expectCount(2...2)
            let part: CorpusSplit, corpus: CorpusValue
            switch a.positional[0].0 {
            case .corpus(let c): (part, corpus) = (c.splits.train, c)
            case .split(let s): (part, corpus) = (s.part, s.corpus)
            case let v: throw ShellError("batch needs a corpus or one of its parts, got a \(v.kind)", at: a.location(0), hint: "text = corpus(\"input.txt\"); batch(text, 0) or batch(text.val, 0)")
            }
            let i = try a.positional[1].0.int(at: a.location(1), "a window number")
            let b = try int(a, "batch"), s = try int(a, "seq")
            guard b >= 1 && s >= 1 else { throw ShellError("batch and seq must be at least 1", at: a.location) }
            let batcher = try interp.batcher(for: corpus, part: part, batch: b, seq: s, at: a.location)
            let window = batcher.batch(at: i)
            let x = try Tensor(shape: [window.batch, window.seq], data: window.inputs.map(Float.init))
            let y = try Tensor(shape: [window.batch, window.seq], data: window.targets.map(Float.init))
            return .list([.tensor(x), .tensor(y)])
        },
    ]
}

extension Interpreter {
    /// The batcher of the last `batch(…)` call, kept while the corpus, part and sizes stay the same (a loop
    /// calls `batch` every step; laying the streams out again each time would copy the whole part).
    func batcher(for corpus: CorpusValue, part: CorpusSplit, batch: Int, seq: Int, at loc: SourceLocation) throws -> Batcher {
        let key = BatcherKey(corpus: ObjectIdentifier(corpus), part: part.name, batch: batch, seq: seq)
        if let cached = lastBatcher, cached.key == key, cached.corpus === corpus { return cached.batcher }
        let made: Batcher
        do {
            made = try Batcher(part, batch: batch, seq: seq)
        } catch {
            throw ShellError("\(error)", at: loc)
        }
        for w in made.warnings { write("note: \(w)\n") }
        lastBatcher = CachedBatcher(key: key, corpus: corpus, batcher: made)
        return made
    }
}

struct BatcherKey: Equatable {
    let corpus: ObjectIdentifier
    let part: String
    let batch: Int
    let seq: Int
}

struct CachedBatcher {
    let key: BatcherKey
    /// Weak: rebinding the corpus's name frees it.
    weak var corpus: CorpusValue?
    let batcher: Batcher
}
