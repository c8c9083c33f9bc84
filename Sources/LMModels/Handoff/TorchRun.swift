import Foundation
import LMCore

/// A training run handed to PyTorch: a folder a PyTorch user runs with no lmsh installed, and reads back.
///
///     checkpoint.safetensors  the weights under PyTorch's state-dict names (`rnn.weight_ih_l0`, …), the
///                             optimizer state under `optim.<parameter>.<torch key>` (`square_avg` for
///                             RMSProp, `exp_avg`/`exp_avg_sq` for Adam, `momentum_buffer`, `sum`, and
///                             `step`, a float32 scalar as torch.optim keeps it), and the hidden state
///                             carried between windows as `state.h`/`state.c` [layers, batch, hidden]
///                             (nn.LSTM's layout); lmsh's model metadata, so `load` reads it too
///     run.json                model, vocabulary, split, data layout and position, optimizer settings,
///                             learning-rate schedule, clipping, loss history
///     train.bin               the training text as `batch` streams of `L + 1` ids (uint8 when the
///                             vocabulary fits, else int32, little-endian): window w of stream r reads
///                             ids [w·seq, (w+1)·seq) and predicts the ids one further on; and
///                             train_targets.bin [batch, L] when a target is not the next input (a
///                             char-rnn split whose pieces do not line up with the streams)
///     train.py, README.md     the script that continues the run under torchrun, and how to launch it
public enum TorchRun {
    public static let format = "lmsh-torch-run"
    public static let version = 1
    public static let checkpointName = "checkpoint.safetensors"
    public static let runName = "run.json"

    /// torch.optim's state keys for lmsh's moments (first, second); nil where the optimizer keeps none.
    public static func stateKeys(_ kind: OptimizerKind) -> (first: String?, second: String?) {
        switch kind {
        case .gd: (nil, nil)
        case .sgd: ("momentum_buffer", nil)
        case .adagrad: (nil, "sum")
        case .rmsprop: (nil, "square_avg")
        case .adam: ("exp_avg", "exp_avg_sq")
        }
    }

    /// The cells torch.nn has a module for (the coupled and peephole LSTMs have none).
    static let torchModules: [CellKind: String] = [.lstm: "nn.LSTM", .gru: "nn.GRU", .rnn: "nn.RNN"]

    /// A float as JSON writes it: its shortest decimal, so 2e-3 stays 0.002 and history reads back exactly.
    static func number(_ x: Float) -> NSNumber { NSNumber(value: Double("\(x)") ?? Double(x)) }

    /// The folder's files, by name, for a trainer's run.
    public static func files(_ trainer: Trainer, vocabulary: Vocabulary) throws -> [(name: String, data: Data)] {
        let model = trainer.model, c = model.config
        guard torchModules[c.cell] != nil else {
            throw ModelError("export: a \(c.cell.name) has no torch.nn module (only the standard LSTM, the GRU and the tanh RNN do), so PyTorch could not continue it")
        }
        guard trainer.splits.train.mapped == nil else {
            throw ModelError("export: this corpus is read through a memory map (a file of \(MappedText.defaultThreshold >> 20) MB or more); handing such a text to PyTorch is not supported yet")
        }
        let s = trainer.saveState()
        let B = trainer.batcher.batch, S = trainer.batcher.seq, W = trainer.batcher.windowsPerEpoch, H = c.hidden

        // Optimizer state and carried state, as PyTorch keeps them.
        let keys = stateKeys(trainer.settings.optimizer)
        var extra: [SafeTensorsEntry] = []
        for (k, e) in model.parameters.entries.enumerated() {
            if let f = keys.first { extra.append(SafeTensorsEntry(name: "optim.\(e.name).\(f)", shape: e.tensor.shape, values: s.optimizerFirst[k])) }
            if let v = keys.second { extra.append(SafeTensorsEntry(name: "optim.\(e.name).\(v)", shape: e.tensor.shape, values: s.optimizerSecond[k])) }
            if keys.first != nil || keys.second != nil {
                extra.append(SafeTensorsEntry(name: "optim.\(e.name).step", shape: [], values: [Float(s.optimizerSteps)]))
            }
        }
        extra.append(SafeTensorsEntry(name: "state.h", shape: [c.layers, B, H], values: s.hidden.flatMap { $0 }))
        if c.cell.hasCell { extra.append(SafeTensorsEntry(name: "state.c", shape: [c.layers, B, H], values: s.cells.flatMap { $0 })) }
        var info = ModelCheckpoint.Info(vocabulary: vocabulary)
        info.step = s.stepCount
        info.lossHistory = s.lossHistory
        info.splitSummary = trainer.splits.summary
        let checkpoint = try ModelCheckpoint.file(model, info, extra: extra, extraMetadata: ["lmsh.run": runName]).encoded()

        // The streams exactly as the batcher serves them (Batcher.init: inputs and their targets).
        let part = trainer.splits.train
        var xs: [Int32] = [], ys: [Int32] = []
        xs.reserveCapacity(part.count)
        ys.reserveCapacity(part.count)
        for (segment, follower) in zip(part.segments, part.followers) {
            xs.append(contentsOf: segment)
            ys.append(contentsOf: segment.dropFirst())
            ys.append(follower)
        }
        let L = W * S
        let wide = vocabulary.count > 256
        var rows = [Int32](), shifted = true
        rows.reserveCapacity(B * (L + 1))
        for r in 0..<B {
            rows.append(contentsOf: xs[(r * L)..<((r + 1) * L)])
            rows.append(ys[(r + 1) * L - 1])
            if shifted { shifted = !zip(xs[(r * L + 1)..<((r + 1) * L)], ys[(r * L)..<((r + 1) * L - 1)]).contains { $0 != $1 } }
        }
        func bytes(_ ids: some Collection<Int32>) -> Data {
            if !wide { return Data(ids.map { UInt8(truncatingIfNeeded: $0) }) }
            var d = Data(capacity: ids.count * 4)
            for v in ids { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
            return d
        }
        var files: [(name: String, data: Data)] = [(checkpointName, checkpoint), ("train.bin", bytes(rows))]
        var data: [String: Any] = [
            "file": "train.bin", "dtype": wide ? "int32" : "uint8", "batch": B, "seq": S, "windows_per_epoch": W,
            "stream_length": L, "symbols": part.count,
        ]
        if !shifted {
            var targets = [Int32]()
            targets.reserveCapacity(B * L)
            for r in 0..<B { targets.append(contentsOf: ys[(r * L)..<((r + 1) * L)]) }
            files.append(("train_targets.bin", bytes(targets)))
            data["targets_file"] = "train_targets.bin"
        }

        let set = trainer.settings, o = trainer.optimizer.settings, sched = trainer.schedule
        let run: [String: Any] = [
            "format": format, "version": version, "written_by": "lmsh",
            "model": ["cell": c.cell.rawValue, "torch_module": torchModules[c.cell] ?? "", "vocab_size": c.vocabSize,
                      "hidden": H, "layers": c.layers, "embed": c.embed, "dropout": number(c.dropout),
                      "gate_order": c.cell.gateNames.joined(separator: ",")],
            "vocabulary": vocabulary.scalars.map { String($0) },
            "split": ["summary": trainer.splits.summary, "layout": trainer.splits.spec.layout.rawValue,
                      "val": trainer.splits.spec.val, "test": trainer.splits.spec.test, "sizes": trainer.splits.sizeReport],
            "data": data,
            "position": ["step": s.stepCount, "epoch": s.position.epoch, "window": s.position.window],
            "optimizer": ["kind": set.optimizer.rawValue, "steps": s.optimizerSteps, "alpha": number(o.alpha),
                          "momentum": number(o.momentum), "beta1": number(o.beta1), "beta2": number(o.beta2), "epsilon": number(o.epsilon)],
            "schedule": ["base": number(sched.base), "epoch_decay": number(sched.epochDecay), "decay_after_epoch": sched.decayAfterEpoch,
                         "step_every": sched.stepEvery, "step_gamma": number(sched.stepGamma),
                         "rule": "base × epoch_decay^max(0, epoch − decay_after_epoch + 1) × step_gamma^⌊step / step_every⌋ (step_every 0: no step decay)"],
            "clip": ["threshold": number(set.clip), "mode": set.clipMode.rawValue],
            "seed": set.seed,
            "loss_history": s.lossHistory.map(number),
            "segments": [["by": "lmsh", "from_step": 0, "to_step": s.stepCount]],
        ]
        let json = try JSONSerialization.data(withJSONObject: run, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        files.append((runName, json + Data("\n".utf8)))
        files.append(("train.py", Data(TrainScript.text.utf8)))
        files.append(("README.md", Data(RunReadme.text(cell: c.cell.name, batch: B).utf8)))
        return files
    }
}
