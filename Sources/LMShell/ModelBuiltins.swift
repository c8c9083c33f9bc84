import Foundation
import LMCore
import LMModels

/// Builtins for corpora, models, training, evaluation, sampling and checkpoints.
extension Builtins {
    static func corpusArg(_ a: CallArgs, _ i: Int) throws -> CorpusValue {
        guard case .corpus(let c) = try a.value(i, "a corpus") else {
            throw ShellError("expected a corpus (made with corpus(\"file.txt\")), got a \(a.positional[i].0.kind)", at: a.location(i))
        }
        return c
    }

    static func modelArg(_ a: CallArgs, _ i: Int) throws -> ModelValue {
        guard case .model(let m) = try a.value(i, "a model") else {
            throw ShellError("expected a model, got a \(a.positional[i].0.kind)", at: a.location(i), hint: "make one with lstm(text), rnn(text) or gru(text)")
        }
        return m
    }

    /// Keyword `k` as a whole number, or its default from the builtin's usage line (`Builtins.defaults`).
    static func int(_ a: CallArgs, _ k: String) throws -> Int {
        try (a.keyword(k) ?? defaultValue(a, k)).int(at: a.keywordLocation(k), "a whole number for \(k)")
    }

    static func num(_ a: CallArgs, _ k: String) throws -> Double {
        try (a.keyword(k) ?? defaultValue(a, k)).number(at: a.keywordLocation(k), "a number for \(k)")
    }

    static func str(_ a: CallArgs, _ k: String) throws -> String {
        try (a.keyword(k) ?? defaultValue(a, k)).string(at: a.keywordLocation(k), "a string for \(k)")
    }

    static func int(_ a: CallArgs, _ k: String, _ d: Int) throws -> Int {
        try a.keyword(k)?.int(at: a.keywordLocation(k), "a whole number for \(k)") ?? d
    }

    static func num(_ a: CallArgs, _ k: String, _ d: Double) throws -> Double {
        try a.keyword(k)?.number(at: a.keywordLocation(k), "a number for \(k)") ?? d
    }

    static func str(_ a: CallArgs, _ k: String, _ d: String) throws -> String {
        try a.keyword(k)?.string(at: a.keywordLocation(k), "a string for \(k)") ?? d
    }

    /// Runs model code, turning engine errors into positioned shell errors (a shell error from a user's step
    /// function, which has no position in this cell, gets the call's).
    static func engine<T>(_ loc: SourceLocation, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var e as ShellError {
            if e.location == nil { e.location = loc }
            throw e
        } catch {
            throw ShellError("\(error)", at: loc)
        }
    }

    /// A recurrent model of `cell` from the keywords of `rnn`, `lstm`, `gru` or `peephole`, with the defaults
    /// their usage lines write (layers 1 for the tanh RNN, else 2; init "pytorch" for rnn and gru, else "charrnn").
    static func makeModel(_ cell: CellKind, _ a: CallArgs) throws -> Value {
        try a.expectCount(1...1)
        let c = try corpusArg(a, 0)
        // A recipe (lstm only) gives the size; what the user types overrides it.
        let recipe = cell == .lstm ? try recipeArg(a) : nil
        let hidden = try recipe.flatMap { a.keyword("hidden") == nil ? $0.hidden : nil } ?? int(a, "hidden")
        let layers = try recipe.flatMap { a.keyword("layers") == nil ? $0.layers : nil } ?? int(a, "layers")
        let embed = try int(a, "embed")
        let dropout = try recipe.flatMap { a.keyword("dropout") == nil ? $0.dropout : nil } ?? num(a, "dropout")
        let seed = try Builtins.seed(a)
        if dropout > 0 && layers == 1 {
            throw ShellError("dropout \(Value.format(dropout)) has no effect on a one-layer model: it acts between layers, as in PyTorch's nn.LSTM",
                             at: a.keywordLocation("dropout"), hint: "use layers=2 or more, or leave dropout out")
        }
        guard let initialization = ModelConfig.Initialization(rawValue: try str(a, "init")) else {
            throw ShellError("init must be \"charrnn\" or \"pytorch\"", at: a.keywordLocation("init"))
        }
        var kind = cell
        if cell == .lstm, let v = a.keyword("cell") {
            switch try v.string(at: a.keywordLocation("cell")) {
            case "standard": kind = .lstm
            case "coupled": kind = .coupledLSTM
            case "peephole": kind = .peephole
            case let other:
                throw ShellError("cell must be \"standard\", \"coupled\" or \"peephole\", not \"\(other)\"", at: a.keywordLocation("cell"))
            }
        }
        let tie = try (a.keyword("tie") ?? defaultValue(a, "tie")).bool(at: a.keywordLocation("tie"))
        if tie && embed != 0 && embed != hidden {
            throw ShellError("tie=true shares the embedding with the decoder, so embed must equal hidden (\(hidden)), got \(embed)",
                             at: a.keywordLocation("embed"), hint: "leave embed out (it becomes \(hidden)) or set embed=\(hidden)")
        }
        var config = ModelConfig(cell: kind, vocabSize: c.vocabulary.count, hidden: hidden, layers: layers, embed: tie ? hidden : embed,
                                 dropout: Float(dropout), initialization: initialization)
        config.tie = tie
        var rng = RandomSource(seed: seed)
        let model = try engine(a.location) { try RecurrentModel(config, rng: &rng) }
        if let v = a.keyword("forget_bias"), !v.isNone {
            // The forget-gate block of every layer's input-to-hidden bias (char-rnn's 1 by default);
            // the hidden-to-hidden bias keeps its draw, so the gate's bias is this value plus a small one.
            let loc = a.keywordLocation("forget_bias")
            guard let f = kind.forgetGate else {
                throw ShellError("forget_bias is for LSTMs; a \(kind.rawValue) has no forget gate", at: loc)
            }
            let value = try v.number(at: loc)
            guard value.isFinite, abs(value) <= 100 else { throw ShellError("forget_bias must be a number in [-100, 100]", at: loc) }
            for l in 0..<layers {
                guard let b = model.parameters["rnn.bias_ih_l\(l)"] else { continue }
                for j in 0..<hidden { b.data[f * hidden + j] = Float(value) }
            }
        }
        return .model(ModelValue(model: model, vocabulary: c.vocabulary))
    }

    /// The vocabulary of a model or n-gram value (nil for anything else).
    static func evalVocabulary(_ v: Value) -> Vocabulary? {
        switch v {
        case .model(let m): return m.vocabulary
        case .ngram(let n): return n.corpus.vocabulary
        case .window(let w): return w.vocabulary
        case .transformer(let m): return m.vocabulary
        default: return nil
        }
    }

    static let modelKeywords = ["hidden", "layers", "embed", "tie", "dropout", "init", "seed"]

    /// The trainer for `train`/`step`. Keywords not given keep the values of the model's last run (the
    /// usage's defaults for a first run). The model's own trainer when the corpus and settings are
    /// unchanged; else a new one that continues it (`Trainer.continueRun`: steps, loss history, and the
    /// optimizer state unless `opt` changed), with one line saying what started afresh and why.
    static func trainer(_ m: ModelValue, _ c: CorpusValue, _ a: CallArgs, verb: String, _ interp: Interpreter, recipe: Recipe? = nil) throws -> Trainer {
        let previous = m.trainer
        let s = try trainSettings(m, a, recipe: recipe)
        if let t = previous, m.trainerCorpus === c, t.settings == s { return t }
        let t = try engine(a.location) { try Trainer(model: m.model, splits: c.splits, settings: s) }
        try Limits.checkWindow(m.model.config, batch: t.batcher.batch, seq: t.batcher.seq, op: "train", at: a.location)
        var resets: [String] = []
        if let previous {
            resets = try engine(a.location) { try t.continueRun(from: previous) }.map(\.description)
        } else if m.checkpointSteps > 0 || !m.checkpointLossHistory.isEmpty {
            try engine(a.location) { try t.continueCount(steps: m.checkpointSteps, lossHistory: m.checkpointLossHistory,
                                                          updateRatios: m.checkpointUpdateRatios) }
            resets = ["the optimizer state and the data position (the model was loaded from a checkpoint: load restores its weights and step count, not its training run)"]
        }
        if !resets.isEmpty {
            interp.write("\(verb): reset \(resets.joined(separator: " and ")); steps and loss history go on from step \(t.stepCount)\n")
        }
        m.trainer = t
        m.trainerCorpus = c
        return t
    }

    /// The settings `train` would use: the model's last run's (the usage's defaults for a first run), then
    /// the recipe's, then the keywords typed.
    static func trainSettings(_ m: ModelValue, _ a: CallArgs, recipe: Recipe? = nil) throws -> TrainSettings {
        var s = m.trainer?.settings ?? TrainSettings()
        if let r = recipe { apply(r, to: &s) }
        s.batch = try int(a, "batch", s.batch)
        s.seq = try int(a, "seq", s.seq)
        if let o = a.keyword("opt") {
            let name = try o.string(at: a.keywordLocation("opt"))
            guard let k = OptimizerKind(rawValue: name) else {
                throw ShellError("unknown optimizer \"\(name)\"", at: a.keywordLocation("opt"),
                                 hint: Suggest.hint(for: name, among: OptimizerKind.allCases.map(\.rawValue)) ?? "one of " + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            s.optimizer = k
        }
        s.lr = Float(try num(a, "lr", Double(s.lr)))
        s.clip = Float(try num(a, "clip", Double(s.clip)))
        if let cm = a.keyword("clip_mode") {
            let name = try cm.string(at: a.keywordLocation("clip_mode"))
            guard let mode = ClipMode(rawValue: name) else {
                throw ShellError("clip_mode must be \"norm\" or \"value\"", at: a.keywordLocation("clip_mode"))
            }
            s.clipMode = mode
        }
        s.evalEvery = try int(a, "every", s.evalEvery)
        if let d = a.keyword("decay") {
            let name = try d.string(at: a.keywordLocation("decay"))
            guard let k = LearningRateDecay(rawValue: name) else {
                throw ShellError("decay must be \"charrnn\", \"cosine\" or \"none\", not \"\(name)\"", at: a.keywordLocation("decay"),
                                 hint: "\"cosine\" falls from lr to min_lr over the run's steps or minutes")
            }
            s.decay = k
        }
        s.minLR = Float(try num(a, "min_lr", Double(s.minLR)))
        s.warmup = try int(a, "warmup", s.warmup)
        if a.keyword("seed") != nil {
            let seed = try Builtins.seed(a)
            s.seed = seed
        }
        return s
    }

    static let trainKeywords = ["steps", "batch", "seq", "opt", "lr", "clip", "clip_mode", "every", "seed", "decay", "min_lr", "warmup"]

    /// Seconds of training between two checkpoints of an unfinished `train` when `checkpoint_every` is none.
    static let checkpointSeconds: TimeInterval = 600

    /// `train`'s `checkpoint_every`: steps between checkpoints of the unfinished training (0: none), or nil
    /// (the usage's `none`) for about every `checkpointSeconds` of training.
    static func checkpointEvery(_ a: CallArgs) throws -> Int? {
        let v = try a.keyword("checkpoint_every") ?? defaultValue(a, "checkpoint_every")
        if v.isNone { return nil }
        let loc = a.keywordLocation("checkpoint_every")
        let n = try v.int(at: loc, "a whole number of steps for checkpoint_every")
        guard n >= 0 else {
            throw ShellError("checkpoint_every must be ≥ 0 steps, got \(n)", at: loc,
                             hint: "0 keeps no checkpoint while training; none keeps one about every 10 minutes")
        }
        return n
    }

    /// `recipe=`: a preset of `Recipe.table`, or nil (none, or not given).
    static func recipeArg(_ a: CallArgs) throws -> Recipe? {
        guard let v = a.keyword("recipe"), !v.isNone else { return nil }
        let loc = a.keywordLocation("recipe")
        let name = try v.string(at: loc, "a recipe name")
        guard let r = Recipe.named(name) else {
            throw ShellError("unknown recipe \"\(name)\"", at: loc,
                             hint: Suggest.hint(for: name, among: Recipe.names) ?? "one of " + Recipe.names.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return r
    }

    /// Recipes are for the recurrent models (`lstm(text, recipe=…)`): a clear error for anything else.
    static func noRecipe(_ a: CallArgs, _ what: String) throws {
        guard let v = a.keyword("recipe"), !v.isNone else { return }
        throw ShellError("a recipe picks settings for an LSTM made with lstm(text, recipe=…), not for \(what)", at: a.keywordLocation("recipe"),
                         hint: "leave recipe out and set steps=, minutes=, lr= … yourself")
    }

    /// The training half of a recipe, under what the user types (which `trainer` reads after it).
    static func apply(_ r: Recipe, to s: inout TrainSettings) {
        s.batch = r.batch
        s.seq = r.seq
        s.optimizer = r.optimizer
        s.lr = Float(r.lr)
        s.clip = Float(r.clip)
        s.clipMode = r.clipMode
        s.decay = .cosine
        s.minLR = Float(r.minLR)
        s.warmup = r.warmup
    }

    /// `train`'s budget: `steps` and `minutes` (whichever runs out first; with minutes and no steps, the
    /// time alone, up to the step limit), and whether the run keeps its best validation weights.
    static func trainBudget(_ a: CallArgs, _ interp: Interpreter, recipe: Recipe? = nil) throws -> TrainBudget {
        var seconds: Double?
        if let v = a.keyword("minutes"), !v.isNone {
            let loc = a.keywordLocation("minutes")
            let minutes = try v.number(at: loc, "a number of minutes")
            guard minutes.isFinite, minutes >= 0, minutes <= 1_000_000 else {
                throw ShellError("minutes must be in 0...1000000, got \(Value.format(minutes))", at: loc, hint: "minutes=0.5 is thirty seconds")
            }
            seconds = minutes * 60
        } else if let r = recipe {
            seconds = r.minutes * 60
        }
        var steps: Int
        if a.keyword("steps") == nil, seconds != nil {
            steps = interp.configuration.limits.trainSteps
        } else {
            steps = try int(a, "steps")
            try interp.checkTrainSteps(steps, at: a.keywordLocation("steps"))
        }
        if let cap = interp.configuration.limits.stepCap { steps = Swift.min(steps, cap) }
        let keepBest = try a.keyword("keep_best").flatMap { $0.isNone ? nil : try $0.bool(at: a.keywordLocation("keep_best")) } ?? (recipe != nil)
        return TrainBudget(steps: steps, seconds: seconds, keepBest: keepBest)
    }

    static let modelBuiltins: [Builtin] = [
        Builtin(name: "corpus", usage: "corpus(\"file.txt\", unit=\"char\", vocab=10000, lower=false, val=0.05, test=0, layout=\"charrnn\", batch=50, seq=50, wrap=0)",
                summary: "loads a UTF-8 text; unit \"char\": symbols are Unicode scalars; unit \"word\": words and punctuation (Unicode letters are letters), <eos> at line ends, the vocab most frequent kept and the rest read as <unk> (lower=true lower-cases); layout \"charrnn\" (default) or \"contiguous\"; wrap=40 re-flows each paragraph to lines of at most 40 characters (a character corpus; 0 keeps the file's lines), the start of a curriculum (example 06)",
                keywords: ["unit", "vocab", "lower", "val", "test", "layout", "batch", "seq", "wrap"], example: "text = corpus(\"input.txt\", val=0.1)\ntext.vocab_size\nwords = corpus(\"input.txt\", unit=\"word\", vocab=1000)\nwords.unk_rate") { interp, a in
            try a.expectCount(1...1)
            let path = try a.positional[0].0.string(at: a.location(0), "a file path")
            var spec = SplitSpec()
            spec.val = try num(a, "val")
            spec.test = try num(a, "test")
            spec.batch = try int(a, "batch")
            spec.seq = try int(a, "seq")
            let layout = try str(a, "layout")
            guard let l = SplitLayout(rawValue: layout) else {
                throw ShellError("layout must be \"charrnn\" or \"contiguous\"", at: a.keywordLocation("layout"))
            }
            spec.layout = l
            let url = try interp.resolvePath(path, for: .read, at: a.location(0))
            let unit = try str(a, "unit")
            let wrap = try int(a, "wrap")
            guard (0...100_000).contains(wrap) else {
                throw ShellError("wrap must be a line width in 1...100000 (or 0 to keep the file's lines), got \(wrap)", at: a.keywordLocation("wrap"))
            }
            if wrap > 0 && unit != "char" {
                throw ShellError("wrap re-flows the lines of a character corpus; a word corpus reads each line end as <eos>, so re-flowing would change its sentences: drop wrap= or use unit=\"char\"", at: a.keywordLocation("wrap"))
            }
            let corpus: Corpus
            switch unit {
            case "char" where wrap > 0:
                corpus = try engine(a.location(0)) { try Corpus(contentsOfFile: url.path, wrap: wrap) }
            case "char":
                corpus = try engine(a.location(0)) { try Corpus(contentsOfFile: url.path) }
            case "word":
                let vocab = try int(a, "vocab")
                guard vocab >= 2, vocab <= 10_000_000 else {
                    throw ShellError("vocab must be in 2...10000000 (it counts <unk> and <eos>), got \(vocab)", at: a.keywordLocation("vocab"))
                }
                let lower = try (a.keyword("lower") ?? defaultValue(a, "lower")).bool(at: a.keywordLocation("lower"))
                corpus = try engine(a.location(0)) { try Corpus(contentsOfFile: url.path, words: vocab, lower: lower) }
            default:
                throw ShellError("unit must be \"char\" or \"word\", not \"\(unit)\"", at: a.keywordLocation("unit"))
            }
            let splits = try engine(a.location) { try CorpusSplits(corpus, spec) }
            for w in splits.warnings { interp.write("warning: \(w)\n") }
            return .corpus(CorpusValue(path: path, corpus: corpus, splits: splits))
        },
        Builtin(name: "rnn", usage: "rnn(text, hidden=128, layers=1, embed=0, tie=false, dropout=0, init=\"pytorch\", seed=123)",
                summary: "a vanilla tanh RNN language model: h = tanh(V_x x + V_h h_prev + c); over characters or words (a word corpus wants embed=); tie=true shares the embedding with the decoder (Press & Wolf 2017; embed becomes hidden)", keywords: modelKeywords, example: "text = corpus(\"input.txt\")\nm = rnn(text, hidden=32)\nm.rnn.weight_hh_l0.shape") { _, a in
            try makeModel(.rnn, a)
        },
        Builtin(name: "lstm", usage: "lstm(text, hidden=128, layers=2, cell=\"standard\", dropout=0, embed=0, tie=false, init=\"charrnn\", forget_bias=none, recipe=none, seed=123)",
                summary: "an LSTM language model; cell=\"coupled\" is the lecture's coupled LSTM (no peepholes), cell=\"peephole\" the gates also read the cell; forget_bias sets the forget gate's bias (none keeps the initialisation's: init=\"charrnn\" sets 1: σ(1) ≈ 0.73 of the cell kept per step; init=\"pytorch\" draws it); recipe=\"fast\" (2×128) or \"long\" (2×512, dropout 0.25) picks hidden, layers and dropout for train's recipe of that name (what you type overrides it)",
                keywords: modelKeywords + ["cell", "forget_bias", "recipe"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=32, layers=1, cell=\"coupled\")\nm.parameters") { _, a in
            try makeModel(.lstm, a)
        },
        Builtin(name: "gru", usage: "gru(text, hidden=128, layers=2, dropout=0, embed=0, tie=false, init=\"pytorch\", seed=123)",
                summary: "a GRU language model (PyTorch's equations)", keywords: modelKeywords, example: "text = corpus(\"input.txt\")\nm = gru(text, hidden=32, layers=1, embed=16)\nm.encoder.weight.shape") { _, a in
            try makeModel(.gru, a)
        },
        Builtin(name: "peephole", usage: "peephole(text, hidden=128, layers=2, dropout=0, embed=0, tie=false, init=\"charrnn\", forget_bias=none, seed=123)",
                summary: "an LSTM with peepholes: the gates also read the cell (i, f from c_prev, o from c, through rnn.weight_ci/cf/co); it runs on its definition (see m.plan)",
                keywords: modelKeywords + ["forget_bias"], example: "text = corpus(\"input.txt\")\nm = peephole(text, hidden=16, layers=1)\nm.rnn.weight_cf_l0.shape") { _, a in
            try makeModel(.peephole, a)
        },
        Builtin(name: "ngram", usage: "ngram(text, n=6)", summary: "an n-gram over the corpus's symbols (characters, or words for a word corpus) with interpolated Kneser-Ney smoothing, trained on text.train",
                keywords: ["n"], example: "text = corpus(\"input.txt\")\nlm = ngram(text, n=3)\neval lm text.val") { _, a in
            try a.expectCount(1...1)
            let c = try corpusArg(a, 0)
            let n = try int(a, "n")
            let model = try engine(a.location) { try NGramModel(order: n, vocabularySize: c.vocabulary.count, training: c.splits.train) }
            return .ngram(NGramValue(model: model, corpus: c))
        },
        Builtin(name: "train", usage: "train m text steps=1000 minutes=none recipe=none batch=50 seq=50 opt=\"rmsprop\" lr=2e-3 clip=5 clip_mode=\"value\" every=0 seed=123 decay=\"charrnn\" min_lr=0 warmup=0 keep_best=none checkpoint_every=none watch=false params=none",
                summary: "trains with truncated BPTT, continuing the model's last run: steps and loss history add up, keywords not given keep their last values, and the optimizer state carries over unless opt changes (a line says what restarts and why); opt is \"rmsprop\" (char-rnn's), \"adam\", \"adagrad\", \"sgd\" (with momentum 0.9) or \"gd\" (plain gradient descent, θ ← θ − lr·∇θ); Ctrl-C stops after the current step, keeping the model; while it runs, a recorded session keeps a checkpoint of the unfinished training every checkpoint_every steps of this call (none: about every 10 minutes; 0: never) and whenever validation is evaluated, so a killed training resumes from it on replay; watch=true prints a training monitor (per parameter the update-to-data ratio log10(‖lr·update‖/‖w‖), healthy near −3) ten times a run, or every `every` steps; m.update_ratio keeps them per step for plot. train loss_fn params=[W, b] steps=… trains tensors by a loss function you write (called with the step number if it takes one). minutes=2 is a wall-clock budget: the run stops at the first step boundary after it (with steps= too, whichever comes first; the result's stopped says which). decay=\"cosine\" falls from lr to min_lr over the run's steps or minutes, warmup=N raises lr linearly over the run's first N steps; keep_best=true evaluates val at each tenth of the run and at its end and leaves the model at the weights of the best val loss (best_val, best_step, restored_best). recipe=\"fast\" picks batch, seq, opt, lr, a warm-up and a cosine to a floor over 2 minutes and keep_best=true (any keyword you type overrides it), aimed with m = lstm(text, recipe=\"fast\") at char-rnn's best Shakespeare loss (1.386) in two minutes on two quiet cores; recipe=\"long\" does the same over 30 minutes for lstm(text, recipe=\"long\"), aimed at val ≤ 1.33; the table and its measurements are in Recipes.swift and bench/recipes.md", keywords: trainKeywords + ["minutes", "recipe", "keep_best", "checkpoint_every", "watch", "params"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=32, layers=1)\nr = train m text steps=20 batch=8 seq=16 opt=\"adam\" lr=1e-2\nr.train_loss") { interp, a in
            if case .function(let fn)? = a.positional.first?.0 { return try trainLossFunction(fn, interp, a) }
            if a.keyword("params") != nil {
                throw ShellError("params= goes with a loss function: train loss_fn params=[W, b]", at: a.keywordLocation("params"),
                                 hint: "a model trains its own parameters: train m text")
            }
            try a.expectCount(2...2)
            if case .window(let w) = a.positional[0].0 { return try trainWindow(w, try corpusArg(a, 1), interp, a) }
            if case .transformer(let m) = a.positional[0].0 { return try trainTransformer(m, try corpusArg(a, 1), interp, a) }
            let m = try modelArg(a, 0), c = try corpusArg(a, 1)
            let recipe = try recipeArg(a)
            let budget = try trainBudget(a, interp, recipe: recipe)
            let steps = budget.steps
            let checkpointEvery = try checkpointEvery(a)
            let watch = try a.keyword("watch")?.bool(at: a.keywordLocation("watch")) ?? false
            let every = try a.keyword("every")?.int(at: a.keywordLocation("every"), "a whole number for every") ?? 0
            // watch=true: every `every` steps, else ten times a run (by its steps, or by its minutes).
            let watchEvery = every > 0 ? every : (budget.seconds != nil ? 0 : Swift.max(1, steps / 10))
            var nextWatchTenth = 1
            let t = try trainer(m, c, a, verb: "train", interp, recipe: recipe)
            if let restored = try interp.willTrain(m, t) { return restored }
            for w in t.warnings { interp.write("warning: \(w)\n") }
            let start = Date()
            var last: TrainProgress?
            var stopped = false
            var lastCheckpoint = start, checkpointFailed = false
            // A NaN or Inf stops training and rolls back to the last good step: a result the script reads
            // (`r.diverged`), shown as a warning, not an error that stops the script.
            var diverged: TrainingDiverged?
            let before = t.stepCount
            let outcome = try engine(a.location) { () throws -> TrainOutcome in
                do {
                    return try t.run(budget) { p in
                        last = p
                        interp.progress(p)
                        if watch {
                            var due = p.stop != nil
                            if watchEvery > 0 { due = due || p.done % watchEvery == 0 } else if p.fractionDone * 10 >= Double(nextWatchTenth) {
                                due = true
                                while p.fractionDone * 10 >= Double(nextWatchTenth) { nextWatchTenth += 1 }
                            }
                            if due { interp.write(TrainingMonitor.table(t, progress: p)) }
                        }
                        // A checkpoint of the unfinished training (the finished one is the recorder's, after the cell).
                        if p.stop == nil, checkpointEvery != 0 {
                            let due = checkpointEvery.map { p.done % $0 == 0 }
                                ?? (Date().timeIntervalSince(lastCheckpoint) >= checkpointSeconds)
                            if due || p.valLoss != nil {
                                do {
                                    try interp.trainingCheckpoint(m, t, done: p.done, of: p.totalSteps)
                                } catch {
                                    if !checkpointFailed {
                                        interp.write("warning: no checkpoint of the unfinished training at step \(p.step): \(error); training goes on\n")
                                    }
                                    checkpointFailed = true
                                }
                                lastCheckpoint = Date()
                            }
                        }
                        if interp.shouldStop() { stopped = true; return false }
                        return true
                    }
                } catch let e as TrainingDiverged {
                    diverged = e
                    var o = TrainOutcome()
                    o.done = t.stepCount - before
                    return o
                }
            }
            if let diverged { interp.write("warning: \(diverged.message)\n") }
            if outcome.restoredBest, let b = outcome.bestVal, let s = outcome.bestStep, let l = outcome.lastVal {
                interp.write(String(format: "train: kept the weights of step %d (val %.4f; the last step's val was %.4f)\n", s, b, l))
            }
            var fields: [(String, Value)] = [("steps", .number(Double(outcome.done))), ("total_steps", .number(Double(t.stepCount))),
                                             ("diverged", .bool(diverged != nil))]
            if let diverged { fields.append(("diverged_at", .number(Double(diverged.step)))) }
            fields.append(("stopped", .string(diverged != nil ? "diverged" : outcome.stop.rawValue)))
            if let p = last {
                fields.append(("train_loss", .number(Double(p.trainLoss))))
                if let v = p.valLoss { fields.append(("val_loss", .number(v))) }
                fields.append(("grad_norm", .number(Double(p.gradNorm))))
                fields.append(("chars_per_sec", .number(p.charsPerSecond.rounded())))
            }
            if let b = outcome.bestVal, let s = outcome.bestStep {
                fields.append(("best_val", .number(b)))
                fields.append(("best_step", .number(Double(s))))
                fields.append(("restored_best", .bool(outcome.restoredBest)))
            }
            fields.append(("seconds", .number((Date().timeIntervalSince(start) * 100).rounded() / 100)))
            if stopped { fields.append(("interrupted", .bool(true))) }
            return .record(fields)
        },
        Builtin(name: "step", usage: "step m text batch=50 seq=50 opt=\"rmsprop\" lr=2e-3 clip=5 clip_mode=\"value\" every=0 seed=123 decay=\"charrnn\" min_lr=0 warmup=0", summary: "one training step (keywords as for train); reports the loss and the gradient norm before clipping",
                keywords: trainKeywords.filter { $0 != "steps" }, example: "text = corpus(\"input.txt\")\nm = rnn(text, hidden=32)\nstep m text batch=8 seq=16") { interp, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0), c = try corpusArg(a, 1)
            let t = try trainer(m, c, a, verb: "step", interp)
            if let restored = try interp.willTrain(m, t) { return restored }
            let r = try engine(a.location) { try t.step() }
            return .record([
                ("step", .number(Double(t.stepCount))), ("loss", .number(Double(r.loss))), ("grad_norm", .number(Double(r.stats.norm))),
                ("grad_ratio", .number(Double(r.stats.ratio))), ("clipped", .bool(r.stats.clipped)), ("lr", .number(Double(r.lr))),
            ])
        },
        Builtin(name: "profile", usage: "profile train m text steps=20 warm=3 threads=none batch=50 seq=50 opt=\"rmsprop\" lr=2e-3 clip=5 clip_mode=\"value\" seed=123 decay=\"charrnn\" min_lr=0 warmup=0 recipe=none",
                summary: "where a training step's time goes: warm untimed steps, then steps steps run exactly as train runs them (fused kernels, or autodiff for typed cells and transformers) with a clock around each phase (input projection, per-step GEMMs, gate math, decoder, softmax, backward, clipping, optimizer, …); prints total ms, ms/step and % of the step (other: the step minus the phases) and returns them as a record (p.optimizer_ms: ms per step); keywords as for train; the model is unchanged: the steps run on a trainer of their own and its parameters and gradients are put back; :profile m text is the same",
                keywords: profileKeywords, example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=16, layers=1)\np = profile train m text steps=3 warm=1 batch=8 seq=16\np.optimizer_ms >= 0") { interp, a in
            try profileVerb(interp, a)
        },
        Builtin(name: "lm_loss", usage: "lm_loss(m, \"text\")",
                summary: "mean cross-entropy (nats/char) of predicting each next character of a text from the zero state, on the reference path: backward() fills the model's .grad",
                keywords: [], example: "text = corpus(\"input.txt\")\nm = rnn(text, hidden=8)\nl = lm_loss(m, \"the cat sat\")\nl.backward()\nm.rnn.weight_hh_l0.grad.shape") { _, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0)
            let text = try a.positional[1].0.string(at: a.location(1), "a text")
            let ids = try engine(a.location(1)) { try m.vocabulary.encode(text).map(Int.init) }
            guard ids.count >= 2 else { throw ShellError("lm_loss needs a text of at least two characters", at: a.location(1)) }
            guard ids.count <= 100_000 else { throw ShellError("lm_loss builds a graph per character; \(ids.count) is too many", at: a.location(1), hint: "use eval for long texts") }
            let r = try engine(a.location) {
                try m.model.referenceForward(ids: Array(ids.dropLast()), targets: Array(ids.dropFirst()), batch: 1,
                                             state: RecurrentState(config: m.model.config, batch: 1))
            }
            return .tensor(r.loss)
        },
        Builtin(name: "eval", usage: "eval m text.val (or a string), batch=50, seq=50, unit=none", summary: "loss over a whole text with the state carried: nats, bits and perplexity per unit (char or word, named in the result); every symbol of a split is predicted once (the tail after whole windows continues the last stream), and an n-gram is scored on the very same predictions, so the counts agree; unit=\"word\" scores a character model per word (its summed character losses over the text's word tokens, an <eos> per line), so char and word models meet on one table",
                keywords: ["batch", "seq", "unit"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=32, layers=1)\neval m text.val batch=8 seq=16\neval(m, \"the \").bits") { interp, a in
            try a.expectCount(2...2)
            let target = a.positional[1].0
            let measured: LossReport
            try a.checkKeywords(["batch", "seq", "unit"])
            switch (a.positional[0].0, target) {
            case (.model(let m), .split(let s)):
                let b = try int(a, "batch"), q = try int(a, "seq")
                let (window, overflow) = b.multipliedReportingOverflow(by: q)
                try Limits.checkWindow(m.model.config, batch: 1, seq: overflow ? s.part.count : min(max(window, 0), s.part.count),
                                       op: "eval", at: a.location)
                measured = try engine(a.location) {
                    try m.model.evaluate(s.part, batch: b, seq: q, splitSummary: "\(s.name), \(s.corpus.splits.summary)", shouldStop: interp.shouldStop)
                }
            case (.model(let m), .string(let text)):
                let ids = try engine(a.location(1)) { try m.vocabulary.encode(text).map(Int.init) }
                guard ids.count >= 2 else { throw ShellError("eval needs a text of at least two characters", at: a.location(1)) }
                try Limits.checkWindow(m.model.config, batch: 1, seq: ids.count, op: "eval", at: a.location(1))
                let r = try engine(a.location) {
                    try FusedWindow().run(m.model, ids: Array(ids.dropLast()), targets: Array(ids.dropFirst()), batch: 1,
                                          state: RecurrentState(config: m.model.config, batch: 1), train: false)
                }
                measured = LossReport(nats: Double(r.loss), characters: ids.count - 1, splitSummary: "a given text")
            case (.window(let w), .split(let s)):
                let b = try int(a, "batch"), q = try int(a, "seq")
                measured = try engine(a.location) {
                    try w.model.evaluate(s.part, batch: b, seq: q, splitSummary: "\(s.name), \(s.corpus.splits.summary)", shouldStop: interp.shouldStop)
                }
            case (.window(let w), .string(let text)):
                let ids = try engine(a.location(1)) { try w.vocabulary.encode(text) }
                guard ids.count >= 2 else { throw ShellError("eval needs a text of at least two symbols", at: a.location(1)) }
                let part = CorpusSplit(name: "text", segments: [Array(ids.dropLast())], followers: [ids[ids.count - 1]])
                measured = try engine(a.location) { try w.model.evaluate(part, batch: 1, seq: ids.count - 1, splitSummary: "a given text") }
            case (.transformer(let m), _):
                measured = try evalTransformer(m, target, a, interp)
            case (.ngram(let n), .split(let s)):
                // The predictions a recurrent model's eval makes with the same batch and seq (same count, same targets).
                let b = try int(a, "batch"), q = try int(a, "seq")
                let e = try engine(a.location) { try n.model.evaluate(s.part, batch: b, seq: q) }
                measured = LossReport(nats: e.natsPerSymbol, characters: e.symbols, splitSummary: "\(s.name), \(s.corpus.splits.summary)")
            case (.ngram(let n), .string(let text)):
                let ids = try engine(a.location(1)) { try n.corpus.vocabulary.encode(text) }
                guard ids.count >= 2 else { throw ShellError("eval needs a text of at least two symbols", at: a.location(1)) }
                let e = try engine(a.location) { try n.model.evaluate(inputs: Array(ids.dropLast()), targets: Array(ids.dropFirst())) }
                measured = LossReport(nats: e.natsPerSymbol, characters: e.symbols, splitSummary: "a given text")
            default:
                throw ShellError("eval takes a model or n-gram and a text (e.g. text.val), got a \(a.positional[0].0.kind) and a \(target.kind)", at: a.location)
            }
            var unit = evalVocabulary(a.positional[0].0)?.unitName ?? "char"
            var report = measured
            if let u = a.keyword("unit"), !u.isNone {
                let asked = try u.string(at: a.keywordLocation("unit"))
                switch (asked, unit) {
                case ("char", "char"), ("word", "word"): break
                case ("word", "char"):
                    // The same total loss, divided among the text's words rather than its characters.
                    let text: String
                    switch target {
                    case .split(let sp): text = try engine(a.location(1)) { try sp.corpus.vocabulary.decode(sp.part.segments.joined()) }
                    case .string(let t): text = t
                    default: text = ""
                    }
                    var words = 0
                    WordTokenizer.forEachToken(in: text) { _ in words += 1 }
                    guard words > 0 else { throw ShellError("the text has no words to score per word", at: a.location(1)) }
                    report = LossReport(nats: report.nats * Double(report.characters) / Double(words), characters: words,
                                        splitSummary: report.splitSummary, unit: "word")
                    unit = "word"
                case ("char", _):
                    throw ShellError("a word model's loss has no per-character share", at: a.keywordLocation("unit"), hint: "leave unit out, or use \"word\"")
                default:
                    throw ShellError("unit must be \"char\" or \"word\", not \"\(asked)\"", at: a.keywordLocation("unit"))
                }
            }
            return .record([
                ("nats", .number(report.nats)), ("bits", .number(report.bits)), ("perplexity", .number(report.perplexity)),
                ("unit", .string(unit)), (unit + "s", .number(Double(report.characters))), ("split", .string(report.splitSummary)),
            ])
        },
        Builtin(name: "sample", usage: "sample m 300 temp=1 prime=\"\" seed=1 topk=0",
                summary: "generates text, streaming it; temp=0 is argmax", keywords: ["temp", "prime", "seed", "topk"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=32, layers=1)\nsample m 40 temp=0.8 prime=\"the \"") { interp, a in
            try a.expectCount(1...2)
            let length = a.count > 1 ? try a.positional[1].0.int(at: a.location(1), "a length") : 300
            var s = SampleSettings()
            try interp.checkSampleLength(length, at: a.location(1))
            s.length = length
            s.temperature = Float(try num(a, "temp"))
            s.topK = try int(a, "topk")
            s.prime = try str(a, "prime")
            let seed = try Builtins.seed(a)
            s.seed = seed
            let text: String
            switch a.positional[0].0 {
            case .model(let m):
                text = try engine(a.location) {
                    try m.model.sample(vocabulary: m.vocabulary, s) { piece in
                        interp.write(piece)
                        return !interp.shouldStop()
                    }
                }
            case .window(let w):
                let ids = try engine(a.keywordLocation("prime")) { try w.vocabulary.encode(s.prime) }
                text = try sampleByDistribution(w.vocabulary, from: ids, count: length, keep: w.model.config.n, s, interp, a) {
                    try w.model.distribution(after: $0)
                }
            case .transformer(let m):
                text = try sampleTransformer(m, s, interp, a)
            case .ngram(let n):
                let vocab = n.corpus.vocabulary
                let prompt = try engine(a.keywordLocation("prime")) { try vocab.encode(s.prime) }
                var rng = RandomSource(seed: s.seed)
                let ids = try engine(a.location) { try n.model.sample(count: length, prompt: prompt, temperature: Double(s.temperature == 0 ? 1e-3 : s.temperature), rng: &rng) }
                if vocab.unit == .word {
                    // Words after the prime's last token, spaced as the sampler spaces them.
                    var previous = prompt.last.map(Int.init), out = s.prime
                    for id in ids.map(Int.init) {
                        out += vocab.piece(id, after: previous)
                        previous = id
                    }
                    text = out
                } else {
                    text = s.prime + (try engine(a.location) { try vocab.decode(ids) })
                }
                interp.write(text)
            default:
                throw ShellError("sample takes a model or an n-gram, got a \(a.positional[0].0.kind)", at: a.location(0))
            }
            interp.write("\n")
            interp.variables["_"] = .string(text)
            return .none
        },
        Builtin(name: "save", usage: "save m \"path.safetensors\" training=false overwrite=false", summary: "writes a safetensors checkpoint atomically (training=true adds optimizer and data state); it replaces only an lmsh checkpoint unless overwrite=true",
                keywords: ["training", "overwrite"], example: "text = corpus(\"input.txt\")\nm = rnn(text, hidden=32)\nsave m \"m.safetensors\"\nload(\"m.safetensors\")") { interp, a in
            try a.expectCount(2...2)
            let path = try a.positional[1].0.string(at: a.location(1), "a file path")
            let url = try interp.resolvePath(path, for: .write, at: a.location(1))
            let training = try a.keyword("training")?.bool(at: a.keywordLocation("training")) ?? false
            let overwrite = try a.keyword("overwrite")?.bool(at: a.keywordLocation("overwrite")) ?? false
            if case .window(let w) = a.positional[0].0 {
                try interp.checkReplace(url, path, export: false, overwrite: overwrite, at: a.location(1))
                try engine(a.location) {
                    try Files.makeFolder(for: url, at: a.location(1))
                    try WindowCheckpoint.save(w.model, vocabulary: w.vocabulary, steps: w.steps, lossHistory: w.lossHistory, to: url)
                }
                return .none
            }
            if case .transformer(let m) = a.positional[0].0 {
                try interp.checkReplace(url, path, export: false, overwrite: overwrite, at: a.location(1))
                try engine(a.location) {
                    try Files.makeFolder(for: url, at: a.location(1))
                    try TransformerCheckpoint.save(m.model, vocabulary: m.vocabulary, steps: m.steps, lossHistory: m.lossHistory, to: url)
                }
                return .none
            }
            let m = try modelArg(a, 0)
            try interp.checkReplace(url, path, export: false, overwrite: overwrite, at: a.location(1))
            if let typed = m.model.cell.definition as? UserCell, let name = typed.unsavable.first {
                throw ShellError("cannot save: the function \(name) was not defined in a cell of its own, so its source is unknown", at: a.location(0),
                                 hint: "define it again alone in a cell (def \(name)(…) { … }), then make the model with recurrent(…) again")
            }
            try engine(a.location) {
                try Files.makeFolder(for: url, at: a.location(1))
                if training, let t = m.trainer {
                    try t.saveCheckpoint(to: url, vocabulary: m.vocabulary)
                } else {
                    var info = ModelCheckpoint.Info(vocabulary: m.vocabulary)
                    info.step = m.steps
                    info.lossHistory = m.lossHistory
                    info.updateRatios = m.updateRatios
                    info.splitSummary = m.trainer?.splits.summary ?? ""
                    try ModelCheckpoint.save(m.model, info, to: url)
                }
            }
            return .none
        },
        Builtin(name: "load", usage: "load(\"path.safetensors\")", summary: "reads a model checkpoint (every header field and a checksum are checked); load(\"run/\") reads back a run folder `export m \"run/\" torch=true` wrote and PyTorch continued, with its step count and whole loss history", keywords: [], example: "text = corpus(\"input.txt\")\nsave rnn(text, hidden=32) \"m.safetensors\"\nm = load(\"m.safetensors\")\nm") { interp, a in
            try a.expectCount(1...1)
            let path = try a.positional[0].0.string(at: a.location(0), "a file path")
            let url = try interp.resolvePath(path, for: .read, at: a.location(0))
            if isRunFolder(url) { return try importRun(interp, url, path, at: a.location(0)) }
            var isFolder: ObjCBool = false
            let exported = url.appendingPathComponent("model.safetensors")
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue,
               FileManager.default.fileExists(atPath: exported.path),
               let file = try? SafeTensorsFile.read(from: exported), TransformerCheckpoint.isTransformer(file) {
                let m = try engine(a.location(0)) { try TransformerCheckpoint.load(file) }
                return .transformer(TransformerValue(model: m.model, vocabulary: m.vocabulary, steps: m.steps, lossHistory: m.lossHistory))
            }
            try Files.checkReadable(url, "checkpoint", at: a.location(0))
            let file = try engine(a.location(0)) { try SafeTensorsFile.read(from: url) }
            if WindowCheckpoint.isWindow(file) {
                let w = try engine(a.location(0)) { try WindowCheckpoint.load(file) }
                return .window(WindowValue(model: w.model, vocabulary: w.vocabulary, steps: w.steps, lossHistory: w.lossHistory))
            }
            if TransformerCheckpoint.isTransformer(file) {
                let m = try engine(a.location(0)) { try TransformerCheckpoint.load(file) }
                return .transformer(TransformerValue(model: m.model, vocabulary: m.vocabulary, steps: m.steps, lossHistory: m.lossHistory))
            }
            let userCells = try interp.userCell(from: file, at: a.location(0)).map { [$0] } ?? []
            let (model, info) = try engine(a.location(0)) { try ModelCheckpoint.model(from: file, cells: userCells) }
            return .model(ModelValue(model: model, vocabulary: info.vocabulary, steps: info.step, lossHistory: info.lossHistory,
                                     updateRatios: info.updateRatios))
        },
    ]
}
