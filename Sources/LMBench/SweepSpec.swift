import LMModels

/// What `lmsh bench --sweep KEY=SPEC` varies: one size of the configuration (hidden, seq or batch) over a list of
/// values, the rest fixed by the other flags. `A..B` is A, the powers of two strictly between, and B (so
/// `hidden=64..1024` is 64, 128, 256, 512, 1024 and `seq=10..200` is 10, 16, 32, 64, 128, 200); `A,B,C` is that list.
public struct SweepSpec: Sendable, Equatable {
    public enum Key: String, Sendable, CaseIterable {
        case hidden, seq, batch

        /// The values the matching flag accepts (`--hidden`, `--seq`, `--batch`).
        var range: ClosedRange<Int> {
            switch self {
            case .hidden: 1...16384
            case .seq, .batch: 1...100_000
            }
        }
    }

    public var key: Key
    public var sizes: [Int]

    /// Points in one sweep at most (a loop bounded by a limit, whatever is typed).
    public static let maxPoints = 64

    public init(key: Key, sizes: [Int]) {
        self.key = key
        self.sizes = sizes
    }

    /// Parses `hidden=64..1024`, `seq=10..200`, `batch=1,8,64`; a bad spec is a one-line error naming it.
    public static func parse(_ spec: String) throws -> SweepSpec {
        func fail(_ why: String) -> ModelError { ModelError("bench: --sweep \(spec): \(why)") }
        let forms = "write KEY=A..B (A, the powers of two between, B) or KEY=A,B,C with KEY hidden, seq or batch"
        let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail(forms) }
        guard let key = Key(rawValue: String(parts[0])) else {
            throw fail("unknown size '\(parts[0])'; \(forms)")
        }
        let r = key.range
        func int(_ s: Substring) throws -> Int {
            guard let n = Int(s), r.contains(n) else {
                throw fail("'\(s)' must be an integer in \(r.lowerBound)...\(r.upperBound) (as --\(key.rawValue))")
            }
            return n
        }
        let body = parts[1]
        var sizes: [Int]
        if let dots = body.range(of: "..") {
            let lo = try int(body[..<dots.lowerBound]), hi = try int(body[dots.upperBound...])
            guard lo <= hi else { throw fail("the lower bound \(lo) is above the upper bound \(hi)") }
            sizes = [lo]
            var p = 1
            while p < hi {  // p ≤ 16384 or 100,000 here, so no overflow
                if p > lo { sizes.append(p) }
                p *= 2
            }
            if hi > lo { sizes.append(hi) }
        } else {
            let items = body.split(separator: ",", omittingEmptySubsequences: false)
            guard items.count <= maxPoints else { throw fail("at most \(maxPoints) sizes") }
            sizes = try items.map(int)
            guard Set(sizes).count == sizes.count else { throw fail("a size is listed twice") }
        }
        return SweepSpec(key: key, sizes: sizes)
    }

    /// `base` with the swept size set to `size`.
    func apply(_ size: Int, to base: BenchOptions) -> BenchOptions {
        var o = base
        switch key {
        case .hidden: o.hidden = size
        case .seq: o.seq = size
        case .batch: o.batch = size
        }
        return o
    }
}
