/// Finite-difference gradient checking.
///
/// `gradcheck` compares the autodiff gradient of a function with central differences
/// (f(x+ε) − f(x−ε)) / 2ε for every element of every input. A non-scalar output is reduced to a
/// scalar by a fixed random projection Σ r⊙f(x), so every output element is checked. The differences
/// are taken in float32, so the default ε (1e-2) and tolerances are set for float32 noise.
public struct GradCheckResult: Sendable, CustomStringConvertible {
    /// Largest |analytic − numeric| / max(1, |numeric|) over all elements.
    public var maxError: Float
    /// Where it occurred: input number and flat element index.
    public var worst: (input: Int, element: Int)
    public var analytic: Float
    public var numeric: Float
    public var passed: Bool
    public var checked: Int

    public var description: String {
        let verdict = passed ? "ok" : "FAILED"
        return "gradcheck \(verdict): \(checked) elements, max error \(maxError) at input \(worst.input) element \(worst.element) (analytic \(analytic), numeric \(numeric))"
    }
}

extension Tensor {
    public static func gradcheck(
        _ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Float = 1e-2, seed: UInt64 = 7,
        _ f: ([Tensor]) throws -> Tensor
    ) throws -> GradCheckResult {
        let leaves = inputs.map { $0.asParameter() }
        let probe = try Tensor.withoutGrad { try f(leaves) }
        var rng = RandomSource(seed: seed)
        let projection = probe.count == 1
            ? Tensor(uncheckedShape: probe.shape, data: [1])
            : try Tensor.rand(probe.shape, low: 0.5, high: 1.5, rng: &rng)
        func objective(_ xs: [Tensor]) throws -> Tensor {
            try f(xs).mul(projection).sum()
        }
        let loss = try objective(leaves)
        try loss.backward()

        var result = GradCheckResult(maxError: 0, worst: (0, 0), analytic: 0, numeric: 0, passed: true, checked: 0)
        for (k, leaf) in leaves.enumerated() {
            let analytic = leaf.grad?.data ?? [Float](repeating: 0, count: leaf.count)
            for i in 0..<leaf.count {
                let saved = leaf.data[i]
                let (plus, minus) = try Tensor.withoutGrad { () throws -> (Float, Float) in
                    leaf.data[i] = saved + epsilon
                    let p = try objective(leaves).item()
                    leaf.data[i] = saved - epsilon
                    let m = try objective(leaves).item()
                    return (p, m)
                }
                leaf.data[i] = saved
                let numeric = (plus - minus) / (2 * epsilon)
                let err = Swift.abs(analytic[i] - numeric) / Swift.max(1, Swift.abs(numeric))
                result.checked += 1
                if err > result.maxError || err.isNaN {
                    result.maxError = err
                    result.worst = (k, i)
                    result.analytic = analytic[i]
                    result.numeric = numeric
                }
            }
        }
        result.passed = result.maxError <= tolerance
        return result
    }
}
