import Foundation
import Testing
@testable import LMCore

/// Composite expressions against values computed independently in float64 with numpy and hand-written
/// backprop (`Golden/make_golden.py`, which writes `Golden/golden.json`). Inputs and expected outputs
/// both come from the JSON, so the two sides cannot drift apart silently.
@Suite("Golden values from numpy")
struct GoldenTests {
    // MARK: The file

    struct GoldenTensor: Decodable {
        let shape: [Int]
        let data: [Double]
    }

    struct GoldenCase: Decodable {
        let inputs: [String: GoldenTensor]
        let expected: [String: GoldenTensor]

        func input(_ name: String, requiresGrad: Bool = false) throws -> Tensor {
            let g = try #require(inputs[name], "golden input \(name) is missing")
            return try Tensor(shape: g.shape, data: g.data.map { Float($0) }, requiresGrad: requiresGrad)
        }

        func expect(_ name: String) throws -> GoldenTensor {
            try #require(expected[name], "golden value \(name) is missing")
        }
    }

    struct GoldenFile: Decodable {
        let generator: String
        let cases: [String: GoldenCase]
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/golden.json")

    static let caseNames: Set<String> = ["mlp", "rnn", "stability", "broadcast", "layernorm"]

    func load(_ name: String) throws -> GoldenCase {
        let data = try Data(contentsOf: Self.url)
        let file = try JSONDecoder().decode(GoldenFile.self, from: data)
        return try #require(file.cases[name], "case \(name) is missing from \(Self.url.path)")
    }

    // MARK: Comparing

    static let rtol = 1e-4, atol = 1e-6

    /// Everything that differs between a tensor and a golden value: the shape, then each element with
    /// |actual − expected| > rtol·|expected| + atol (a NaN or inf on the Swift side always differs).
    static func mismatches(_ actual: Tensor?, _ expected: GoldenTensor, rtol: Double = rtol, atol: Double = atol) -> [String] {
        guard let actual else { return ["no tensor (a gradient that was never computed?)"] }
        guard actual.shape == expected.shape else {
            return ["shape \(shapeString(actual.shape)), expected \(shapeString(expected.shape))"]
        }
        guard actual.count == expected.data.count else {
            return ["\(actual.count) elements, expected \(expected.data.count)"]
        }
        var out: [String] = []
        for (i, (a, e)) in zip(actual.data.map(Double.init), expected.data).enumerated() {
            let ok = a.isFinite && Swift.abs(a - e) <= rtol * Swift.abs(e) + atol
            if !ok { out.append("element \(i): \(a), expected \(e)") }
        }
        return out
    }

    func compare(_ name: String, _ actual: Tensor?, _ golden: GoldenCase,
                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        let problems = Self.mismatches(actual, try golden.expect(name))
        #expect(problems.isEmpty, "\(name): \(problems.prefix(5).joined(separator: "; "))", sourceLocation: sourceLocation)
    }

    // MARK: The file itself

    @Test func fileHasEveryCaseAndNothingElse() throws {
        let file = try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: Self.url))
        #expect(Set(file.cases.keys) == Self.caseNames)
        #expect(file.generator.contains("make_golden.py"))
        for (name, c) in file.cases {
            for (key, t) in c.inputs.merging(c.expected, uniquingKeysWith: { a, _ in a }) {
                #expect(t.shape.reduce(1, *) == t.data.count, "\(name).\(key): shape and data disagree")
            }
        }
    }

    /// The comparison is real: a small perturbation of a golden value, or a wrong shape, is reported.
    @Test func comparisonDetectsPerturbations() throws {
        let golden = try load("mlp")
        let expected = try golden.expect("dW1")
        let exact = try Tensor(shape: expected.shape, data: expected.data.map { Float($0) })
        #expect(Self.mismatches(exact, expected).isEmpty)
        // 1e-3 relative on one element is ten times the tolerance.
        let nudged = exact.detached()
        let i = expected.data.indices.max { Swift.abs(expected.data[$0]) < Swift.abs(expected.data[$1]) }!
        nudged.data[i] *= 1.001
        #expect(Self.mismatches(nudged, expected).count == 1)
        #expect(Self.mismatches(try exact.reshape([-1]), expected).count == 1)
        #expect(Self.mismatches(nil, expected).count == 1)
        let nan = exact.detached()
        nan.data[0] = .nan
        #expect(Self.mismatches(nan, expected).count == 1)
    }

    // MARK: The cases

    /// (a) A 2-layer MLP with a mean cross-entropy loss, through the fused op and through its composition
    /// −Σ(onehot ⊙ log_softmax)/N: value, hidden layer, logits and the four parameter gradients.
    @Test("2-layer MLP: loss and gradients", arguments: ["fused", "composed"])
    func mlp(_ path: String) throws {
        let g = try load("mlp")
        let x = try g.input("x"), targets = try g.input("targets")
        let w1 = try g.input("W1", requiresGrad: true), b1 = try g.input("b1", requiresGrad: true)
        let w2 = try g.input("W2", requiresGrad: true), b2 = try g.input("b2", requiresGrad: true)
        let hidden = try x.matmul(w1).add(b1).tanh()
        let logits = try hidden.matmul(w2).add(b2)
        let loss: Tensor
        if path == "fused" {
            loss = try logits.crossEntropy(targets: targets)
        } else {
            let picked = try Tensor.oneHot(targets, depth: logits.shape[1]).mul(logits.logSoftmax(axis: 1))
            loss = try picked.sum().neg().scaled(by: 1 / Float(logits.shape[0]))
        }
        #expect(loss.shape == [])
        try loss.backward()
        try compare("hidden", hidden, g)
        try compare("logits", logits, g)
        try compare("loss", loss, g)
        try compare("dW1", w1.grad, g)
        try compare("db1", b1.grad, g)
        try compare("dW2", w2.grad, g)
        try compare("db2", b2.grad, g)
        #expect(x.grad == nil && hidden.grad == nil)  // not a leaf requiring grad, not retained
    }

    /// (b) A tanh RNN unrolled over 3 steps by hand; loss Σ h₃². Gradients through time for Wx, Wh, c,
    /// and ∂loss/∂h₁ kept by `retainsGrad`.
    @Test func unrolledRNN() throws {
        let g = try load("rnn")
        let xs = try g.input("x")
        let wx = try g.input("Wx", requiresGrad: true), wh = try g.input("Wh", requiresGrad: true)
        let c = try g.input("c", requiresGrad: true)
        var h = try Tensor.zeros([xs.shape[1], wx.shape[1]])
        var states: [Tensor] = []
        for step in 0..<xs.shape[0] {
            let xt = try xs.slice([.at(step)])
            h = try xt.matmul(wx).add(h.matmul(wh)).add(c).tanh()
            states.append(h)
        }
        states[0].retainsGrad = true
        let loss = try h.square().sum()
        try loss.backward()
        try compare("h1", states[0], g)
        try compare("h2", states[1], g)
        try compare("h3", states[2], g)
        try compare("loss", loss, g)
        try compare("dWx", wx.grad, g)
        try compare("dWh", wh.grad, g)
        try compare("dc", c.grad, g)
        try compare("dh1", states[0].grad, g)
        #expect(states[1].grad == nil)
    }

    /// (c) Softmax and log-softmax of rows like [1000, 1001, 1002] (where exp overflows float32) stay
    /// finite and exact; along axis 0 of the transpose too. Gradients of Σ w⊙log_softmax(z) and of the
    /// cross-entropy.
    @Test func softmaxIsStableForLargeLogits() throws {
        let g = try load("stability")
        let z = try g.input("z"), w = try g.input("w"), targets = try g.input("targets")
        #expect(z.exp().data.contains(.infinity))  // the naive way would overflow
        try compare("softmax", try z.softmax(axis: -1), g)
        try compare("log_softmax", try z.logSoftmax(axis: -1), g)
        try compare("softmax", try z.T.softmax(axis: 0).T, g)
        try compare("log_softmax", try z.T.logSoftmax(axis: 0).T, g)

        let p = z.asParameter()
        try p.logSoftmax(axis: 1).mul(w).sum().backward()
        try compare("dz", p.grad, g)

        let q = z.asParameter()
        let ce = try q.crossEntropy(targets: targets)
        try ce.backward()
        try compare("cross_entropy", ce, g)
        try compare("dce", q.grad, g)
    }

    /// (d) Broadcasting a[2,1,3] ⊙ b[4,1] → [2,4,3], summed over axis 1 with keepdims → [2,1,3];
    /// backward with a seed gradient of that shape.
    @Test func broadcastProductSummedWithKeepdims() throws {
        let g = try load("broadcast")
        let a = try g.input("a", requiresGrad: true), b = try g.input("b", requiresGrad: true)
        let seed = try g.input("g")
        let product = try a.mul(b)
        let y = try product.sum(axes: [1], keepdims: true)
        #expect(y.shape == [2, 1, 3])
        try y.backward(seed: seed)
        try compare("product", product, g)
        try compare("y", y, g)
        try compare("da", a.grad, g)
        try compare("db", b.grad, g)
    }

    /// (e) A batched product with a broadcast right operand, then a layer-norm-like normalisation over the
    /// last axis built from mean/sub/square/sqrt/div; loss Σ w⊙y. B's gradient sums over the batch.
    @Test func batchedMatmulAndNormalisation() throws {
        let g = try load("layernorm")
        let a = try g.input("A", requiresGrad: true), b = try g.input("B", requiresGrad: true)
        let w = try g.input("w"), eps = try g.input("eps").item()
        let m = try a.matmul(b)
        let centred = try m.sub(m.mean(axes: [-1], keepdims: true))
        let variance = try centred.square().mean(axes: [-1], keepdims: true)
        let y = try centred.div((variance + eps).sqrt())
        let loss = try y.mul(w).sum()
        try loss.backward()
        try compare("m", m, g)
        try compare("y", y, g)
        try compare("loss", loss, g)
        try compare("dA", a.grad, g)
        try compare("dB", b.grad, g)
    }
}
