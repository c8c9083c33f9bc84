import Foundation
import LMCore
import LMModels

/// `train loss_fn params=[W, b] steps=…`: training for models that are not recurrent (a bigram table, the
/// Bengio window MLP): each step calls the loss function (with the step number, if it takes one), runs
/// backward, clips and updates the listed tensors with the one `Optimizer` that every training uses.
extension Builtins {
    static func trainLossFunction(_ fn: UserFunction, _ interp: Interpreter, _ a: CallArgs) throws -> Value {
        try a.expectCount(1...1)
        guard fn.parameters.count <= 1 else {
            throw ShellError("the loss function \(fn.name) takes \(fn.parameters.count) parameters; train calls it with none or the step number",
                             at: a.location(0), hint: "def \(fn.name)(i) { x, y = batch(text, i); return cross_entropy(W[x], y) }")
        }
        guard a.keyword("params") != nil else {
            throw ShellError("train needs params=[…] to train a loss function: the tensors to update", at: a.location, hint: "train \(fn.name) params=[W, b] steps=100")
        }
        let params = try parameterList(interp, a.renamed("params"), 0)
        try noRecipe(a, "a loss function")
        let budget = try trainBudget(a, interp)
        let steps = budget.steps
        let optName = try str(a, "opt")
        guard let kind = OptimizerKind(rawValue: optName) else {
            throw ShellError("unknown optimizer \"\(optName)\"", at: a.keywordLocation("opt"), hint: "opt is one of \(OptimizerKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        let lr = Float(try num(a, "lr")), clip = Float(try num(a, "clip"))
        let modeName = try str(a, "clip_mode")
        guard let mode = ClipMode(rawValue: modeName) else {
            throw ShellError("unknown clip_mode \"\(modeName)\"", at: a.keywordLocation("clip_mode"), hint: "\"norm\" or \"value\"")
        }
        let every = try int(a, "every")
        let optimizer = Optimizer(OptimizerSettings(kind: kind), parameterCounts: params.tensors.map(\.count))
        var losses: [Float] = [], divergedAt: Int?, stopped = false, lastNorm: Float = 0, outOfTime = false
        let start = Date()
        for k in 0..<steps {
            if interp.shouldStop() { stopped = true; break }
            if let s = budget.seconds, Date().timeIntervalSince(start) >= s { outOfTime = true; break }
            params.zeroGrads()
            let value = try engine(a.location(0)) {
                try interp.runStep(fn, fn.parameters.first.map { [$0: Value.number(Double(k))] } ?? [:])
            }
            guard case .tensor(let loss) = value, loss.count == 1 else {
                throw ShellError("the loss function \(fn.name) returned a \(value.kind == "tensor" ? "tensor of more than one value" : value.kind), not a loss", at: a.location(0),
                                 hint: "return one number, e.g. cross_entropy(logits, y) or mean(…)")
            }
            let x = loss.data[0]
            // A NaN or Inf stops training before any update from it: the tensors keep the last good step.
            guard x.isFinite else { divergedAt = k + 1; break }
            try engine(a.location(0)) { try loss.backward() }
            let stats = params.clipGradients(threshold: clip, mode: mode)
            if stats.firstNonFinite != nil { divergedAt = k + 1; break }
            optimizer.step(params, lr: lr)
            losses.append(x)
            lastNorm = stats.norm
            let elapsed = Date().timeIntervalSince(start)
            var p = TrainProgress(step: k + 1, done: k + 1, totalSteps: steps, epoch: 0, trainLoss: x, valLoss: nil, gradNorm: stats.norm,
                                  gradRatio: stats.ratio, clipped: stats.clipped, lr: lr, charsPerSecond: 0,
                                  etaSeconds: elapsed / Double(k + 1) * Double(steps - k - 1))
            p.budgetSeconds = budget.seconds
            p.elapsedSeconds = elapsed
            if k + 1 >= steps { p.stop = .steps } else if let s = budget.seconds, elapsed >= s { p.stop = .time }
            if let s = budget.seconds { p.etaSeconds = Swift.min(p.etaSeconds, Swift.max(0, s - elapsed)) }
            interp.progress(p)
            if every > 0 && (k + 1) % every == 0 { interp.write(String(format: "step %d  loss %.4f  grad %.3g\n", k + 1, x, stats.norm)) }
        }
        params.zeroGrads()
        if let divergedAt { interp.write("warning: the loss or a gradient is not finite at step \(divergedAt); training stopped, the tensors keep step \(divergedAt - 1)\n") }
        var fields: [(String, Value)] = [("steps", .number(Double(losses.count))), ("diverged", .bool(divergedAt != nil))]
        if let divergedAt { fields.append(("diverged_at", .number(Double(divergedAt)))) }
        let stop = divergedAt != nil ? "diverged" : stopped ? TrainStop.interrupted.rawValue : outOfTime ? TrainStop.time.rawValue : TrainStop.steps.rawValue
        fields.append(("stopped", .string(stop)))
        if let last = losses.last {
            fields.append(("train_loss", .number(Double(last))))
            fields.append(("grad_norm", .number(Double(lastNorm))))
        }
        fields.append(("loss_history", .list(losses.map { .number(Double($0)) })))
        fields.append(("seconds", .number((Date().timeIntervalSince(start) * 100).rounded() / 100)))
        if stopped { fields.append(("interrupted", .bool(true))) }
        return .record(fields)
    }
}
