import Foundation
import LMCore
import LMHarness
import Testing
@testable import LMShell

/// Limits instead of aborts: every absurd size, count, depth or literal is a positioned error raised
/// before the work or the allocation, and the interpreter goes on with its variables intact.
@Suite("Limits")
struct LimitsTests {
    static let folder: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-limits-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? Data(HostileInput.corpusText.utf8).write(to: dir.appendingPathComponent("input.txt"))
        return dir
    }()

    func shell(_ limits: Limits = Limits()) -> Interpreter {
        let i = Interpreter(baseDirectory: Self.folder)
        i.configuration.limits = limits
        i.output = { _ in }
        return i
    }

    /// The error of `cell`, which must be a positioned ShellError inside the cell.
    func error(_ i: Interpreter, _ cell: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ShellError? {
        do {
            _ = try i.run(cell)
            Issue.record("no error for \(cell.prefix(80).debugDescription)", sourceLocation: sourceLocation)
            return nil
        } catch let e as ShellError {
            if let p = HostileInput.problem(with: e, in: cell) {
                Issue.record("\(p): \(e)", sourceLocation: sourceLocation)
            }
            return e
        } catch {
            Issue.record("not a ShellError: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func expectError(_ i: Interpreter, _ cell: String, _ fragment: String,
                     sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let e = error(i, cell, sourceLocation: sourceLocation)
        #expect(fragment.isEmpty || e?.message.contains(fragment) == true, "\(cell.prefix(60).debugDescription): \(e.map(\.description) ?? "no error")",
                sourceLocation: sourceLocation)
    }

    /// The interpreter still works after the errors: the variable bound before them is intact.
    func expectAlive(_ i: Interpreter, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect((try? i.run("keep * 2").value?.display) == "84", sourceLocation: sourceLocation)
    }

    @Test func elementCountsThatOverflowOrExceedTheBudget() {
        let i = shell()
        _ = try? i.run("keep = 42")
        expectError(i, "zeros(9e14, 9e14, 9e14)", "too many elements")
        expectError(i, "ones(3, 0, 9e14, 9e14)", "too many elements")
        expectError(i, "zeros(100000, 100000)", "over the budget")
        expectError(i, "randn(65536, 65536, seed=1)", "over the budget")
        expectError(i, "arange(0, 1e12)", "over the budget")
        expectError(i, "arange(0, 1e300)", "finite")
        expectError(i, "zeros(1e300)", "expected")
        expectError(i, "eye(1e9)", "over the budget")
        expectAlive(i)
    }

    @Test func theMemoryBudgetIsConfigurable() throws {
        var l = Limits()
        l.elements = 1000
        let i = shell(l)
        _ = try i.run("keep = 42")
        #expect(try i.run("zeros(10, 100).shape").value?.display == "[10, 100]")
        expectError(i, "zeros(10, 101)", "over the budget of 1000")
        expectError(i, "ones(40, 40) @ ones(40, 40)", "over the budget of 1000")
        // The lower budget holds for this interpreter's cells only.
        #expect(Shape.elementBudget > 1000)
        #expect(Limits.parseBytes("512M") == 512 << 20)
        #expect(Limits.parseBytes("2G") == 2 << 30)
        #expect(Limits.parseBytes("4096") == 4096)
        #expect(Limits.parseBytes("-1") == nil)
        #expect(Limits.parseBytes("99999999999999T") == nil)
        #expect(Limits.fromEnvironment(["LMSH_MEMORY_BUDGET": "4K"]).elements == 1024)
        #expect(Limits.fromEnvironment(["LMSH_MEMORY_BUDGET": "lots"]).elements == nil)
        #expect(Limits.fromEnvironment(["LMSH_STEP_CAP": "3"]).stepCap == 3)
        #expect(Limits.fromEnvironment(["LMSH_STEP_CAP": "-1"]).stepCap == nil)
        #expect(Limits.fromEnvironment([:]).stepCap == nil)
        expectAlive(i)
    }

    @Test func negativeAndZeroSizes() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        expectError(i, "zeros(-1, 2)", "negative size")
        expectError(i, "randn(2, -3, seed=1)", "negative size")
        expectError(i, "reshape(ones(4), [-2, -2])", "")
        #expect(try i.run("zeros(0, 3).shape").value?.display == "[0, 3]")
        _ = try i.run("text = corpus(\"input.txt\")")
        expectError(i, "lstm(text, hidden=0)", "hidden size 0")
        expectError(i, "rnn(text, hidden=-5)", "hidden size -5")
        expectError(i, "gru(text, layers=0)", "layers 0")
        expectError(i, "lstm(text, hidden=1e6)", "hidden size 1000000")
        expectError(i, "ngram(text, n=0)", "")
        expectAlive(i)
    }

    @Test func absurdStepsSeqBatchAndLengths() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        _ = try i.run("text = corpus(\"input.txt\", val=0.1)")
        _ = try i.run("m = rnn(text, hidden=8)")
        expectError(i, "train m text steps=1e12", "steps must be in")
        expectError(i, "train m text steps=(-1)", "steps must be in")
        expectError(i, "train m text steps=1 batch=1e9", "batch")
        expectError(i, "train m text steps=1 seq=(-1)", "seq")
        expectError(i, "train m text steps=1 seq=0", "seq")
        expectError(i, "train m text steps=1 lr=(-1)", "lr")
        expectError(i, "eval m text.val batch=0 seq=4", "batch")
        // batch × seq overflowed Int in the batcher (a trap) before this was checked.
        #expect(throws: Never.self) { try i.run("eval m text.val batch=8e15 seq=8e15") }
        expectError(i, "sample m 1e12", "sample length")
        expectError(i, "sample m (-3)", "")
        expectError(i, "corpus(\"input.txt\", batch=0)", "batch")
        expectError(i, "corpus(\"input.txt\", val=2)", "")
        // A limit lower than the default applies to this interpreter only.
        var tight = Limits.tight
        tight.trainSteps = 5
        i.configuration.limits = tight
        expectError(i, "train m text steps=6", "steps must be in 0...5")
        #expect(throws: Never.self) { try i.run("train m text steps=5 batch=2 seq=4") }
        expectAlive(i)
    }

    @Test func theTrainingWindowMustFitTheBudget() throws {
        var l = Limits()
        l.elements = 50_000
        let i = shell(l)
        _ = try i.run("keep = 42")
        _ = try i.run("text = corpus(\"input.txt\")")
        _ = try i.run("m = lstm(text, hidden=64, layers=2)")
        // The window (shrunk to the small corpus) × (2 × 6 × 64 + vocabulary) activations: over 50000.
        expectError(i, "train m text steps=1 batch=50 seq=50", "over the budget of 50000")
        expectError(i, "eval m text.train batch=50 seq=50", "over the budget of 50000")
        #expect(throws: Never.self) { try i.run("train m text steps=1 batch=2 seq=4") }
        expectAlive(i)
    }

    @Test func deepRecursionInUserFunctions() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        _ = try i.run("def f(x) = f(x) + 1")
        expectError(i, "f(1)", "calls nested more than 200 deep")
        _ = try i.run("def g(x) = h(x)")
        _ = try i.run("def h(x) = g(x)")
        expectError(i, "g(1)", "calls nested more than 200 deep")
        // Deep expressions inside deep calls: the tree walker's stack is bounded by both limits together.
        let deep = String(repeating: "-(", count: 95) + "d(x)" + String(repeating: ")", count: 95)
        _ = try i.run("def d(x) = \(deep)")
        // Either limit may come first (frames are smaller in a release build); neither is a crash.
        expectError(i, "d(1)", "deep")
        expectAlive(i)
    }

    @Test func exponentialWorkIsBoundedByTheEvaluationLimit() throws {
        var l = Limits()
        l.evaluations = 100_000
        let i = shell(l)
        _ = try i.run("keep = 42")
        _ = try i.run("def f0(x) = x + x")
        for k in 1...40 { _ = try i.run("def f\(k)(x) = f\(k - 1)(x) + f\(k - 1)(x)") }
        #expect(try i.run("f3(1)").value?.display == "16")
        expectError(i, "f40(1)", "evaluated more than 100000 expressions")
        expectAlive(i)
    }

    @Test func ctrlCStopsALongEvaluation() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        _ = try i.run("def f0(x) = x + x")
        for k in 1...40 { _ = try i.run("def f\(k)(x) = f\(k - 1)(x) + f\(k - 1)(x)") }
        let start = Date()
        i.shouldStop = { Date().timeIntervalSince(start) > 0.3 }
        expectError(i, "f40(1)", "interrupted")
        #expect(Date().timeIntervalSince(start) < 5)
        i.shouldStop = { false }
        expectAlive(i)
    }

    @Test func hugeLiterals() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        expectError(i, "1e400", "too large")
        expectError(i, "x = -1e309", "too large")
        expectError(i, "123456789012345678901234567890123456789012345678901234567890e300", "too large")
        #expect(try i.run("1e-400").value?.display == "0")
        // A 10 MB string literal: refused before the lexer copies it.
        let big = "s = \"" + String(repeating: "a", count: 10_000_000) + "\""
        expectError(i, big, "bytes")
        // A long list literal within the size limit works; nested lists beyond 64 levels are refused.
        let list = "[" + Array(repeating: "1", count: 10_000).joined(separator: ", ") + "]"
        #expect(try i.run("sum(\(list))").value?.display.contains("10000") == true)
        expectError(i, "tensor(" + String(repeating: "[", count: 100) + "1" + String(repeating: "]", count: 100) + ")", "nested")
        expectAlive(i)
    }

    @Test func nestingTenThousandDeepIsAnErrorNotAStackOverflow() throws {
        let i = shell()
        _ = try i.run("keep = 42")
        let n = 10_000
        for (open, middle, close) in [("(", "1", ")"), ("[", "1", "]"), ("-(", "1", ")"), ("f(", "1", ")"),
                                      ("tensor([", "1", "])")] {
            let cell = String(repeating: open, count: n) + middle + String(repeating: close, count: n)
            expectError(i, cell, "too deeply nested")
        }
        expectError(i, String(repeating: "-", count: n) + "1", "too deeply nested")
        expectError(i, "2" + String(repeating: "^2", count: n), "too deeply nested")
        expectError(i, "1" + String(repeating: " + 1", count: n), "too deeply nested")
        expectError(i, "keep" + String(repeating: ".T", count: n), "too deeply nested")
        expectError(i, "keep" + String(repeating: "[0]", count: n), "too deeply nested")
        expectError(i, "ones" + String(repeating: "(1)", count: n), "too deeply nested")
        // Unclosed: the error is the nesting (or the missing bracket), never a crash.
        _ = error(i, String(repeating: "(", count: n))
        expectAlive(i)
    }
}
