import LMCore
import LMModels

/// `profile train m text …` (and `:profile m text …` at the prompt): where a training step's time goes, as a
/// table, so that the next optimisation is chosen by measurement. The steps run as `train` runs them, on a
/// trainer of their own; the model's parameters and gradients are put back afterwards (`TrainingProfile`).
extension Builtins {
    static let profileKeywords = ["steps", "warm", "threads", "batch", "seq", "opt", "lr", "clip", "clip_mode", "seed", "decay",
                                  "min_lr", "warmup", "recipe"]

    static func profileVerb(_ interp: Interpreter, _ a: CallArgs) throws -> Value {
        var a = a
        // `profile train m text`: the verb profiled is train (the only one so far); `profile m text` means the same.
        if case .builtin(let verb)? = a.positional.first?.0 {
            guard verb == "train" else {
                throw ShellError("profile measures training steps, not \(verb)", at: a.location(0),
                                 hint: "profile train m text steps=20")
            }
            a.positional.removeFirst()
        }
        guard let first = a.positional.first else {
            throw ShellError("profile needs a model and a text: profile train m text", at: a.location, hint: "profile train m text steps=20")
        }
        guard a.positional.count >= 2 else {
            throw ShellError("profile needs a text to train on after the model", at: a.location(0),
                             hint: "profile train m text steps=20, with text = corpus(\"input.txt\")")
        }
        guard a.positional.count == 2 else {
            throw ShellError("profile takes a model and a text, got \(a.positional.count) arguments", at: a.location(2),
                             hint: "profile train m text steps=20")
        }
        let c = try corpusArg(a, 1)
        let stepsLoc = a.keywordLocation("steps")
        var steps = try int(a, "steps")
        guard steps >= 1 else {
            throw ShellError("steps must be at least 1 to profile, got \(steps)", at: stepsLoc, hint: "steps=20 (the default) times 20 steps after warm=3 untimed ones")
        }
        try interp.checkTrainSteps(steps, at: stepsLoc)
        if let cap = interp.configuration.limits.stepCap { steps = Swift.max(1, Swift.min(steps, cap)) }
        let warm = try int(a, "warm")
        guard warm >= 0 && warm <= interp.configuration.limits.trainSteps else {
            throw ShellError("warm must be in 0...\(interp.configuration.limits.trainSteps) steps, got \(warm)", at: a.keywordLocation("warm"),
                             hint: "warm=3 (the default) runs three untimed steps first")
        }
        let profile: TrainingProfile
        switch first.0 {
        case .model(let m):
            let recipe = try recipeArg(a)
            let s = try trainSettings(m, a, recipe: recipe)
            try Limits.checkWindow(m.model.config, batch: s.batch, seq: s.seq, op: "profile", at: a.location)
            let threads = try threadsArg(a)
            profile = try engine(a.location) {
                try TrainingProfile.measure(m.model, splits: c.splits, settings: s, steps: steps, warmup: warm, threads: threads,
                                            shouldStop: interp.shouldStop)
            }
        case .transformer(let m):
            try noRecipe(a, "a transformer")
            let (batch, seq, opt, lr, clip, clipMode) = try transformerSettings(m, c, a)
            profile = try engine(a.location) {
                try TrainingProfile.measure(m.model, part: c.splits.train, batch: batch, seq: seq, optimizer: opt, lr: lr, clip: clip,
                                            clipMode: clipMode, steps: steps, warmup: warm, shouldStop: interp.shouldStop)
            }
        default:
            throw ShellError("profile measures training of a recurrent model or a transformer, got a \(first.0.kind)", at: a.location(0),
                             hint: "m = lstm(text, hidden=128); profile train m text")
        }
        interp.write(profile.table + "\n")
        var fields: [(String, Value)] = [
            ("steps", .number(Double(profile.steps))), ("step_ms", .number(round3(profile.stepMilliseconds / Double(Swift.max(profile.steps, 1))))),
            ("chars_per_sec", .number(profile.charsPerSecond.rounded())), ("path", .string(profile.path)), ("shards", .number(Double(profile.shards))),
        ]
        for r in profile.rows { fields.append((r.key + "_ms", .number(round3(r.perStep)))) }
        return .record(fields)
    }

    /// Milliseconds to the microsecond.
    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// `threads=`: shards of the batch on the fused path (none: as `train`, `FusedWindow.defaultThreads`).
    static func threadsArg(_ a: CallArgs) throws -> Int {
        guard let v = a.keyword("threads"), !v.isNone else { return FusedWindow.defaultThreads }
        let loc = a.keywordLocation("threads")
        let n = try v.int(at: loc, "a whole number of threads")
        guard (1...64).contains(n) else { throw ShellError("threads must be in 1...64, got \(n)", at: loc, hint: "threads=1 runs the batch on one core") }
        return n
    }
}
