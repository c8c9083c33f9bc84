import Foundation
import LMCore
import LMModels

/// `lmsh-bench interop-export --out DIR`: writes small seeded models as lmsh checkpoints
/// (`<name>.safetensors`) beside what lmsh computes for a fixed text (`<name>.json`), for
/// `Tests/LMModelsTests/Scripts/check_torch_interop.py` to compare with PyTorch.
///
/// Per model the JSON holds the text's ids, lmsh's log-softmax of the next-symbol logits at every
/// position (StepRunner fed one id at a time from the zero state, so the state is carried across the
/// whole text), the final state (h and, for LSTMs, c, per layer), and the FusedWindow mean
/// cross-entropy of predicting ids[1...] from ids[..<n-1] with batch 1, run as two windows with the
/// state carried from the first to the second.
func runInteropExport(args: [String]) throws {
    var out = "interop"
    var i = 0
    while i < args.count {
        switch args[i] {
        case "--out" where i + 1 < args.count: out = args[i + 1]; i += 1
        default: throw ModelError("interop-export: unknown argument \(args[i]) (usage: interop-export --out DIR)")
        }
        i += 1
    }
    let dir = URL(fileURLWithPath: out, isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)

    let text = "hello world, hello lmsh!\n"
    let corpus = try Corpus(text: text)
    let ids = corpus.ids.map(Int.init)
    let v = corpus.vocabulary.count

    let models: [(name: String, cell: CellKind, layers: Int, embed: Int, seed: UInt64)] = [
        ("lstm2_onehot", .lstm, 2, 0, 11),
        ("gru2_onehot", .gru, 2, 0, 12),
        ("rnn1_onehot", .rnn, 1, 0, 13),
        ("lstm2_embed8", .lstm, 2, 8, 14),
        ("gru1_embed8", .gru, 1, 8, 15),
        // No PyTorch equivalent (gate layout f, o, g with the input gate tied to 1 − f): the checker skips it.
        ("coupled2_onehot", .coupledLSTM, 2, 0, 16),
    ]
    for spec in models {
        let config = ModelConfig(cell: spec.cell, vocabSize: v, hidden: 16, layers: spec.layers, embed: spec.embed,
                                 initialization: .pytorch)
        var rng = RandomSource(seed: spec.seed)
        let model = try RecurrentModel(config, rng: &rng)
        try ModelCheckpoint.save(model, ModelCheckpoint.Info(vocabulary: corpus.vocabulary),
                                 to: dir.appendingPathComponent("\(spec.name).safetensors"))

        // One symbol at a time, state carried from position to position.
        let runner = StepRunner(model)
        var logProbs: [[Double]] = []
        for id in ids {
            let logits = try runner.feed(id).map(Double.init)
            let m = logits.max() ?? 0
            let lse = m + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) })
            logProbs.append(logits.map { $0 - lse })
        }
        var stepLoss = 0.0
        for t in 0..<(ids.count - 1) { stepLoss -= logProbs[t][ids[t + 1]] }
        stepLoss /= Double(ids.count - 1)

        // FusedWindow, batch 1, two windows with the state carried.
        let inputs = Array(ids.dropLast()), targets = Array(ids.dropFirst())
        let cut = inputs.count / 2
        let window = FusedWindow()
        let first = try window.run(model, ids: Array(inputs[..<cut]), targets: Array(targets[..<cut]), batch: 1,
                                   state: RecurrentState(config: config, batch: 1), train: false)
        let second = try window.run(model, ids: Array(inputs[cut...]), targets: Array(targets[cut...]), batch: 1,
                                    state: first.finalState, train: false)
        let fusedLoss = (Double(first.loss) * Double(cut) + Double(second.loss) * Double(inputs.count - cut))
            / Double(inputs.count)

        let json: [String: Any] = [
            "name": spec.name, "cell": spec.cell.rawValue, "text": text, "ids": ids,
            "vocabulary": corpus.vocabulary.scalars.map { String($0) },
            "hidden": config.hidden, "layers": config.layers, "embed": config.embed, "seed": Int(spec.seed),
            "log_probs": logProbs,
            "final_h": runner.state.h.map { $0.map(Double.init) },
            "final_c": runner.state.c.map { $0.map(Double.init) },
            "step_mean_loss": stepLoss,
            "fused_mean_loss": fusedLoss,
            "fused_window_split": cut,
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        try data.write(to: dir.appendingPathComponent("\(spec.name).json"), options: .atomic)
        print(String(format: "%@: %@ %d × %d, embed %d, %d parameters; step loss %.6f, fused loss %.6f (diff %.2e)",
                     spec.name, spec.cell.rawValue, spec.layers, config.hidden, spec.embed, model.parameters.scalarCount,
                     stepLoss, fusedLoss, abs(stepLoss - fusedLoss)))
    }
    print("wrote \(models.count) checkpoints and JSON files to \(dir.path)")
}
