import Foundation
import LMCore
import Testing
@testable import LMShell

/// The evaluator, verb by verb, through `Interpreter.run` as the REPL calls it.
@Suite("Interpreter")
struct InterpreterTests {
    func shell() -> (Interpreter, () -> String) {
        let i = Interpreter(baseDirectory: FileManager.default.temporaryDirectory)
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        i.output = { box.text += $0 }
        return (i, { box.text })
    }

    func value(_ i: Interpreter, _ cell: String) throws -> Value {
        try #require(try i.run(cell).value)
    }

    func number(_ i: Interpreter, _ cell: String) throws -> Double {
        switch try value(i, cell) {
        case .number(let x): return x
        case .tensor(let t) where t.count == 1: return Double(t.data[0])
        case let v: Issue.record("expected a number, got \(v.display)"); return .nan
        }
    }

    func error(_ i: Interpreter, _ cell: String) -> ShellError? {
        do {
            _ = try i.run(cell)
            return nil
        } catch let e as ShellError {
            return e
        } catch {
            return ShellError("\(error)")
        }
    }

    @Test func arithmeticFollowsPrecedence() throws {
        let (i, _) = shell()
        #expect(try number(i, "1 + 2 * 3") == 7)
        #expect(try number(i, "-2 ^ 2") == -4)
        #expect(try number(i, "2 ^ 3 ^ 2") == 512)
        #expect(try number(i, "(1 + 2) * 3") == 9)
        guard case .bool(true) = try value(i, "1 < 2") else { Issue.record("1 < 2 should be true"); return }
    }

    @Test func theLectureSlideRunsAsWritten() throws {
        let (i, _) = shell()
        try i.run("a = randn(3, 4, seed=1, grad=true)")
        try i.run("b = randn(4, 2, seed=2)")
        try i.run("loss = mean(tanh(a @ b) ^ 2)")
        try i.run("loss.backward()")
        guard case .tensor(let g) = try value(i, "a.grad") else { Issue.record("a.grad is not a tensor"); return }
        // The same computation straight on the engine.
        let a = try Tensor.randn([3, 4], seed: 1, requiresGrad: true), b = try Tensor.randn([4, 2], seed: 2)
        try a.matmul(b).tanh().pow(2).mean().backward()
        #expect(g.data == a.grad?.data)
        #expect(try value(i, "a.shape").display == "[3, 4]")
    }

    @Test func userFunctionsAndScanWriteTheRNNByHand() throws {
        let (i, _) = shell()
        try i.run("Wx = randn(3, 4, seed=1, std=0.5, grad=true)")
        try i.run("Wh = randn(4, 4, seed=2, std=0.5, grad=true)")
        try i.run("c = zeros(4, grad=true)")
        try i.run("def cell(x, h) = tanh(x @ Wx + h @ Wh + c)")
        try i.run("xs = randn(5, 1, 3, seed=3)")
        try i.run("hs = scan(cell, xs, zeros(1, 4))")
        #expect(try value(i, "hs.shape").display == "[5, 1, 4]")
        try i.run("sum(hs[4] ^ 2).backward()")
        guard case .tensor(let g) = try value(i, "Wh.grad") else { Issue.record("no gradient for Wh"); return }
        #expect(g.shape == [4, 4])
        #expect(g.data.contains { $0 != 0 })
        // gradcheck through a user function.
        try i.run("def f(w) = sum(tanh(xs[0] @ w) ^ 2)")
        guard case .record(let r) = try value(i, "gradcheck(f, Wx)") else { Issue.record("gradcheck gave no record"); return }
        guard case .bool(true)? = r.first(where: { $0.0 == "passed" })?.1 else { Issue.record("gradcheck failed: \(r)"); return }
    }

    @Test func errorsCarryPositionsAndHints() throws {
        let (i, _) = shell()
        let e1 = try #require(error(i, "x = smaple(3)"))
        #expect(e1.location == LMShell.SourceLocation(line: 1, column: 5))
        #expect(e1.hint == "did you mean 'sample'?")
        let e2 = try #require(error(i, "randn(2, 3) @ randn(2, 3)"))
        #expect(e2.message == "matmul: [2,3] @ [2,3]: inner sizes 3 and 2 differ")
        #expect(e2.location == LMShell.SourceLocation(line: 1, column: 13))
        let e3 = try #require(error(i, "zeros(2, 2, grd=true)"))
        #expect(e3.hint == "did you mean 'grad'?")
        try i.run("def loop(x) = loop(x)")
        let e4 = try #require(error(i, "loop(1)"))
        #expect(e4.message.contains("nested more than"))
        let e5 = try #require(error(i, "sum = 3"))
        #expect(e5.message.contains("builtin"))
        // The session goes on, variables intact.
        try i.run("k = 41")
        #expect(try number(i, "k + 1") == 42)
    }

    @Test func modelsTrainEvaluateSampleSaveAndLoad() throws {
        let (i, output) = shell()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        i.configuration.baseDirectory = dir
        try String(repeating: "abcabcabd\n", count: 80).write(to: dir.appendingPathComponent("t.txt"), atomically: true, encoding: .utf8)
        try i.run("text = corpus(\"t.txt\", val=0.1, batch=4, seq=8)")
        #expect(try number(i, "text.vocab_size") == 5)
        try i.run("m = lstm(text, hidden=16, layers=1)")
        guard case .record(let before) = try value(i, "eval m text.val batch=2 seq=8") else { Issue.record("eval gave no record"); return }
        try i.run("r = train m text steps=60 batch=4 seq=8 opt=\"adam\" lr=1e-2")
        guard case .record(let after) = try value(i, "eval m text.val batch=2 seq=8") else { Issue.record("eval gave no record"); return }
        func nats(_ r: [(String, Value)]) -> Double { if case .number(let x)? = r.first(where: { $0.0 == "nats" })?.1 { return x }; return .nan }
        #expect(nats(after) < nats(before) * 0.5, "\(nats(before)) → \(nats(after))")
        #expect(try number(i, "m.steps") == 60)
        try i.run("sample m 20 temp=0 prime=\"ab\"")
        #expect(output().hasPrefix("ab"))
        #expect(output().contains("abcab") || output().contains("abdab") || output().contains("cabc"))
        try i.run("save m \"m.safetensors\"")
        try i.run("m2 = load(\"m.safetensors\")")
        guard case .record(let loaded) = try value(i, "eval m2 text.val batch=2 seq=8") else { Issue.record("eval gave no record"); return }
        #expect(nats(loaded) == nats(after))
        #expect(try value(i, "m.rnn.weight_hh_l0.shape").display == "[64, 16]")
        let e = try #require(error(i, "train m text steps=5 opt=\"adamm\""))
        #expect(e.hint == "did you mean 'adam'?")
        let e2 = try #require(error(i, "sample m 10 prime=\"xyz\""))
        #expect(e2.message.contains("x"))
    }
}
