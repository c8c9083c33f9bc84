import Foundation
import LMCore

/// The parameters and optimizer state before an update, so that an update that overflows can be
/// undone (`Trainer.step`).
///
/// The copies go into buffers kept from step to step (fresh arrays each step cost page faults and three
/// model-sized allocations), and both cores copy half of the numbers each (`ParameterSweep`).
struct StepSnapshot {
    /// Per parameter: its values, first moment and second moment.
    var parameters: [FloatBuffer] = []
    var first: [FloatBuffer] = []
    var second: [FloatBuffer] = []
    var steps = 0
    /// Whether `first` and `second` hold copies: `UpdateSweep` copies only the moments its rule writes (RMSProp's
    /// first moment stays zero), and a restore leaves the others as they are.
    var keepsFirst = true, keepsSecond = true

    /// Buffers for parameters of these sizes (kept when they already fit).
    mutating func prepare(counts: [Int]) {
        if parameters.map(\.count) != counts {
            parameters = counts.map { FloatBuffer($0) }
            first = counts.map { FloatBuffer($0) }
            second = counts.map { FloatBuffer($0) }
        }
    }

    mutating func take(_ tensors: [Tensor], _ optimizer: Optimizer) {
        prepare(counts: tensors.map(\.count))
        // The optimizer was made for these parameters; should it not match them, only what matches is copied.
        var owners: [any FloatArrayOwner] = [], copied: [Int] = []
        for (t, m) in zip(tensors, optimizer.moments) {
            guard m.first.values.count == t.count, m.second.values.count == t.count else { break }
            owners += [t, m.first, m.second]
            copied.append(t.count)
        }
        let targets = zip(parameters, zip(first, second)).flatMap { [$0.0.p, $0.1.0.p, $0.1.1.p] }
        ParameterSweep.withPointers(owners, total: copied.reduce(0, +)) { source, threads in
            let shared = Unchecked((source, targets))
            ParameterSweep.run(counts: copied, threads: threads) { _, spans in
                let (source, targets) = shared.value
                for span in spans {
                    for j in (3 * span.entry)..<(3 * span.entry + 3) {
                        (targets[j] + span.range.lowerBound).update(from: source[j] + span.range.lowerBound, count: span.range.count)
                    }
                }
            }
        }
        steps = optimizer.steps
        keepsFirst = true
        keepsSecond = true
    }

    func restore(_ tensors: [Tensor], _ optimizer: Optimizer) throws {
        for (t, d) in zip(tensors, parameters) { t.data = d.array() }
        try optimizer.restore(first: keepsFirst ? first.map { $0.array() } : optimizer.first,
                              second: keepsSecond ? second.map { $0.array() } : optimizer.second, steps: steps)
    }

    /// log10(‖w − w_before‖/‖w_before‖) per parameter: the update-to-data ratio of the step just taken.
    func updateRatios(_ tensors: [Tensor]) -> [Float] {
        let counts = zip(tensors, parameters).map { Swift.min($0.0.count, $0.1.count) }
        let before = parameters.map { UnsafePointer($0.p) }
        // Per part, per parameter: Σ(w − w_before)² and Σw_before² over the part's spans.
        let parts = ParameterSweep.withPointers(tensors, total: counts.reduce(0, +)) { now, threads in
            ParameterSweep.collect(counts: counts, threads: threads, initial: [(dd: Double, ww: Double)]()) { _, spans in
                var sums = [(dd: Double, ww: Double)](repeating: (0, 0), count: counts.count)
                for span in spans {
                    sums[span.entry].dd += squareSum(now[span.entry], minus: before[span.entry], span.range)
                    sums[span.entry].ww += squareSum(before[span.entry], span.range)
                }
                return sums
            }
        }
        return counts.indices.map { k in
            Self.updateRatio(dd: parts.reduce(0) { $0 + $1[k].dd }, ww: parts.reduce(0) { $0 + $1[k].ww })
        }
    }

    /// log10(‖Δw‖/‖w‖) from Σ(Δw)² and Σw²: NaN for a parameter that was all zeros, −∞ for one the step left as it was.
    static func updateRatio(dd: Double, ww: Double) -> Float {
        guard ww > 0 else { return .nan }
        return dd > 0 ? Float(0.5 * log10(dd / ww)) : -.infinity
    }
}
