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

    mutating func take(_ tensors: [Tensor], _ optimizer: Optimizer) {
        let counts = tensors.map(\.count)
        if parameters.map(\.count) != counts {
            parameters = counts.map { FloatBuffer($0) }
            first = counts.map { FloatBuffer($0) }
            second = counts.map { FloatBuffer($0) }
        }
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
    }

    func restore(_ tensors: [Tensor], _ optimizer: Optimizer) throws {
        for (t, d) in zip(tensors, parameters) { t.data = d.array() }
        try optimizer.restore(first: first.map { $0.array() }, second: second.map { $0.array() }, steps: steps)
    }

    /// log10(‖w − w_before‖/‖w_before‖) per parameter: the update-to-data ratio of the step just taken.
    func updateRatios(_ tensors: [Tensor]) -> [Float] {
        let counts = zip(tensors, parameters).map { Swift.min($0.0.count, $0.1.count) }
        let before = parameters.map(\.p)
        // Per part and parameter: Σ(w − w_before)² and Σw_before², added up per parameter afterwards.
        let most = FusedWindow.defaultThreads
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: most * counts.count * 2)
        sums.initialize(repeating: 0, count: most * counts.count * 2)
        defer { sums.deallocate() }
        let parts = ParameterSweep.withPointers(tensors, total: counts.reduce(0, +)) { now, threads in
            let parts = Swift.min(threads, most)
            let shared = Unchecked((now, before, sums))
            ParameterSweep.run(counts: counts, threads: parts) { part, spans in
                let (now, before, sums) = shared.value
                for span in spans {
                    let (dd, ww) = Self.squareSums(now[span.entry], before[span.entry], span.range)
                    let slot = sums + 2 * (part * counts.count + span.entry)
                    slot[0] += dd
                    slot[1] += ww
                }
            }
            return parts
        }
        return counts.indices.map { k in
            var dd: Double = 0, ww: Double = 0
            for part in 0..<parts {
                dd += sums[2 * (part * counts.count + k)]
                ww += sums[2 * (part * counts.count + k) + 1]
            }
            guard ww > 0 else { return .nan }
            return dd > 0 ? Float(0.5 * log10(dd / ww)) : -.infinity
        }
    }

    /// Σ(now − before)² and Σbefore² over `range`, in four running sums each (one sum's add waits on the last;
    /// four keep the adder busy).
    static func squareSums(_ now: UnsafePointer<Float>, _ before: UnsafePointer<Float>, _ range: Range<Int>) -> (Double, Double) {
        var d0: Double = 0, d1: Double = 0, d2: Double = 0, d3: Double = 0
        var w0: Double = 0, w1: Double = 0, w2: Double = 0, w3: Double = 0
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let e0 = Double(now[i] - before[i]), e1 = Double(now[i + 1] - before[i + 1])
            let e2 = Double(now[i + 2] - before[i + 2]), e3 = Double(now[i + 3] - before[i + 3])
            d0 += e0 * e0; d1 += e1 * e1; d2 += e2 * e2; d3 += e3 * e3
            let b0 = Double(before[i]), b1 = Double(before[i + 1]), b2 = Double(before[i + 2]), b3 = Double(before[i + 3])
            w0 += b0 * b0; w1 += b1 * b1; w2 += b2 * b2; w3 += b3 * b3
            i += 4
        }
        while i < range.upperBound {
            let e = Double(now[i] - before[i]), b = Double(before[i])
            d0 += e * e
            w0 += b * b
            i += 1
        }
        return ((d0 + d1) + (d2 + d3), (w0 + w1) + (w2 + w3))
    }
}
