import Foundation
import LMCore
import Testing
@testable import LMModels

/// The passes over every parameter split between the cores: the split covers each number once, and the
/// optimizer, clipping, snapshot and finite check give, on a model big enough to be split, what their
/// definitions give one number at a time.
@Suite("Parameter sweeps on two cores")
struct ParameterSweepTests {
    @Test("spans cover every element once, in order, in parts that differ by at most one",
          arguments: [([5], 2), ([3, 0, 7, 1], 2), ([100_000, 64, 70_000], 2), ([1, 1, 1], 3), ([4], 5), ([], 2)])
    func spansCover(_ counts: [Int], _ parts: Int) {
        let spans = ParameterSweep.spans(counts: counts, parts: parts)
        #expect(spans.count == parts)
        let flat = spans.flatMap { $0 }.flatMap { s in s.range.map { (s.entry, $0) } }
        let expected = counts.enumerated().flatMap { k, n in (0..<n).map { (k, $0) } }
        #expect(flat.map(\.0) == expected.map(\.0) && flat.map(\.1) == expected.map(\.1))
        let sizes = spans.map { $0.reduce(0) { $0 + $1.range.count } }
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(sizes)")
    }

    /// Three parameters, 590,000 numbers in all (over `parallelMinimum`, so split on a machine with two cores),
    /// with gradients.
    static func parameters(seed: UInt64) throws -> NamedParameters {
        var entries: [(name: String, tensor: Tensor)] = []
        for (k, shape) in [[800, 700], [37], [100, 299]].enumerated() {
            let t = try Tensor.randn(shape, seed: seed + UInt64(k))
            t.grad = try Tensor.randn(shape, seed: seed + 10 + UInt64(k))
            entries.append((name: "p\(k)", tensor: t))
        }
        return NamedParameters(entries)
    }

    @Test("every optimizer's update equals its rule applied one number at a time", arguments: OptimizerKind.allCases)
    func optimizerMatchesDefinition(_ kind: OptimizerKind) throws {
        let params = try Self.parameters(seed: 3)
        #expect(params.scalarCount >= ParameterSweep.parallelMinimum)
        let s = OptimizerSettings(kind: kind)
        let optimizer = Optimizer(s, parameterCounts: params.tensors.map(\.count))
        var x = params.tensors.map(\.data), m = x.map { $0.map { _ in Float(0) } }, v = m
        let lr: Float = 3e-3
        for step in 1...3 {
            optimizer.step(params, lr: lr)
            let bc1 = 1 - Float.pow(s.beta1, Float(step)), bc2 = 1 - Float.pow(s.beta2, Float(step))
            for (k, t) in params.tensors.enumerated() {
                let g = t.grad?.data ?? []
                for i in x[k].indices {
                    switch kind {
                    case .gd: x[k][i] -= lr * g[i]
                    case .sgd:
                        m[k][i] = s.momentum * m[k][i] + g[i]
                        x[k][i] -= lr * m[k][i]
                    case .adagrad:
                        v[k][i] += g[i] * g[i]
                        x[k][i] -= lr * g[i] / (v[k][i] + s.epsilon).squareRoot()
                    case .rmsprop:
                        v[k][i] = s.alpha * v[k][i] + (1 - s.alpha) * g[i] * g[i]
                        x[k][i] -= lr * g[i] / (v[k][i].squareRoot() + s.epsilon)
                    case .adam:
                        m[k][i] = s.beta1 * m[k][i] + (1 - s.beta1) * g[i]
                        v[k][i] = s.beta2 * v[k][i] + (1 - s.beta2) * g[i] * g[i]
                        x[k][i] -= lr * (m[k][i] / bc1) / ((v[k][i] / bc2).squareRoot() + s.epsilon)
                    }
                }
            }
        }
        #expect(params.tensors.map(\.data) == x, "bit for bit")
        #expect(optimizer.first == m && optimizer.second == v)
    }

    @Test("a parameter listed twice is updated twice, in order, as one thread would")
    func duplicateParameter() throws {
        let w = try Tensor.randn([800, 700], seed: 1)
        w.grad = try Tensor.ones([800, 700])
        let before = w.data
        let optimizer = Optimizer(OptimizerSettings(kind: .gd), parameterCounts: [w.count, w.count])
        optimizer.step(NamedParameters([(name: "W", tensor: w), (name: "W again", tensor: w)]), lr: 0.5)
        #expect(w.data == before.map { $0 - 0.5 - 0.5 })
    }

    @Test("clipping by value and by norm, and the norms, as their definitions give them", arguments: [ClipMode.value, .norm])
    func clippingMatchesDefinition(_ mode: ClipMode) throws {
        let params = try Self.parameters(seed: 7)
        let grads = params.tensors.map { $0.grad?.data ?? [] }
        let threshold: Float = mode == .value ? 1.5 : 10
        let stats = params.clipGradients(threshold: threshold, mode: mode)
        let sq = grads.joined().reduce(0.0) { $0 + Double($1) * Double($1) }
        let psq = params.tensors.flatMap(\.data).reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(stats.norm - Float(sq.squareRoot())) <= 1e-5 * stats.norm)
        #expect(abs(stats.parameterNorm - Float(psq.squareRoot())) <= 1e-5 * stats.parameterNorm)
        let expected: [[Float]] = mode == .value
            ? grads.map { $0.map { Swift.min(threshold, Swift.max(-threshold, $0)) } }
            : grads.map { $0.map { $0 * (threshold / Float(sq.squareRoot())) } }
        let got = params.tensors.map { $0.grad?.data ?? [] }
        if mode == .value { #expect(got == expected) } else {
            #expect(zip(got.joined(), expected.joined()).allSatisfy { abs($0 - $1) <= 1e-6 * Swift.max(1, abs($1)) })
        }
        #expect(stats.clipped)
        let after = expected.joined().reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(stats.clippedNorm - Float(after.squareRoot())) <= 1e-5 * stats.clippedNorm)
    }

    @Test("a NaN in the second half of the last gradient is found, and the first bad one named")
    func nonFiniteFound() throws {
        let params = try Self.parameters(seed: 9)
        params.tensors[2].grad?.data[29_000] = .nan
        #expect(params.clipGradients(threshold: 5, mode: .value).firstNonFinite == "p2")
        params.tensors[1].grad?.data[36] = -.infinity
        #expect(params.clipGradients(threshold: 5, mode: .value).firstNonFinite == "p1")
        #expect(ParameterSweep.firstNonFinite(params.tensors) == nil)
        params.tensors[2].data[29_899] = .infinity
        #expect(ParameterSweep.firstNonFinite(params.tensors) == 2)
        params.tensors[0].data[0] = .nan
        #expect(ParameterSweep.firstNonFinite(params.tensors) == 0)
    }

    @Test("the snapshot gives back parameters and moments, and the update ratios are log10(‖Δw‖/‖w‖)")
    func snapshotRoundTrip() throws {
        let params = try Self.parameters(seed: 11)
        let optimizer = Optimizer(OptimizerSettings(kind: .adam), parameterCounts: params.tensors.map(\.count))
        optimizer.step(params, lr: 1e-2)
        let (x, m, v) = (params.tensors.map(\.data), optimizer.first, optimizer.second)
        var snapshot = StepSnapshot()
        snapshot.take(params.tensors, optimizer)
        optimizer.step(params, lr: 1e-2)
        let ratios = snapshot.updateRatios(params.tensors)
        for (k, t) in params.tensors.enumerated() {
            let dd = zip(t.data, x[k]).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            let ww = x[k].reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(abs(ratios[k] - Float(0.5 * log10(dd / ww))) < 1e-5)
        }
        #expect(params.tensors.map(\.data) != x)
        try snapshot.restore(params.tensors, optimizer)
        #expect(params.tensors.map(\.data) == x && optimizer.first == m && optimizer.second == v && optimizer.steps == 1)
    }
}
