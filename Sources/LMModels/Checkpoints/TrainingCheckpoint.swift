import Foundation
import LMCore

/// A training checkpoint: the model plus everything `TrainerState` holds, so that training resumes
/// exactly (same parameters after N + M steps as straight training).
extension Trainer {
    public func saveCheckpoint(to url: URL, vocabulary: Vocabulary) throws {
        try checkpointFile(vocabulary: vocabulary).write(to: url)
    }

    /// The training checkpoint's content (to write, or to hash before writing once).
    public func checkpointFile(vocabulary: Vocabulary) throws -> SafeTensorsFile {
        let s = saveState()
        var extra: [SafeTensorsEntry] = []
        for (k, e) in model.parameters.entries.enumerated() {
            extra.append(SafeTensorsEntry(name: "lmsh.train.first.\(e.name)", shape: [s.optimizerFirst[k].count], values: s.optimizerFirst[k]))
            extra.append(SafeTensorsEntry(name: "lmsh.train.second.\(e.name)", shape: [s.optimizerSecond[k].count], values: s.optimizerSecond[k]))
        }
        for l in 0..<s.hidden.count {
            extra.append(SafeTensorsEntry(name: "lmsh.train.h_l\(l)", shape: [s.hidden[l].count], values: s.hidden[l]))
        }
        for l in 0..<s.cells.count {
            extra.append(SafeTensorsEntry(name: "lmsh.train.c_l\(l)", shape: [s.cells[l].count], values: s.cells[l]))
        }
        let settingsJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let meta: [String: String] = [
            "lmsh.train.rng": s.rngState.map { String($0) }.joined(separator: ","),
            "lmsh.train.epoch": String(s.position.epoch), "lmsh.train.window": String(s.position.window),
            "lmsh.train.optimizer_steps": String(s.optimizerSteps), "lmsh.train.settings": settingsJSON,
        ]
        var info = ModelCheckpoint.Info(vocabulary: vocabulary)
        info.step = s.stepCount
        info.lossHistory = s.lossHistory
        info.updateRatios = updateRatios
        info.splitSummary = splits.summary
        return try ModelCheckpoint.file(model, info, extra: extra, extraMetadata: meta)
    }

    /// Restores a trainer's state from a training checkpoint written by `saveCheckpoint`.
    public func loadCheckpoint(from url: URL) throws {
        let f = try SafeTensorsFile.read(from: url)
        let (loaded, info) = try ModelCheckpoint.model(from: f)
        guard loaded.config == model.config else {
            throw CheckpointError(.invalidMetadata, "the checkpoint holds a different model (\(loaded.config.cell.rawValue), hidden \(loaded.config.hidden), layers \(loaded.config.layers))")
        }
        let m = f.metadata
        func int(_ key: String) throws -> Int {
            guard let v = m[key].flatMap({ Int($0) }) else { throw CheckpointError(.invalidMetadata, "\(key) is missing: not a training checkpoint") }
            return v
        }
        func values(_ name: String) throws -> [Float] {
            guard let e = f[name] else { throw CheckpointError(.invalidEntry, "\(name) is missing: not a training checkpoint") }
            return e.values
        }
        let rng = (m["lmsh.train.rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        let names = model.parameters.names
        let state = TrainerState(
            parameters: loaded.parameters.tensors.map(\.data),
            optimizerFirst: try names.map { try values("lmsh.train.first.\($0)") },
            optimizerSecond: try names.map { try values("lmsh.train.second.\($0)") },
            optimizerSteps: try int("lmsh.train.optimizer_steps"),
            rngState: rng,
            position: BatchPosition(epoch: try int("lmsh.train.epoch"), window: try int("lmsh.train.window")),
            hidden: try (0..<model.config.layers).map { try values("lmsh.train.h_l\($0)") },
            cells: model.config.cell.hasCell ? try (0..<model.config.layers).map { try values("lmsh.train.c_l\($0)") } : [],
            stepCount: info.step, lossHistory: info.lossHistory)
        try restore(state)
    }
}
