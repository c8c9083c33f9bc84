/// Ways to make tensors: constants, ranges, identity, and seeded random draws.
extension Tensor {
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 0, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 1, requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) throws -> Tensor {
        let n = try Shape.count(shape, op: "full")
        return try Tensor(shape: shape, data: [Float](repeating: value, count: n), requiresGrad: requiresGrad)
    }

    /// The n×m identity (m defaults to n).
    public static func eye(_ n: Int, _ m: Int? = nil) throws -> Tensor {
        let cols = m ?? n
        let t = try zeros([n, cols])
        for i in 0..<Swift.min(n, cols) { t.data[i * cols + i] = 1 }
        return t
    }

    /// start, start+step, … up to but excluding end (NumPy's arange).
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError("arange: step must be finite and non-zero, start and end finite")
        }
        let steps = ((end - start) / step).rounded(.up)
        guard steps <= Float(Shape.elementBudget) else {  // before Int(…), which traps on huge values
            throw TensorError("arange: \(start) to \(end) by \(step) is \(steps) elements, over the budget of \(Shape.elementBudget)",
                              hint: "use a larger step or a shorter range")
        }
        let n = steps > 0 ? Int(steps) : 0
        _ = try Shape.count([n], op: "arange")
        return Tensor(uncheckedShape: [n], data: (0..<n).map { start + Float($0) * step })
    }

    /// Normal draws with the given mean and standard deviation from a seeded generator.
    public static func randn(
        _ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomSource, requiresGrad: Bool = false
    ) throws -> Tensor {
        let n = try Shape.count(shape, op: "randn")
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = mean + std * rng.nextNormal() }
        return try Tensor(shape: shape, data: d, requiresGrad: requiresGrad)
    }

    /// Uniform draws in [low, high) from a seeded generator.
    public static func rand(
        _ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomSource, requiresGrad: Bool = false
    ) throws -> Tensor {
        let n = try Shape.count(shape, op: "rand")
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = low + (high - low) * rng.nextFloat() }
        return try Tensor(shape: shape, data: d, requiresGrad: requiresGrad)
    }

    /// Convenience: draws from a fresh generator seeded with `seed`.
    public static func randn(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) throws -> Tensor {
        var rng = RandomSource(seed: seed)
        return try randn(shape, rng: &rng, requiresGrad: requiresGrad)
    }

    public static func rand(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) throws -> Tensor {
        var rng = RandomSource(seed: seed)
        return try rand(shape, rng: &rng, requiresGrad: requiresGrad)
    }
}
