import Foundation
import LMCore
import LMModels
import LMInspect

extension Interpreter {
    /// For `:time`: how each model the cell names runs a training window, and why (its `m.plan`).
    public func plans(mentionedIn cell: String) -> [String] {
        let names = Set(cell.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
        return variables.keys.sorted().compactMap { name in
            guard names.contains(name), case .model(let m) = variables[name] else { return nil }
            return "\(name): " + m.trainingPlan.description
        }
    }
}

extension Interpreter {
    /// For `:time`: runs `body` (which runs the cell) and returns what to print: the wall time, the autodiff
    /// tape's work when the cell recorded one (nodes, per training step of the models it names, and the share
    /// of the time spent in backward), and the plans of the models it names.
    public func timeReport(of cell: String, running body: () -> Void) -> [String] {
        let meter = TapeMeter()
        let named = modelsMentioned(in: cell)
        let stepsBefore = named.map(\.steps).reduce(0, +)
        let start = Date()
        TapeMeter.$current.withValue(meter) { body() }
        let seconds = Date().timeIntervalSince(start)
        var lines = [String(format: "time: %.3f s", seconds)]
        if meter.nodes > 0 {
            let steps = modelsMentioned(in: cell).map(\.steps).reduce(0, +) - stepsBefore
            var line = "autodiff tape: \(meter.nodes) nodes"
            if steps > 0 { line += String(format: " (%.0f per training step, %.1f µs of the step per node)", Double(meter.nodes) / Double(steps), seconds / Double(meter.nodes) * 1e6) }
            line += String(format: "; %d backward pass%@, %.3f s (%.0f%% of the time)", meter.backwardPasses, meter.backwardPasses == 1 ? "" : "es",
                           meter.backwardSeconds, seconds > 0 ? 100 * meter.backwardSeconds / seconds : 0)
            lines.append(line)
        }
        return lines + plans(mentionedIn: cell)
    }

    func modelsMentioned(in cell: String) -> [ModelValue] {
        let names = Set(cell.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init))
        return variables.keys.sorted().compactMap { name in
            guard names.contains(name), case .model(let m) = variables[name] else { return nil }
            return m
        }
    }
}

/// `train … watch=true`: the monitor Karpathy's "Zero to Hero" teaches to watch, printed under the progress.
enum TrainingMonitor {
    static func table(_ t: Trainer, progress p: TrainProgress) -> String {
        var lines = [String(format: "step %d  loss %.4f  ‖∇‖ %.3g%@  lr %.3g   update/data log10 per parameter (healthy near −3):",
                            p.step, p.trainLoss, p.gradNorm, p.clipped ? " (clipped)" : "", p.lr)]
        let last = t.updateRatios.last ?? []
        let names = t.model.parameters.names
        let width = names.map(\.count).max() ?? 0
        for (k, name) in names.enumerated() where k < last.count {
            let r = Double(last[k])
            // A bar from −6 to 0 with a mark at −3.
            let pos = r.isFinite ? Swift.min(24, Swift.max(0, Int(((r + 6) / 6 * 24).rounded()))) : -1
            var bar = Array(String(repeating: "·", count: 25))
            bar[12] = "|"
            if pos >= 0 { bar[pos] = "●" }
            let value = r.isFinite ? String(format: "%6.2f", r) : "     —"
            // The gradient's magnitudes as a histogram of log10|g| over 1e-8…1.
            let grads = t.model.parameters.entries[k].tensor.grad?.data ?? []
            let hist = grads.isEmpty ? "" : "  log10|∇| −8…0 " + TerminalPictures.histogram(ActivationStats.logHistogram(grads))
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + " \(value)  " + String(bar) + hist)
        }
        if let stats = probeStats(t) {
            lines.append("  activations on the first \(probeLength) characters of the validation text:")
            for (l, layer) in stats.layers.enumerated() {
                let gates = layer.gateSaturated.map { String(format: " %@ %.0f%%", $0.name, 100 * $0.fraction) }.joined()
                lines.append(String(format: "  layer %d  h −1…1 %@  |h|>0.97 %.1f%%%@  dead %d/%d", l + 1,
                                    TerminalPictures.histogram(layer.histogram), 100 * layer.tanhSaturated,
                                    gates.isEmpty ? "" : "  gates saturated" + gates, layer.deadUnits, layer.units))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let probeLength = 200

    /// Activation statistics on a probe: the start of the validation text (else of the training text), read from
    /// the zero state through the cell's definition.
    static func probeStats(_ t: Trainer) -> ActivationStats? {
        let split = t.splits.val.count > 0 ? t.splits.val : t.splits.train
        let ids: [Int]
        if let mapped = split.mapped {
            ids = mapped.prefix(probeLength).map(Int.init)
        } else {
            ids = Array(split.segments.joined().prefix(probeLength)).map(Int.init)
        }
        guard !ids.isEmpty, let trace = try? StateTrace.run(t.model, ids: ids) else { return nil }
        return try? ActivationStats.measure(trace)
    }
}

extension ModelValue {
    /// How a training window of this model runs: its trainer's batch, else the default 50 (`m.plan`, `:time`).
    var trainingPlan: ExecutionPlan {
        ExecutionPlan(model.config, batch: trainer?.batcher.batch ?? TrainSettings().batch, train: true)
    }
}
