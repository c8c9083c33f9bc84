import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// `train … minutes=` (a wall-clock budget for every kind of train, with steps= whichever comes first) and
/// recipes (`lstm(text, recipe="fast")`, `train m text recipe="fast"`): what they pick, what typed keywords
/// override, and the errors. Tiny models and budgets of a fraction of a second.
@Suite("train minutes= and recipes")
final class TrainBudgetTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }

    final class Output: @unchecked Sendable { var text = "" }

    static let corpusText = (0..<400).map { ["the cat sat on the mat.", "the dog ate the hat.", "a bird sang."][$0 % 3] }
        .joined(separator: "\n") + "\n"

    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        try Self.corpusText.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=8)")
        return (i, out)
    }

    func field(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Value {
        try #require(try i.run(cell).value, "\(cell) showed no value", sourceLocation: sourceLocation)
    }

    func number(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Double {
        guard case .number(let x) = try field(i, cell, sourceLocation: sourceLocation) else {
            Issue.record("\(cell) is not a number", sourceLocation: sourceLocation)
            return .nan
        }
        return x
    }

    func string(_ i: Interpreter, _ cell: String) throws -> String? {
        if case .string(let s) = try field(i, cell) { return s }
        return nil
    }

    func model(_ i: Interpreter, _ name: String = "m") throws -> ModelValue {
        guard case .model(let m)? = i.variables[name] else { throw ShellError("\(name) is not a model") }
        return m
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

    @Test("minutes= stops a model's training at the first step after the budget; steps= first when it runs out first")
    func modelMinutes() throws {
        let (i, _) = try shell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        try i.run("r = train m text minutes=0.005 opt=\"adam\" lr=1e-2")
        #expect(try string(i, "r.stopped") == "time")
        let steps = try number(i, "r.steps")
        let modelSteps = try model(i).steps
        #expect(steps >= 1 && steps < 1_000_000 && steps == Double(modelSteps))
        #expect(try number(i, "r.seconds") >= 0.3)
        try i.run("r = train m text steps=3 minutes=10")
        #expect(try string(i, "r.stopped") == "steps")
        #expect(try number(i, "r.steps") == 3)
        try i.run("r = train m text steps=3")
        #expect(try string(i, "r.stopped") == "steps")
    }

    @Test("minutes= works for a window model and for a loss function too")
    func otherMinutes() throws {
        let (i, _) = try shell()
        try i.run("w = window(text, n=3, embed=4, hidden=8)")
        try i.run("r = train w text minutes=0.003 steps=1000000 batch=4 seq=8")
        #expect(try string(i, "r.stopped") == "time")
        #expect(try number(i, "r.steps") < 1_000_000)
        try i.run("W = param(zeros(3, 3))")
        try i.run("def f() { return mean((W - 1) ^ 2) }")
        try i.run("r = train f params=[W] minutes=0.003 opt=\"gd\" lr=0.1")
        #expect(try string(i, "r.stopped") == "time")
        #expect(try number(i, "r.steps") >= 1)
        try i.run("r = train f params=[W] steps=4 minutes=5 opt=\"gd\" lr=0.1")
        #expect(try string(i, "r.stopped") == "steps")
    }

    @Test("bad minutes and unknown recipes are one-line errors at the keyword, with a hint")
    func errors() throws {
        let (i, _) = try shell()
        try i.run("m = lstm(text, hidden=8, layers=1)")
        let neg = try #require(error(i, "train m text minutes=-1"))
        #expect(neg.message.contains("minutes") && neg.location != nil && neg.hint != nil)
        let word = try #require(error(i, "train m text minutes=\"two\""))
        #expect(word.message.contains("minutes"))
        let unknown = try #require(error(i, "train m text recipe=\"fats\""))
        #expect(unknown.message.contains("unknown recipe") && unknown.hint?.contains("fast") == true)
        let made = try #require(error(i, "lstm(text, recipe=\"slow-ish\")"))
        #expect(made.message.contains("unknown recipe"))
        try i.run("w = window(text, n=3, embed=4, hidden=8)")
        let w = try #require(error(i, "train w text minutes=1 recipe=\"fast\""))
        #expect(w.message.contains("recipe") && w.location != nil)
        let decay = try #require(error(i, "train m text steps=1 decay=\"linear\""))
        #expect(decay.message.contains("cosine") && decay.location != nil)
    }

    @Test("a recipe picks the model's size and the run's settings; what is typed overrides it")
    func recipes() throws {
        let (i, _) = try shell()
        let fast = try #require(Recipe.named("fast"))
        try i.run("m = lstm(text, recipe=\"fast\")")
        let m = try model(i)
        #expect(m.model.config.hidden == fast.hidden && m.model.config.layers == fast.layers && m.model.config.dropout == Float(fast.dropout))
        try i.run("s = lstm(text, recipe=\"fast\", hidden=8, layers=1)")
        let small = try model(i, "s").model.config
        #expect(small.hidden == 8 && small.layers == 1)
        // recipe=none (the usage's default) is no recipe.
        try i.run("n = lstm(text, recipe=none)")
        let plain = try model(i, "n").model.config
        #expect(plain.hidden == 128)

        try i.run("r = train s text recipe=\"fast\" minutes=0.005 batch=4 seq=8")
        let t = try #require(try model(i, "s").trainer)
        #expect(t.settings.batch == 4 && t.settings.seq == 8)
        #expect(t.settings.optimizer == fast.optimizer && t.settings.lr == Float(fast.lr) && t.settings.decay == .cosine)
        #expect(t.settings.minLR == Float(fast.minLR) && t.settings.warmup == fast.warmup && t.settings.clipMode == fast.clipMode)
        #expect(try string(i, "r.stopped") == "time")
        // keep_best is on with a recipe: val was evaluated and the best kept.
        let best = try number(i, "r.best_val")
        let lastVal = try number(i, "r.val_loss")
        #expect(best.isFinite && best <= lastVal + 1e-12)
        let now = try number(i, "eval(s, text.val, batch=4, seq=8).nats")
        #expect(abs(now - best) < 1e-9, "the model's val \(now) is not the best seen \(best)")
        // An explicit lr overrides the recipe's.
        try i.run("r = train s text recipe=\"fast\" minutes=0.002 batch=4 seq=8 lr=1e-3")
        let lr = try model(i, "s").trainer?.settings.lr
        #expect(lr == 1e-3)
    }

    @Test("recipe=\"long\" makes the 2×512 LSTM with dropout and trains it with its own settings")
    func longRecipe() throws {
        let (i, _) = try shell()
        let long = try #require(Recipe.named("long"))
        #expect(long.minutes == 30 && long.hidden == 512 && long.dropout > 0)
        try i.run("m = lstm(text, recipe=\"long\")")
        let c = try model(i).model.config
        #expect(c.hidden == 512 && c.layers == 2 && c.dropout == Float(long.dropout))
        try i.run("s = lstm(text, recipe=\"long\", hidden=8)")
        try i.run("r = train s text recipe=\"long\" minutes=0.002 batch=4 seq=8")
        let t = try #require(try model(i, "s").trainer)
        #expect(t.settings.lr == Float(long.lr) && t.settings.warmup == long.warmup && t.settings.minLR == Float(long.minLR))
        #expect(try string(i, "r.stopped") == "time")
    }
}
