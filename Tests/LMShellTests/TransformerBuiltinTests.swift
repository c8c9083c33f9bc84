import Foundation
import LMCore
import LMModels
import Testing
@testable import LMShell

/// The transformer through the language, with the verbs of the recurrent models: train (continuing), eval,
/// sample, prob, save and load, gradflow beside an RNN, attention; and the tensor builtins it is made of.
@Suite("Transformer builtins")
final class TransformerBuiltinTests {
    private var folders: [URL] = []
    deinit { for f in folders { try? FileManager.default.removeItem(at: f) } }
    final class Output: @unchecked Sendable { var text = "" }

    func shell() throws -> (Interpreter, Output) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lmsh-transformer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folders.append(dir)
        let text = String(repeating: "the cat sat on the mat. the dog ate the hat.\n", count: 60)
        try text.write(to: dir.appendingPathComponent("input.txt"), atomically: true, encoding: .utf8)
        let i = Interpreter(baseDirectory: dir)
        let out = Output()
        i.output = { out.text += $0 }
        try i.run("text = corpus(\"input.txt\", val=0.1, batch=4, seq=16)")
        try i.run("t = transformer(text, layers=2, heads=2, dim=16, context=24, seed=3)")
        return (i, out)
    }

    func record(_ i: Interpreter, _ cell: String) throws -> [String: Value] {
        guard case .record(let f)? = try i.run(cell).value else { Issue.record("\(cell): not a record"); return [:] }
        return Dictionary(f, uniquingKeysWith: { a, _ in a })
    }
    func num(_ r: [String: Value], _ k: String) -> Double {
        if case .number(let x)? = r[k] { return x }
        Issue.record("no number \(k) in \(r)")
        return .nan
    }
    func error(_ i: Interpreter, _ cell: String) -> String? {
        do { try i.run(cell); return nil } catch let e as ShellError { return e.message } catch { return "\(error)" }
    }

    @Test func trainsEvaluatesSamplesAndRoundTrips() throws {
        let (i, out) = try shell()
        let before = num(try record(i, "eval t text.val"), "nats")
        let r1 = try record(i, "train t text steps=30 batch=4 lr=3e-3")
        let r2 = try record(i, "train t text steps=30 batch=4 lr=3e-3")
        #expect(num(r1, "steps") == 30 && num(r2, "total_steps") == 60)  // the second call continues the first
        let after = try record(i, "eval t text.val")
        #expect(num(after, "nats") < before - 1, "\(before) → \(num(after, "nats"))")
        try i.run("save t \"t.safetensors\"")
        try i.run("u = load(\"t.safetensors\")")
        #expect(num(try record(i, "eval u text.val"), "nats") == num(after, "nats"))
        guard case .tensor(let lp)? = try i.run("logprobs(u, \"the cat sat\")").value else { Issue.record("no tensor"); return }
        #expect(lp.shape == [10] && lp.data.allSatisfy { $0 < 0 })
        out.text = ""
        try i.run("sample t 30 prime=\"the \" temp=0 seed=1")
        #expect(out.text.hasPrefix("the ") && out.text.count > 30)
        let p = try record(i, "prob t \"the cat sat on the\" \"mat\"")
        #expect(num(p, "p") > 1e-3)  // uniform over the 17 symbols would give 2e-4
        #expect(i.variables["t"].map { if case .transformer = $0 { true } else { false } } == true)
        // The hand-off folder: nanoGPT's names, a model.py that loads them, and load("dir/") reads it back.
        try i.run("export t \"gpt/\" torch=true")
        let dir = i.configuration.baseDirectory.appendingPathComponent("gpt")
        let py = try String(contentsOf: dir.appendingPathComponent("model.py"), encoding: .utf8)
        #expect(py.contains("load_state_dict(load_file(path), strict=True)"))
        let file = try SafeTensorsFile.read(from: dir.appendingPathComponent("model.safetensors"))
        #expect(file["lm_head.weight"] != nil && file["transformer.h.1.attn.c_attn.bias"]?.shape == [48])
        try i.run("v = load(\"gpt/\")")
        #expect(num(try record(i, "eval v text.val"), "nats") == num(after, "nats"))
        try "x".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        #expect(error(i, "export t \"gpt/\" torch=true")?.contains("other files") == true)
    }

    @Test func gradflowAndAttentionLookAtIt() throws {
        let (i, out) = try shell()
        try i.run("train t text steps=10 batch=4")
        guard case .list(let flows)? = try i.run("gradflow [rnn(text, hidden=8), t] \"the cat sat on the mat.\" rows=5").value,
              flows.count == 2, case .record(let f) = flows[1], case .tensor(let norms)? = f.first(where: { $0.0 == "norms" })?.1 else {
            Issue.record("gradflow returned no pair of records"); return
        }
        #expect(norms.shape == [1, 22] && norms.data.allSatisfy { $0 > 0 })
        #expect(out.text.contains("transformer ∂x"))
        out.text = ""
        let a = try record(i, "attention t \"the cat\" layer=2 head=1")
        guard case .tensor(let w)? = a["weights"] else { Issue.record("no weights"); return }
        #expect(w.shape == [7, 7])
        for r in 0..<7 {  // each row a distribution over the past only
            let row = w.data[(r * 7)..<(r * 7 + 7)]
            #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-5 && row.dropFirst(r + 1).allSatisfy { $0 == 0 })
        }
        #expect(out.text.contains("layer 2, head 1"))
    }

    @Test func badInputIsAPositionedError() throws {
        let (i, _) = try shell()
        #expect(error(i, "transformer(text, heads=3, dim=16)")?.contains("multiple of heads") == true)
        #expect(error(i, "train t text steps=1 seq=100")?.contains("context") == true)
        #expect(error(i, "attention t \"the\" layer=9")?.contains("layer 9") == true)
        #expect(error(i, "logprobs(t, \"" + String(repeating: "a", count: 40) + "\")")?.contains("at most 25") == true)
        #expect(error(i, "gradflow t \"th\"")?.contains("at least 3") == true)
        #expect(error(i, "scaled_dot_attention(randn(2, 3), randn(2, 4), randn(2, 3))") != nil)
        #expect(error(i, "layer_norm(randn(2, 3), ones(4), none)")?.contains("weight") == true)
        #expect(error(i, "causal_mask(0)") != nil)
    }

    @Test func attentionByHandEqualsTheBuiltin() throws {
        let (i, _) = try shell()
        for cell in ["q = randn(2, 5, 4, seed=1)", "k = randn(2, 5, 4, seed=2)", "v = randn(2, 5, 3, seed=3)"] { try i.run(cell) }
        guard case .tensor(let d)? = try i.run("scaled_dot_attention(q, k, v) - softmax(q @ transpose(k) / 2 + causal_mask(5)) @ v").value else {
            Issue.record("no tensor"); return
        }
        #expect(d.data.allSatisfy { Swift.abs($0) < 1e-5 })
    }
}

/// The transformer's verbs in the table of every builtin (BuiltinTests): each against LMCore or the model
/// directly, and one argument error each, positioned.
extension BuiltinTests {
    func checkAttentionVerb(_ name: String) throws {
        let (i, _, corpus, _) = try corpusShell()
        switch name {
        case "gelu":
            expectTensor(try tensor(i, "gelu([-1, 0, 1])"), [3], [-0.158655, 0, 0.841345], tol: 1e-5)
            expectError(i, "gelu(\"a\")", "expected a tensor, got a string", at: (1, 6), hint: nil)
        case "layer_norm":
            let x = try Tensor.randn([2, 4], seed: 1)
            same(try tensor(i, "layer_norm(randn(2, 4, seed=1), ones(4) * 2, zeros(4))"),
                 try x.layerNorm(weight: Tensor.full([4], 2), bias: Tensor.zeros([4])))
            expectError(i, "layer_norm(randn(2, 4), ones(3), none)", "layer_norm: the weight has shape [3], the last axis needs [4]", at: (1, 1),
                        hint: "weight and bias are vectors as long as the normalised axis")
        case "linear":
            let x = try Tensor.randn([2, 4], seed: 2), w = try Tensor.randn([3, 4], seed: 1)
            same(try tensor(i, "linear(randn(2, 4, seed=2), randn(3, 4, seed=1), b=ones(3))"), try x.linear(weight: w, bias: Tensor.ones([3])))
            expectError(i, "linear(randn(2, 4), randn(4, 3))", "linear: x has 4 features in its last axis, the weight [4,3] takes 3", at: (1, 1),
                        hint: "the weight is [out, in], as PyTorch's nn.Linear keeps it")
        case "causal_mask":
            let m = try tensor(i, "causal_mask(2)")
            #expect(m.shape == [2, 2] && m.data == [0, -.infinity, 0, 0])
            expectError(i, "causal_mask(0)", "causal_mask: the size must be in 1...4096, got 0", at: (1, 13), hint: nil)
        case "scaled_dot_attention":
            let q = try Tensor.randn([2, 3, 4], seed: 1)
            same(try tensor(i, "scaled_dot_attention(randn(2, 3, 4, seed=1), randn(2, 3, 4, seed=1), randn(2, 3, 4, seed=1), causal=false)"),
                 try Tensor.scaledDotAttention(q, q, q, causal: false))
            expectError(i, "scaled_dot_attention(randn(3, 4), randn(3, 2), randn(3, 4))",
                        "scaled_dot_attention: q [3,4] and k [3,2] need the shapes [..., T, d] and [..., S, d]", at: (1, 1),
                        hint: "queries and keys have the same last size d")
        case "transformer":
            try i.run("t = transformer(text, layers=1, heads=2, dim=4, context=8)")
            let v = corpus.vocabulary.count
            let params = v * 4 + 8 * 4 + (4 + 4 + 12 * 4 + 12 + 16 + 4 + 4 + 4 + 16 * 4 + 16 + 4 * 16 + 4) + 4 + 4
            #expect(try display(i, "t") == "transformer (GPT, pre-LN): 1 layers × 2 heads × dim 4, context 8, vocab \(v), \(params) parameters")
            expectError(i, "transformer(text, heads=3, dim=4)", "dim 4 must be a multiple of heads 3: each head gets dim/heads", at: (1, 28),
                        hint: "e.g. dim=3")
        case "attention":
            try i.run("t = transformer(text, layers=1, heads=2, dim=4, context=8)")
            let r = try record(i, "attention t \"the\" layer=1 head=2")
            guard case .tensor(let w)? = r["weights"] else { Issue.record("no weights"); return }
            #expect(w.shape == [3, 3] && w.data[0] == 1 && w.data[1] == 0)
            expectError(i, "attention t \"the\" layer=1 head=3", "attention: head 3 is outside 1...2", at: (1, 27), hint: nil)
        case "logprobs":
            try i.run("t = transformer(text, layers=1, heads=2, dim=4, context=8)")
            guard case .transformer(let t)? = i.variables["t"] else { Issue.record("no transformer"); return }
            let ids = try corpus.vocabulary.encode("the cat")
            expectTensor(try tensor(i, "logprobs(t, \"the cat\")"), [6], try t.model.tokenLogProbs(ids).map(Float.init))
            expectError(i, "logprobs(t, \"t\")", "logprobs needs a text of at least two symbols", at: (1, 13), hint: nil)
        default:  // cpu_time
            let a = try number(i, "cpu_time()")
            _ = try tensor(i, "randn(300, 300, seed=1) @ randn(300, 300, seed=2)")
            let b = try number(i, "cpu_time()")
            #expect(a > 0 && b >= a)
            expectError(i, "cpu_time(1)", "cpu_time takes 0 arguments, got 1", at: (1, 1), hint: "see :help cpu_time")
        }
    }
}
