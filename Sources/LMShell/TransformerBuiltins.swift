import Foundation
import LMCore
import LMInspect
import LMModels

/// The transformer in the shell: `transformer(text, …)` makes one; `train`, `eval`, `sample`, `save`, `load`,
/// `prob`, `next` and `gradflow` take it as they take the recurrent models (the cases live beside theirs);
/// `attention m "text" layer=1 head=1` draws where one head looks.
extension Builtins {
    static func transformerArg(_ a: CallArgs, _ i: Int) throws -> TransformerValue {
        guard case .transformer(let m) = try a.value(i, "a transformer") else {
            throw ShellError("expected a transformer, got a \(a.positional[i].0.kind)", at: a.location(i),
                             hint: "make one with transformer(text, layers=2, heads=4, dim=64, context=64)")
        }
        return m
    }

    /// The ids of a text (or a tensor of ids) in a transformer's vocabulary.
    static func transformerIDs(_ m: TransformerValue, _ v: Value, at loc: SourceLocation) throws -> [Int] {
        switch v {
        case .string(let s): return try engine(loc) { try m.vocabulary.encode(s).map(Int.init) }
        case .tensor(let t): return try t.data.map { x in
            guard x >= 0, x == x.rounded(), x < Float(m.vocabulary.count) else {
                throw ShellError("\(Value.format(Double(x))) is not a symbol id of this model", at: loc)
            }
            return Int(x)
        }
        default: throw ShellError("expected a text in double quotes or a tensor of ids, got a \(v.kind)", at: loc)
        }
    }

    /// `train t text`'s settings for a transformer (batch, seq ≤ context, optimizer, lr, clip), checked.
    static func transformerSettings(_ m: TransformerValue, _ c: CorpusValue, _ a: CallArgs) throws
        -> (batch: Int, seq: Int, opt: OptimizerKind, lr: Float, clip: Float, clipMode: ClipMode) {
        guard c.vocabulary == m.vocabulary else { throw ShellError("this corpus has another vocabulary than the model", at: a.location(1)) }
        let context = m.model.config.context
        let batch = try int(a, "batch"), seq = try int(a, "seq", context)
        guard batch >= 1 else { throw ShellError("batch must be at least 1, got \(batch)", at: a.keywordLocation("batch")) }
        guard seq >= 1 && seq <= context else {
            throw ShellError("seq \(seq) is longer than the transformer's context \(context)", at: a.keywordLocation("seq"),
                             hint: "a transformer reads at most its context; leave seq out to train on windows of \(context)")
        }
        let optName = try str(a, "opt", "adam")
        guard let opt = OptimizerKind(rawValue: optName) else {
            throw ShellError("unknown optimizer \"\(optName)\"", at: a.keywordLocation("opt"),
                             hint: Suggest.hint(for: optName, among: OptimizerKind.allCases.map(\.rawValue)))
        }
        guard let clipMode = ClipMode(rawValue: try str(a, "clip_mode", "norm")) else {
            throw ShellError("clip_mode must be \"norm\" or \"value\"", at: a.keywordLocation("clip_mode"))
        }
        let lr = Float(try num(a, "lr", 1e-3)), clip = Float(try num(a, "clip", 1))
        // One window's activations (per symbol about 16·dim per layer, and the logits) must fit the element budget.
        let tc = m.model.config
        try at(a.location) {
            _ = try Shape.count([batch, seq, tc.vocabSize + 16 * tc.dim * tc.layers + tc.heads * seq * tc.layers],
                                op: "train (batch × seq × activations per symbol)")
        }
        return (batch, seq, opt, lr, clip, clipMode)
    }

    /// `train t text …` for a transformer: windows of `seq` symbols (the context unless given), an optimizer step each.
    static func trainTransformer(_ m: TransformerValue, _ c: CorpusValue, _ interp: Interpreter, _ a: CallArgs) throws -> Value {
        var steps = try int(a, "steps")
        try interp.checkTrainSteps(steps, at: a.keywordLocation("steps"))
        if let cap = interp.configuration.limits.stepCap { steps = Swift.min(steps, cap) }
        let (batch, seq, opt, lr, clip, clipMode) = try transformerSettings(m, c, a)
        let t: TransformerTrainer
        if let old = m.trainer, m.trainerCorpus === c, old.batcher.batch == batch, old.batcher.seq == seq, old.lr == lr,
           old.optimizer.settings.kind == opt, old.clip == clip, old.clipMode == clipMode {
            t = old
        } else {
            t = try engine(a.location) {
                try TransformerTrainer(model: m.model, part: c.splits.train, batch: batch, seq: seq, optimizer: opt, lr: lr, clip: clip,
                                       clipMode: clipMode, steps: m.steps, lossHistory: m.lossHistory)
            }
            for w in t.batcher.warnings { interp.write("warning: \(w)\n") }
            m.trainer = t
            m.trainerCorpus = c
        }
        let start = Date()
        var last: (loss: Float, stats: GradientStats)?
        var done = 0, diverged = false
        while done < steps {
            if interp.shouldStop() { break }
            let r = try engine(a.location) { try t.step() }
            if !r.loss.isFinite {
                interp.write("warning: the loss became \(r.loss) at step \(t.stepCount + 1); training stopped at the last good step\n")
                diverged = true
                break
            }
            last = r
            done += 1
            let elapsed = Date().timeIntervalSince(start)
            let symbols = Double(done * t.batcher.batch * t.batcher.seq)
            interp.progress(TrainProgress(step: t.stepCount, done: done, of: steps,
                                          epoch: Double(t.stepCount) / Double(t.batcher.windowsPerEpoch), loss: r.loss, stats: r.stats,
                                          lr: lr, symbolsPerSecond: symbols / Swift.max(elapsed, 1e-9),
                                          etaSeconds: elapsed / Double(done) * Double(steps - done)))
        }
        let seconds = Date().timeIntervalSince(start)
        var fields: [(String, Value)] = [("steps", .number(Double(done))), ("total_steps", .number(Double(t.stepCount))),
                                         ("diverged", .bool(diverged))]
        if let l = last {
            fields.append(("train_loss", .number(Double(l.loss))))
            fields.append(("grad_norm", .number(Double(l.stats.norm))))
            fields.append(("chars_per_sec", .number((Double(done * t.batcher.batch * t.batcher.seq) / Swift.max(seconds, 1e-9)).rounded())))
        }
        fields.append(("seconds", .number((seconds * 100).rounded() / 100)))
        return .record(fields)
    }

    /// `eval t text.val` or `eval t "a text"`.
    static func evalTransformer(_ m: TransformerValue, _ target: Value, _ a: CallArgs, _ interp: Interpreter) throws -> LossReport {
        switch target {
        case .split(let s):
            let b = try int(a, "batch"), q = try int(a, "seq")
            return try engine(a.location) {
                try m.model.evaluate(s.part, batch: b, seq: q, splitSummary: "\(s.name), \(s.corpus.splits.summary), blocks of \(m.model.config.context)",
                                     unit: m.vocabulary.unitName, shouldStop: interp.shouldStop)
            }
        case .string(let text):
            let ids = try engine(a.location(1)) { try m.vocabulary.encode(text) }
            guard ids.count >= 2 else { throw ShellError("eval needs a text of at least two symbols", at: a.location(1)) }
            let part = CorpusSplit(name: "text", segments: [Array(ids.dropLast())], followers: [ids[ids.count - 1]])
            return try engine(a.location) {
                try m.model.evaluate(part, batch: 1, seq: ids.count - 1, splitSummary: "a given text, blocks of \(m.model.config.context)",
                                     unit: m.vocabulary.unitName)
            }
        default:
            throw ShellError("eval takes a transformer and a text (e.g. text.val), got a \(target.kind)", at: a.location(1))
        }
    }

    /// `sample t 300 …`: the next symbol drawn from the last `context` symbols, again and again.
    static func sampleTransformer(_ m: TransformerValue, _ s: SampleSettings, _ interp: Interpreter, _ a: CallArgs) throws -> String {
        let vocab = m.vocabulary
        var ids = try engine(a.keywordLocation("prime")) { try vocab.encode(s.prime) }
        if ids.isEmpty { ids = [vocab.unit == .word ? Vocabulary.eosID : (vocab.id(of: "\n") ?? 0)] }
        return try sampleByDistribution(vocab, from: ids, count: s.length, keep: m.model.config.context, s, interp, a) {
            try m.model.distribution(after: $0)
        }
    }

    /// Samples `count` symbols one at a time, each drawn from `distribution` of the symbols so far (of which a
    /// model reads at most the last `keep`), for the models that give a next-symbol distribution: the window
    /// model and the transformer. Writes the prime and every piece as it comes; Ctrl-C stops between symbols.
    static func sampleByDistribution(_ vocab: Vocabulary, from start: [Int32], count: Int, keep: Int, _ s: SampleSettings,
                                     _ interp: Interpreter, _ a: CallArgs, distribution: ([Int32]) throws -> [Double]) throws -> String {
        var ids = start
        var rng = RandomSource(seed: s.seed)
        var out = s.prime
        interp.write(out)
        var previous: Int? = ids.last.map(Int.init)
        for _ in 0..<count {
            if interp.shouldStop() { break }
            let d = try engine(a.location) { try distribution(ids) }
            let next = drawSymbol(d.map { Float(Foundation.log(Swift.max($0, 1e-30))) }, temperature: s.temperature, topK: s.topK, rng: &rng)
            let piece = vocab.piece(next, after: previous)
            interp.write(piece)
            out += piece
            previous = next
            ids.append(Int32(next))
            if ids.count > 2 * keep { ids.removeFirst(ids.count - keep) }
        }
        return out
    }

    /// `gradflow t "text"` for a transformer: ‖∂cost_N/∂x_n‖ over the input embeddings.
    static func transformerFlow(_ m: TransformerValue, _ text: Value, at loc: SourceLocation, _ a: CallArgs) throws -> (GradientFlow, [String]) {
        let ids = try transformerIDs(m, text, at: loc)
        let flow = try engine(a.location) { try GradientFlow.measure(m.model, ids: ids) }
        let chars = try ids.dropLast().map { try m.vocabulary.decode([$0]) }
        return (flow, chars)
    }

    /// The CPU seconds this process has used (user + system, every thread), from getrusage.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }

    static let transformerBuiltins: [Builtin] = [
        Builtin(name: "cpu_time", usage: "cpu_time()",
                summary: "the CPU seconds lmsh has used so far (every thread, user and system): a training budget that a shared, loaded machine does not shrink, for comparisons at equal compute (examples/09-attention.lmsh)",
                keywords: [], example: "c0 = cpu_time()\nx = randn(200, 200, seed=1) @ randn(200, 200, seed=2)\ncpu_time() - c0 >= 0") { _, a in
            try a.expectCount(0...0)
            try a.checkKeywords([])
            return .number(cpuSeconds())
        },
        Builtin(name: "logprobs", usage: "logprobs(m, \"text\")",
                summary: "log p(symbol n+1 | symbols ≤ n) in nats for every position of a text a transformer reads at once (at most its context + 1 symbols): what a PyTorch re-implementation loading its checkpoint must reproduce",
                keywords: [], example: "text = corpus(\"input.txt\")\nt = transformer(text, layers=1, heads=2, dim=16, context=16)\nlogprobs(t, \"the cat\")") { _, a in
            try a.expectCount(2...2)
            try a.checkKeywords([])
            let m = try transformerArg(a, 0)
            let ids = try transformerIDs(m, a.positional[1].0, at: a.location(1))
            guard ids.count >= 2 else { throw ShellError("logprobs needs a text of at least two symbols", at: a.location(1)) }
            guard ids.count <= m.model.config.context + 1 else {
                throw ShellError("the text has \(ids.count) symbols; this transformer reads at most \(m.model.config.context + 1) at once", at: a.location(1),
                                 hint: "use eval for longer texts")
            }
            let lp = try engine(a.location) { try m.model.tokenLogProbs(ids.map(Int32.init)) }
            return .tensor(Tensor(lp.map(Float.init)))
        },
        Builtin(name: "transformer", usage: "transformer(text, layers=2, heads=4, dim=64, context=64, seed=123)",
                summary: "a small decoder-only transformer as nanoGPT's GPT: token and learned position embeddings, pre-LN blocks of causal self-attention (heads of dim/heads) and a 4·dim GELU MLP, a final layer norm, the head tied to the token embedding; trained (windows of `context`, Adam unless opt= says otherwise), evaluated, sampled, saved (nanoGPT's parameter names: the file loads into PyTorch), and inspected with gradflow and attention",
                keywords: ["layers", "heads", "dim", "context", "seed"],
                example: "text = corpus(\"input.txt\")\nt = transformer(text, layers=1, heads=2, dim=16, context=16)\ntrain t text steps=5 batch=4\neval t text.val") { _, a in
            try a.expectCount(1...1)
            try a.checkKeywords(["layers", "heads", "dim", "context", "seed"])
            let c = try corpusArg(a, 0)
            let layers = try int(a, "layers"), heads = try int(a, "heads"), dim = try int(a, "dim"), context = try int(a, "context")
            if heads >= 1 && dim >= 1 && dim % heads != 0 {
                throw ShellError("dim \(dim) must be a multiple of heads \(heads): each head gets dim/heads", at: a.keywordLocation("dim"),
                                 hint: "e.g. dim=\(Swift.max(1, dim / heads) * heads)")
            }
            let seed = try Builtins.seed(a)
            let config = TransformerModel.Config(vocabSize: c.vocabulary.count, layers: layers, heads: heads, dim: dim, context: context)
            var rng = RandomSource(seed: seed)
            let model = try engine(a.location) { try TransformerModel(config, rng: &rng) }
            return .transformer(TransformerValue(model: model, vocabulary: c.vocabulary))
        },
        Builtin(name: "attention", usage: "attention m \"text\" layer=1 head=1",
                summary: "where one head of a transformer looks over a text (at most its context): row i holds position i's attention weights over positions j ≤ i, each shaded against its row's largest (digits 0–9 without colour), with the row's strongest link named; `export r \"att.html\"` draws it as an HTML heatmap",
                keywords: ["layer", "head"],
                example: "text = corpus(\"input.txt\")\nt = transformer(text, layers=1, heads=2, dim=16, context=16)\nattention t \"the cat sat\" layer=1 head=2") { interp, a in
            try a.expectCount(2...2)
            try a.checkKeywords(["layer", "head"])
            let m = try transformerArg(a, 0)
            let ids = try transformerIDs(m, a.positional[1].0, at: a.location(1))
            let layer = try int(a, "layer"), head = try int(a, "head")
            let loc = (1...m.model.config.layers).contains(layer) ? a.keywordLocation("head") : a.keywordLocation("layer")
            let map = try engine(loc) { try AttentionMap.measure(m.model, ids: ids, layer: layer, head: head) }
            let chars = try ids.map { try m.vocabulary.decode([$0]) }
            interp.write(map.chart(text: chars, mode: interp.configuration.colorMode) + "\n")
            let T = map.size
            return .record([("weights", .tensor(try Tensor(shape: [T, T], data: map.weights.map(Float.init)))),
                            ("text", .string(chars.joined())), ("layer", .number(Double(layer))), ("head", .number(Double(head)))])
        },
    ]
}
