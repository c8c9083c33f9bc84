import Foundation
import LMCore

/// An element-wise pass over every parameter's numbers (summing the shards' gradients, clipping, the
/// rollback snapshot, the optimizer, the finite check) split between the cores.
///
/// Why: after the window's products, these passes ran on one core while the other waited; in a 3×512
/// LSTM's step they were 45 of 587 ms (`profile train`, bench/profile.md). Each thread takes one
/// contiguous stretch of the parameters laid end to end, so a big matrix is cut where the stretch ends and
/// the halves are even. Every element is computed by the same expression as before, so updates stay bit
/// for bit what one thread gives; only sums (norms) are added in two parts and then together.
public enum ParameterSweep {
    /// Below this many numbers in all, one thread: waking the second costs tens of microseconds per pass, about
    /// what a pass over char-rnn's 2×128 LSTM (240,000 numbers) takes on one core, so only bigger models gain.
    public static let parallelMinimum = 1 << 19

    /// A stretch of one array: elements `range` of array `entry`.
    public struct Span: Sendable, Equatable {
        public var entry: Int
        public var range: Range<Int>
    }

    /// Arrays of `counts` laid end to end and cut into `parts` stretches of nearly equal length, as spans.
    public static func spans(counts: [Int], parts: Int) -> [[Span]] {
        let total = counts.reduce(0, +), parts = Swift.max(1, parts)
        return (0..<parts).map { p in
            let lo = p * total / parts, hi = (p + 1) * total / parts
            var out: [Span] = [], start = 0
            for (k, n) in counts.enumerated() {
                let a = Swift.max(lo, start), b = Swift.min(hi, start + n)
                if a < b { out.append(Span(entry: k, range: (a - start)..<(b - start))) }
                start += n
            }
            return out
        }
    }

    /// How many threads a pass over `total` numbers uses.
    public static func threads(total: Int, available: Int = FusedWindow.defaultThreads) -> Int {
        total >= parallelMinimum ? Swift.max(1, available) : 1
    }

    /// Calls `body(part, spans)` for each part of `counts`, the parts at once on `threads` threads. `body` must
    /// touch only the elements of its spans (and state of its own part).
    public static func run(counts: [Int], threads: Int, _ body: (Int, [Span]) -> Void) {
        let parts = spans(counts: counts, parts: threads)
        if parts.count == 1 {
            body(0, parts[0])
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = Unchecked(body)
            DispatchQueue.concurrentPerform(iterations: parts.count) { k in work.value(k, parts[k]) }
        }
    }

    /// `run`, collecting each part's result, in part order.
    public static func collect<T>(counts: [Int], threads: Int, initial: T, _ body: (Int, [Span]) -> T) -> [T] {
        let parts = spans(counts: counts, parts: threads).count
        let results = UnsafeMutablePointer<T>.allocate(capacity: parts)
        results.initialize(repeating: initial, count: parts)
        defer { results.deinitialize(count: parts); results.deallocate() }
        let shared = Unchecked(results)
        run(counts: counts, threads: threads) { part, spans in shared.value[part] = body(part, spans) }
        return Array(UnsafeBufferPointer(start: results, count: parts))
    }

    /// The index of the first tensor (in list order) holding a NaN or Inf, if any.
    static func firstNonFinite(_ tensors: [Tensor]) -> Int? {
        let counts = tensors.map(\.count)
        return withPointers(tensors, total: counts.reduce(0, +)) { x, threads in
            // Σx² in double precision is finite exactly when every x is (a float's square cannot overflow it).
            collect(counts: counts, threads: threads, initial: Int?.none) { _, spans in
                spans.first { !squareSum(x[$0.entry], $0.range).isFinite }?.entry
            }.compactMap { $0 }.min()
        }
    }

    /// Stands in for an empty array's missing address; never read or written.
    nonisolated(unsafe) static let emptyArray = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    /// Runs `body` with every array of `arrays` open as a pointer at once (each array is one object's, so
    /// the accesses never overlap), so that threads may then write disjoint stretches of the same array; and
    /// with how many threads a pass over their `total` numbers may use: one when an object is listed twice
    /// (`params=[W, W]`), which is then opened once and updated in list order, as one thread would.
    static func withPointers<R>(_ arrays: [any FloatArrayOwner], total: Int,
                                _ body: ([UnsafeMutablePointer<Float>], Int) -> R) -> R {
        var pointers: [UnsafeMutablePointer<Float>] = []
        pointers.reserveCapacity(arrays.count)
        var opened: [ObjectIdentifier: Int] = [:]
        func open(_ i: Int) -> R {
            if i == arrays.count { return body(pointers, opened.count == arrays.count ? threads(total: total) : 1) }
            if let seen = opened[ObjectIdentifier(arrays[i])] {
                pointers.append(pointers[seen])
                return open(i + 1)
            }
            return arrays[i].withFloats { p in
                opened[ObjectIdentifier(arrays[i])] = i
                // An empty array has no address; nothing reads through it (its spans are empty).
                pointers.append(p.baseAddress ?? emptyArray)
                return open(i + 1)
            }
        }
        return open(0)
    }
}

/// An object that owns one array of floats (a tensor's data, an optimizer's moment): opened one object at a time.
protocol FloatArrayOwner: AnyObject {
    func withFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R
}

extension Tensor: FloatArrayOwner {
    func withFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        data.withUnsafeMutableBufferPointer { body($0) }
    }
}
