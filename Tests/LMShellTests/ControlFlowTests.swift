import Foundation
import LMCore
import Testing
@testable import LMShell

/// Blocks, loops, `if`, `break`/`continue`/`return`, locals, unpacking and their limits: the language a
/// student writes a training loop in.
@Suite("Control flow")
struct ControlFlowTests {
    func shell() -> Interpreter {
        let i = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        i.output = { _ in }
        return i
    }

    func number(_ i: Interpreter, _ cell: String) throws -> Double {
        guard case .number(let x)? = try i.run(cell).value else { Issue.record("\(cell) is not a number"); return .nan }
        return x
    }

    func error(_ i: Interpreter, _ cell: String) -> ShellError? {
        do { try i.run(cell) } catch let e as ShellError { return e } catch { return nil }
        return nil
    }

    @Test func theIssuesFormsRunAsWritten() throws {
        let i = shell()
        try i.run("x = 100")
        try i.run("while x > 1 { x = x / 2 }")
        #expect(try number(i, "x") == 0.78125)
        try i.run("best = 5")
        var printed = ""
        i.output = { printed += $0 }
        try i.run("loss = 7")
        try i.run("if loss < best { best = loss } else { print(\"worse\") }")
        #expect(printed == "worse\n")
        try i.run("loss = 3")
        try i.run("if loss < best { best = loss } else { print(\"worse\") }")
        #expect(try number(i, "best") == 3)
        try i.run("""
            def coupled_step(x, state) {
              h, c = state
              f = sigmoid(x + h)
              c2 = c * f + x * (1 - f)
              return [tanh(c2), c2]
            }
            """)
        guard case .list(let out)? = try i.run("coupled_step(tensor([0.5]), [tensor([0.1]), tensor([0.2])])").value, out.count == 2,
              case .tensor(let h) = out[0], case .tensor(let c) = out[1] else {
            Issue.record("coupled_step did not return two tensors")
            return
        }
        let f = 1 / (1 + Foundation.exp(-0.6))
        let c2 = 0.2 * f + 0.5 * (1 - f)
        #expect(abs(Double(c.data[0]) - c2) < 1e-6)
        #expect(abs(Double(h.data[0]) - Foundation.tanh(c2)) < 1e-6)
        // Locals stay local.
        #expect(error(i, "f")?.message == "unknown name 'f'")
    }

    @Test func forLoopsOverRangesListsTensorsAndStrings() throws {
        let i = shell()
        try i.run("s = 0")
        try i.run("for k in range(1, 11) { s = s + k }")
        #expect(try number(i, "s") == 55)
        try i.run("s = 0")
        try i.run("for v in [1, 2, 3] { s = s * 10 + v }")
        #expect(try number(i, "s") == 123)
        try i.run("n = 0")
        try i.run("for row in ones(3, 4) { n = n + sum(row) }")
        #expect(try number(i, "item(n)") == 12)
        try i.run("w = \"\"")
        try i.run("for ch in \"abc\" { w = ch + w }")
        #expect(try i.run("w").value?.display == "cba")
        // The loop variable keeps its last value, as in Python.
        #expect(try number(i, "k") == 10)
        #expect(error(i, "for q in 3 { }")?.message == "cannot loop over a number")
    }

    @Test func breakContinueAndReturnLeaveTheirLoopOrFunction() throws {
        let i = shell()
        try i.run("s = 0")
        try i.run("for k in range(100) { if k == 5 { break }; if k == 2 { continue }; s = s + k }")
        #expect(try number(i, "s") == 0 + 1 + 3 + 4)
        try i.run("def first_over(xs, t) { for x in xs { if x > t { return x } }; return -1 }")
        #expect(try number(i, "first_over([1, 5, 9], 4)") == 5)
        #expect(try number(i, "first_over([1, 2], 4)") == -1)
        // A recursive def ends: only the taken branch of `if` runs.
        try i.run("def fact(n) { if n <= 1 { return 1 } else { return n * fact(n - 1) } }")
        #expect(try number(i, "fact(10)") == 3_628_800)
        #expect(error(i, "break")?.message == "'break' outside a loop")
        #expect(error(i, "return 1")?.message == "'return' outside a function")
        #expect(error(i, "def g(x) { for k in range(3) { def h(y) { break } } }")?.message == "'break' outside a loop")
    }

    @Test func elseIfChainsAndElseOnTheNextLine() throws {
        let i = shell()
        try i.run("def sign(x) { if x > 0 { return 1 } else if x < 0 { return -1 } else { return 0 } }")
        #expect(try number(i, "sign(-3)") == -1)
        #expect(try number(i, "sign(0)") == 0)
        // In a script, `else` on the line after `}` continues the if.
        let cells = CellSplitter.cells("y = 0\nif y > 0 {\n  y = 1\n}\nelse {\n  y = 2\n}\ny\n")
        #expect(cells.map(\.text) == ["y = 0", "if y > 0 {\n  y = 1\n}\nelse {\n  y = 2\n}", "y"])
        for c in cells.dropLast() { try i.run(c.text) }
        #expect(try number(i, "y") == 2)
    }

    @Test func unpackingNeedsAsManyItemsAsNames() throws {
        let i = shell()
        try i.run("a, b, c = [1, 2, 3]")
        #expect(try number(i, "a + b + c") == 6)
        try i.run("r0, r1 = eye(2)")
        #expect(try number(i, "item(sum(r1 * tensor([0, 5])))") == 5)
        let e = try #require(error(i, "a, b = [1, 2, 3]"))
        #expect(e.message == "cannot unpack 3 items into 2 names")
        #expect(e.location == SourceLocation(line: 1, column: 8))
        #expect(error(i, "a, b = 3")?.message == "cannot unpack a number into 2 names")
    }

    @Test func semicolonsSeparateStatementsAndTheLastValueIsShown() throws {
        let i = shell()
        let r = try i.run("a = 2; b = 3; a * b")
        #expect(r.value?.display == "6")
        #expect(try i.run("a = 1;").value == nil)
    }

    @Test func blockSyntaxErrorsPointAtTheirToken() throws {
        let i = shell()
        let open = try #require(error(i, "for k in range(3) {\n  x = k\n"))
        #expect(open.message == "expected '}' to close '{' at 1:19, found end of input")
        let noBrace = try #require(error(i, "while x > 1 x = 2"))
        #expect(noBrace.message == "expected '{', found 'x'")
        #expect(noBrace.location == SourceLocation(line: 1, column: 13))
        let twoOnALine = try #require(error(i, "if 1 { a = 1 b = 2 }"))
        #expect(twoOnALine.message == "expected a new line, ';' or '}' after a statement, found 'b'")
        #expect(twoOnALine.location == SourceLocation(line: 1, column: 14))
        let inMissing = try #require(error(i, "for k range(3) { }"))
        #expect(inMissing.message == "expected 'in' after 'for k', found 'range'")
        #expect(error(i, "if { }")?.message == "expected an expression after 'if', found '{'")
        #expect(error(i, "if ones(2) { }")?.message == "a condition must be one value, got a tensor of shape [2]")
    }

    @Test func loopsThatNeverEndStopAtTheEvaluationLimit() throws {
        let i = shell()
        i.configuration.limits = Limits(evaluations: 5_000)
        let e = try #require(error(i, "while true { }"))
        #expect(e.message == "the cell evaluated more than 5000 expressions")
        let f = try #require(error(i, "for k in range(1000000000) { }"))
        #expect(f.message == "the cell evaluated more than 5000 expressions")
        // Deep recursion through a block body is bounded too.
        try i.run("def down(n) { return down(n + 1) }")
        #expect(error(i, "down(0)")?.message.contains("deep") == true)
        // The session goes on.
        #expect(try number(i, "1 + 1") == 2)
    }

    @Test func ctrlCStopsALoopBetweenIterationsKeepingItsWork() throws {
        let i = shell()
        var polls = 0
        i.shouldStop = {
            polls += 1
            return polls > 3
        }
        try i.run("done = 0")
        let e = try #require(error(i, "for k in range(100) { done = done + 1 }"))
        #expect(e.message == "interrupted in iteration 4 of the loop")
        #expect(try number(i, "done") == 3)
    }

    @Test func commandsAndCallsInsideBlocks() throws {
        let i = shell()
        var printed = ""
        i.output = { printed += $0 }
        try i.run("for k in range(2) {\n  print k\n  print(k * 10)\n}")
        #expect(printed == "0\n0\n1\n10\n")
    }

    @Test func theBigramIsTrainedByAHandWrittenLoop() throws {
        // The backprop slide's loop: forward, backward, follow the negative gradient, on a tiny alternating text.
        let i = shell()
        try i.run("W = param(zeros(2, 2))")
        try i.run("x = tensor([0, 1, 0, 1, 0, 1])")
        try i.run("y = tensor([1, 0, 1, 0, 1, 0])")
        try i.run("opt = gd([W], lr=1)")
        let before = try number(i, "item(cross_entropy(W[x], y))")
        try i.run("""
            for step in range(50) {
              loss = cross_entropy(W[x], y)
              loss.backward()
              opt.step()
              opt.zero_grad()
            }
            """)
        let after = try number(i, "item(cross_entropy(W[x], y))")
        #expect(abs(before - Foundation.log(2)) < 1e-6)
        #expect(after < 0.05)
        // The loop variable had a builtin's name; after the loop the name is the builtin again.
        #expect(try i.run("step").value?.display == "builtin step")
        #expect(error(i, "step = 3")?.message == "'step' is a builtin and cannot be rebound")
    }

    @Test func trainTakesALossFunctionAndItsParameters() throws {
        let i = shell()
        try i.run("W = param(zeros(2, 2))")
        try i.run("x = tensor([0, 1, 0, 1])")
        try i.run("y = tensor([1, 0, 1, 0])")
        try i.run("def loss_fn() = cross_entropy(W[x], y)")
        try i.run("r = train loss_fn params=[W] steps=30 opt=\"gd\" lr=1 clip=0")
        #expect(try number(i, "r.steps") == 30)
        #expect(try number(i, "r.train_loss") < 0.1)
        let final = try number(i, "item(cross_entropy(W[x], y))")
        #expect(final < (try number(i, "r.train_loss")))
        // The step number reaches a loss function that takes one; a NaN stops before any update from it.
        try i.run("V = param(ones(2))")
        try i.run("def nan_at_3(k) = sum(V * V) * pick(k == 2, 0 / 0, 1)")
        try i.run("r2 = train nan_at_3 params=[V] steps=10 opt=\"gd\" lr=0.1 clip=0")
        #expect(try i.run("r2.diverged").value?.display == "true")
        #expect(try number(i, "r2.diverged_at") == 3)
        #expect(try number(i, "r2.steps") == 2)
        // Two gd steps on sum(V²): V × 0.8 × 0.8.
        #expect(abs(try number(i, "item(V[0])") - 0.64) < 1e-6)
        #expect(error(i, "train loss_fn steps=3")?.message == "train needs params=[…] to train a loss function: the tensors to update")
    }

    @Test func helpCoversTheStatements() {
        let i = shell()
        #expect(i.help("for").hasPrefix("for NAME in SEQUENCE { … }"))
        #expect(i.help("def").contains("return [h2, c2]"))
        #expect(i.help("else") == i.help("if"))
        #expect(i.help(nil).contains("statements (:help for, while, if, def, return, break, continue)"))
        #expect(i.help("recurrent").hasPrefix("recurrent(text, step=f"))
    }

    @Test func crossEntropyMeansOverBatchAndTime() throws {
        let i = shell()
        try i.run("L = randn(2, 3, 5, seed=4)")
        try i.run("Y = tensor([[0, 1, 2], [3, 4, 0]])")
        let a = try number(i, "item(cross_entropy(L, Y))")
        let b = try number(i, "item(cross_entropy(reshape(L, 6, 5), reshape(Y, 6)))")
        #expect(abs(a - b) < 1e-6)
        #expect(error(i, "cross_entropy(L, tensor([[0, 1], [2, 3]]))")?.message == "cross_entropy: logits \(shapeString([2, 3, 5])) need targets of shape \(shapeString([2, 3])), got \(shapeString([2, 2]))")
    }
}
