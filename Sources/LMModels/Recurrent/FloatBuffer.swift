/// A fixed-size block of floats with a stable address, for the fused kernels' tapes and scratch.
///
/// Swift arrays may not hand out a pointer beyond a closure; the kernels keep many buffers alive
/// across a whole window, so they own raw memory instead. Freed when the buffer goes away.
final class FloatBuffer {
    let count: Int
    let p: UnsafeMutablePointer<Float>

    init(_ count: Int) {
        self.count = count
        p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        p.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { p.deallocate() }

    func zero() { p.update(repeating: 0, count: count) }

    func copy(from a: [Float]) {
        a.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            p.update(from: base, count: Swift.min(count, src.count))
        }
    }

    func array(offset: Int = 0, count n: Int? = nil) -> [Float] {
        Array(UnsafeBufferPointer(start: p + offset, count: n ?? (count - offset)))
    }

    /// A buffer of at least `n` floats: `existing` when it is big enough, else a new one.
    static func reuse(_ existing: FloatBuffer?, _ n: Int) -> FloatBuffer {
        if let existing, existing.count == n { return existing }
        return FloatBuffer(n)
    }
}

/// Column sums of a [rows, cols] matrix added into `out` [cols] (bias gradients).
func addColumnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = m + r * cols
        for j in 0..<cols { out[j] += row[j] }
    }
}

/// Sets each of `rows` rows of `m` [rows, cols] to `v` [cols] (broadcast a bias before a GEMM with beta 1).
func fillRows(_ m: UnsafeMutablePointer<Float>, rows: Int, cols: Int, with v: UnsafePointer<Float>) {
    for r in 0..<rows { (m + r * cols).update(from: v, count: cols) }
}
