import LMCore

/// The update after a training window as one pass over the parameters: for each stretch of a parameter, the
/// rollback copy of its values and of the moments the rule writes (`StepSnapshot`), the optimizer's rule, and the
/// sums that the finite check and the update ratios need, one chunk at a time.
///
/// Why: done as four passes, each read every parameter from memory again; chunk by chunk, a chunk's numbers
/// are read from memory once and stay in the caches for the other three. Each number is computed by the same
/// expression as in the separate passes, and each sum keeps its four running sums across chunks, so updates,
/// copies and ratios are the same bits (`UpdateSweepTests`).
enum UpdateSweep {
    /// Numbers per chunk: seven arrays of this many floats (values, gradient, two moments, three copies) fit in L1,
    /// and a multiple of four (see `SquareSums`).
    static let chunk = 1024

    struct Result {
        /// log10(‖w − w_before‖/‖w_before‖) per parameter, as `StepSnapshot.updateRatios` gives it.
        var ratios: [Float]
        /// The first parameter (in list order) holding a NaN or Inf after the update.
        var firstNonFinite: Int?
    }

    /// Takes the snapshot, updates every parameter with `optimizer`'s rule at `lr`, and measures the update. Nil,
    /// with nothing changed, when a parameter has no gradient or the optimizer's moments do not match the
    /// parameters: the caller then runs the passes one by one.
    static func run(_ tensors: [Tensor], _ optimizer: Optimizer, snapshot: inout StepSnapshot, lr: Float) -> Result? {
        let counts = tensors.map(\.count)
        var owners: [any FloatArrayOwner] = []
        for (t, m) in zip(tensors, optimizer.moments) {
            guard let g = t.grad, g.count == t.count, m.first.values.count == t.count, m.second.values.count == t.count else {
                return nil
            }
            owners += [t, g, m.first, m.second]
        }
        guard optimizer.moments.count == tensors.count else { return nil }
        snapshot.prepare(counts: counts)
        snapshot.steps = optimizer.steps
        // Only what the rule writes is copied: a moment it never writes needs no copy to be put back.
        let kind = optimizer.settings.kind
        let keepFirst = kind.writesFirst, keepSecond = kind.writesSecond
        snapshot.keepsFirst = keepFirst
        snapshot.keepsSecond = keepSecond
        let rule = optimizer.begin(lr: lr)
        let copies = zip(snapshot.parameters, zip(snapshot.first, snapshot.second)).flatMap { [$0.0.p, $0.1.0.p, $0.1.1.p] }
        // Per part, per parameter: Σ(w − w_before)², Σw_before² and Σw² over the part's stretch of it.
        let parts = ParameterSweep.withPointers(owners, total: counts.reduce(0, +)) { p, threads in
            let shared = Unchecked(copies)
            return ParameterSweep.collect(counts: counts, threads: threads, initial: [(dd: Double, ww: Double, xx: Double)]()) { _, spans in
                let copies = shared.value
                var sums = [(dd: Double, ww: Double, xx: Double)](repeating: (0, 0, 0), count: counts.count)
                for span in spans {
                    let k = span.entry
                    let x = p[4 * k], g = p[4 * k + 1], m = p[4 * k + 2], v = p[4 * k + 3]
                    let x0 = copies[3 * k], m0 = copies[3 * k + 1], v0 = copies[3 * k + 2]
                    var dd = SquareSums(), ww = SquareSums(), xx = SquareSums()
                    var lo = span.range.lowerBound
                    while lo < span.range.upperBound {
                        let c = lo..<Swift.min(lo + chunk, span.range.upperBound), n = c.count
                        (x0 + lo).update(from: x + lo, count: n)
                        if keepFirst { (m0 + lo).update(from: m + lo, count: n) }
                        if keepSecond { (v0 + lo).update(from: v + lo, count: n) }
                        ww.add(x0, c)
                        rule.apply(x: x, g: g, m: m, v: v, c)
                        dd.add(x, minus: x0, c)
                        xx.add(x, c)
                        lo = c.upperBound
                    }
                    sums[k] = (dd.total, ww.total, xx.total)
                }
                return sums
            }
        }
        let ratios = counts.indices.map { k in
            StepSnapshot.updateRatio(dd: parts.reduce(0) { $0 + $1[k].dd }, ww: parts.reduce(0) { $0 + $1[k].ww })
        }
        // Σw² in double precision is finite exactly when every w is (a float's square cannot overflow it).
        let bad = counts.indices.first { k in parts.contains { !$0[k].xx.isFinite } }
        return Result(ratios: ratios, firstNonFinite: bad)
    }
}
