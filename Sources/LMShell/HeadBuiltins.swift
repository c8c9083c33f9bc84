import Foundation
import LMCore
import LMInspect
import LMModels

/// The lecture's last slide: the same recurrent models with another head. `classify` puts a many-to-one head
/// on the last state of each line (which text does a line come from?), `tag` a per-token head on every state
/// (is this character inside a quote?). Both train a copy of the model's weights with the head, end to end on
/// the reference path (the language model itself is left as it was), and report held-out accuracy beside
/// the accuracy of always guessing the commonest label, without which an accuracy means little.
extension Builtins {
    /// A trainable copy of a model's weights, so that fine-tuning for a head leaves the language model alone.
    static func copy(_ m: RecurrentModel) throws -> RecurrentModel {
        try RecurrentModel(m.config, parameters: NamedParameters(m.parameters.entries.map {
            ($0.name, try Tensor(shape: $0.tensor.shape, data: $0.tensor.data, requiresGrad: true))
        }))
    }

    /// A linear head [C, H] and bias [C] under `head.weight`, `head.bias`.
    static func head(classes: Int, hidden: Int, rng: inout RandomSource) throws -> [(name: String, tensor: Tensor)] {
        let b = 1 / Float(hidden).squareRoot()
        return [("head.weight", try Tensor.rand([classes, hidden], low: -b, high: b, rng: &rng, requiresGrad: true)),
                ("head.bias", try Tensor.zeros([classes], requiresGrad: true))]
    }

    /// The text of a split or a string.
    static func text(_ v: Value, at loc: SourceLocation) throws -> String {
        switch v {
        case .string(let s): return s
        case .split(let s): return try engine(loc) { try s.corpus.vocabulary.decode(s.part.segments.joined()) }
        default: throw ShellError("expected a text (a string or a split such as text.val), got a \(v.kind)", at: loc)
        }
    }

    static func accuracy(_ right: Int, _ total: Int) -> Double { total > 0 ? Double(right) / Double(total) : 0 }

    static let headBuiltins: [Builtin] = [
        Builtin(name: "classify", usage: "classify(m, [text_a, text_b], steps=200, batch=8, lr=1e-2, seed=1)",
                summary: "a many-to-one head on a copy of a recurrent model: each line of the i-th text is labelled i, read from the zero state, and its last state classified; trained end to end with Adam on 4 lines in 5 and scored on the 5th (accuracy beside always guessing the commonest class)",
                keywords: ["steps", "batch", "lr", "seed"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=16, layers=1)\nclassify(m, [\"the cat sat.\\nthe cat ran.\\nthe cat hid.\\nthe cat ate.\\nthe cat sang.\", \"a dog sat.\\na dog ran.\\na dog hid.\\na dog ate.\\na dog sang.\"], steps=20)") { interp, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0)
            guard case .list(let texts) = a.positional[1].0, texts.count >= 2 else {
                throw ShellError("classify needs a list of at least two texts, one per class", at: a.location(1))
            }
            let steps = try int(a, "steps"), batch = try int(a, "batch"), lr = Float(try num(a, "lr"))
            try interp.checkTrainSteps(steps, at: a.keywordLocation("steps"))
            guard batch >= 1 && batch <= 1024 else { throw ShellError("batch must be in 1...1024", at: a.keywordLocation("batch")) }
            // Lines of each text, encoded (a character model skips lines with characters it lacks), at most 100 symbols.
            var train: [(ids: [Int], label: Int)] = [], test: [(ids: [Int], label: Int)] = []
            for (c, t) in texts.enumerated() {
                var k = 0
                for line in try text(t, at: a.location(1)).split(separator: "\n") {
                    let s = String(line)
                    guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                    if m.vocabulary.unit == .char, s.unicodeScalars.contains(where: { m.vocabulary.id(of: $0) == nil }) { continue }
                    guard let ids = try? m.vocabulary.encode(s).prefix(100).map(Int.init), !ids.isEmpty else { continue }
                    if k % 5 == 4 { test.append((ids, c)) } else { train.append((ids, c)) }
                    k += 1
                }
            }
            guard !train.isEmpty, !test.isEmpty else {
                throw ShellError("classify found too few lines to train and test on (\(train.count) and \(test.count))", at: a.location(1),
                                 hint: "give each text at least 5 lines the model's vocabulary can read")
            }
            var rng = RandomSource(seed: try Builtins.seed(a))
            let model = try engine(a.location) { try copy(m.model) }
            let headParams = try engine(a.location) { try head(classes: texts.count, hidden: model.config.hidden, rng: &rng) }
            let all = NamedParameters(model.parameters.entries + headParams)
            let optimizer = Optimizer(OptimizerSettings(kind: .adam), parameterCounts: all.tensors.map(\.count))
            let w = headParams[0].tensor, bias = headParams[1].tensor
            func logits(_ ids: [Int]) throws -> Tensor {
                let (top, _) = try model.unroll(ids: ids, batch: 1, state: RecurrentState(config: model.config, batch: 1))
                return try top[top.count - 1].matmul(w.T).add(bias)
            }
            var lastLoss: Float = .nan
            for step in 0..<steps {
                if interp.shouldStop() { break }
                all.zeroGrads()
                let picks = (0..<batch).map { _ in train[rng.nextInt(below: train.count)] }
                var loss: Tensor? = nil
                for p in picks {
                    let l = try engine(a.location) { try logits(p.ids).crossEntropy(targets: Tensor([Float(p.label)])) }
                    loss = try loss.map { try $0.add(l) } ?? l
                }
                guard let total = loss else { break }
                let mean = try total.scaled(by: 1 / Float(batch))
                try engine(a.location) { try mean.backward() }
                _ = all.clipGradients(threshold: 5, mode: .norm)
                optimizer.step(all, lr: lr)
                lastLoss = try mean.item()
                if (step + 1) % Swift.max(1, steps / 5) == 0 { interp.write(String(format: "step %d  loss %.4f\n", step + 1, lastLoss)) }
            }
            func score(_ set: [(ids: [Int], label: Int)]) throws -> Int {
                try Tensor.withoutGrad {
                    try set.reduce(0) { n, e in
                        let l = try logits(e.ids).data
                        return n + (l.indices.max { l[$0] < l[$1] } == e.label ? 1 : 0)
                    }
                }
            }
            let acc = accuracy(try engine(a.location) { try score(test) }, test.count)
            let trainAcc = accuracy(try engine(a.location) { try score(train) }, train.count)
            let counts = (0..<texts.count).map { c in test.filter { $0.label == c }.count }
            let base = accuracy(counts.max() ?? 0, test.count)
            interp.write(String(format: "classify: %d classes, %d training and %d held-out lines; held-out accuracy %.3f (train %.3f; the commonest class alone %.3f)\n",
                                texts.count, train.count, test.count, acc, trainAcc, base))
            return .record([("accuracy", .number(acc)), ("train_accuracy", .number(trainAcc)), ("baseline", .number(base)),
                            ("loss", .number(Double(lastLoss))), ("train_lines", .number(Double(train.count))), ("test_lines", .number(Double(test.count)))])
        },
        Builtin(name: "tag", usage: "tag(m, text, feature=\"quotes\", steps=200, seq=64, batch=8, lr=1e-2, seed=1)",
                summary: "a per-token head on a copy of a character model: every state labelled by a feature the cell finder computes (quotes, parens, brace_depth, comment, if_body, word_start, line_position; nonzero is 1), trained end to end with Adam on the first 80% of the text in windows of seq characters and scored per character on the rest (accuracy beside the commonest label's)",
                keywords: ["feature", "steps", "seq", "batch", "lr", "seed"], example: "text = corpus(\"input.txt\")\nm = lstm(text, hidden=16, layers=1)\ntag(m, \"the cat sat on the mat. the dog ate the hat.\", feature=\"word_start\", steps=10, seq=16)") { interp, a in
            try a.expectCount(2...2)
            let m = try modelArg(a, 0)
            guard m.vocabulary.unit == .char else { throw ShellError("tag labels characters; this is a word model", at: a.location(0)) }
            let s = try text(a.positional[1].0, at: a.location(1))
            let scalars = Array(s.unicodeScalars.prefix(20_000))
            let feature = try str(a, "feature")
            let tracks = try engine(a.keywordLocation("feature")) { try FeatureTracks.compute(scalars) }
            guard let values = tracks[feature] else {
                throw ShellError("no feature \"\(feature)\"", at: a.keywordLocation("feature"), hint: "one of " + FeatureTracks.builtinNames.joined(separator: ", "))
            }
            let steps = try int(a, "steps"), seq = try int(a, "seq"), batch = try int(a, "batch"), lr = Float(try num(a, "lr"))
            try interp.checkTrainSteps(steps, at: a.keywordLocation("steps"))
            guard seq >= 1 && seq <= 1000, batch >= 1 && batch <= 1024 else { throw ShellError("seq must be in 1...1000 and batch in 1...1024", at: a.location) }
            var ids: [Int] = []
            for (t, c) in scalars.enumerated() {
                guard let id = m.vocabulary.id(of: c) else {
                    throw ShellError("character \(Vocabulary.describe(c)) at \(t) is not in the model's vocabulary", at: a.location(1))
                }
                ids.append(Int(id))
            }
            let labels = values.map { $0 != 0 ? 1 : 0 }
            let cut = ids.count * 4 / 5
            guard cut >= seq, ids.count - cut >= 1 else {
                throw ShellError("the text has \(ids.count) characters: too few for windows of \(seq) in its first 80%", at: a.location(1))
            }
            var rng = RandomSource(seed: try Builtins.seed(a))
            let model = try engine(a.location) { try copy(m.model) }
            let headParams = try engine(a.location) { try head(classes: 2, hidden: model.config.hidden, rng: &rng) }
            let all = NamedParameters(model.parameters.entries + headParams)
            let optimizer = Optimizer(OptimizerSettings(kind: .adam), parameterCounts: all.tensors.map(\.count))
            let w = headParams[0].tensor, bias = headParams[1].tensor
            // Windows from the zero state, `batch` of them at once (time-major ids, as the reference path reads them).
            func logits(_ starts: [Int], length: Int) throws -> Tensor {
                var x: [Int] = []
                for t in 0..<length { for s in starts { x.append(ids[s + t]) } }
                let (top, _) = try model.unroll(ids: x, batch: starts.count, state: RecurrentState(config: model.config, batch: starts.count))
                return try Tensor.concat(top, axis: 0).matmul(w.T).add(bias)
            }
            var lastLoss: Float = .nan
            for step in 0..<steps {
                if interp.shouldStop() { break }
                all.zeroGrads()
                let starts = (0..<batch).map { _ in rng.nextInt(below: cut - seq + 1) }
                var y: [Float] = []
                for t in 0..<seq { for s in starts { y.append(Float(labels[s + t])) } }
                let loss = try engine(a.location) { try logits(starts, length: seq).crossEntropy(targets: Tensor(y)) }
                try engine(a.location) { try loss.backward() }
                _ = all.clipGradients(threshold: 5, mode: .norm)
                optimizer.step(all, lr: lr)
                lastLoss = try loss.item()
                if (step + 1) % Swift.max(1, steps / 5) == 0 { interp.write(String(format: "step %d  loss %.4f\n", step + 1, lastLoss)) }
            }
            // The held-out 20%, read in one pass from the zero state.
            let heldOut = ids.count - cut
            let predicted = try Tensor.withoutGrad { try logits([cut], length: heldOut).data }
            var right = 0, ones = 0
            for t in 0..<heldOut {
                let guess = predicted[2 * t + 1] > predicted[2 * t] ? 1 : 0
                if guess == labels[cut + t] { right += 1 }
                ones += labels[cut + t]
            }
            let acc = accuracy(right, heldOut), base = accuracy(Swift.max(ones, heldOut - ones), heldOut)
            interp.write(String(format: "tag %@: held-out accuracy %.3f over %d characters (the commonest label alone %.3f)\n", feature, acc, heldOut, base))
            return .record([("accuracy", .number(acc)), ("baseline", .number(base)), ("loss", .number(Double(lastLoss))),
                            ("chars", .number(Double(heldOut)))])
        },
    ]
}
