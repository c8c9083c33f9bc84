import Foundation
import LMCore

/// The parameters and optimizer state before an update, so that an update that overflows can be
/// undone (`Trainer.step`).
///
/// The copies go into buffers kept from step to step. Taking `tensor.data` arrays instead looked free
/// (copy-on-write) but made the optimizer's in-place update copy every parameter and both moments into
/// fresh memory each step: page faults and three model-sized allocations per step.
struct StepSnapshot {
    var parameters: [[Float]] = []
    var first: [[Float]] = []
    var second: [[Float]] = []
    var steps = 0

    mutating func take(_ tensors: [Tensor], _ optimizer: Optimizer) {
        StepSnapshot.copy(tensors.map(\.data), into: &parameters)
        StepSnapshot.copy(optimizer.first, into: &first)
        StepSnapshot.copy(optimizer.second, into: &second)
        steps = optimizer.steps
    }

    func restore(_ tensors: [Tensor], _ optimizer: Optimizer) throws {
        for (t, d) in zip(tensors, parameters) { t.data = d }
        try optimizer.restore(first: first, second: second, steps: steps)
    }

    /// log10(‖w − w_before‖/‖w_before‖) per parameter: the update-to-data ratio of the step just taken.
    func updateRatios(_ tensors: [Tensor]) -> [Float] {
        zip(tensors, parameters).map { t, before in
            var dd: Double = 0, ww: Double = 0
            t.data.withUnsafeBufferPointer { now in
                for i in 0..<Swift.min(now.count, before.count) {
                    let d = Double(now[i] - before[i])
                    dd += d * d
                    ww += Double(before[i]) * Double(before[i])
                }
            }
            guard ww > 0 else { return .nan }
            return dd > 0 ? Float(0.5 * log10(dd / ww)) : -.infinity
        }
    }

    /// Copies `source` into `target` element by element, reusing `target`'s storage when the sizes match.
    static func copy(_ source: [[Float]], into target: inout [[Float]]) {
        guard target.map(\.count) == source.map(\.count) else {
            target = source.map { Array($0) }
            // Break the sharing now so later copies write into memory of our own.
            for k in target.indices { target[k].withUnsafeMutableBufferPointer { _ in } }
            return
        }
        for k in source.indices {
            source[k].withUnsafeBufferPointer { src in
                target[k].withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                    d.update(from: s, count: src.count)
                }
            }
        }
    }
}
