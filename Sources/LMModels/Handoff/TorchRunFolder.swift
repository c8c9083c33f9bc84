import Foundation
import LMCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a run folder all at once, and reading one back (what PyTorch trained, or what lmsh exported).
extension TorchRun {
    /// The names a run folder may hold; a folder with anything else is never replaced.
    public static let fileNames: Set<String> = [checkpointName, runName, "train.bin", "train_targets.bin", "train.py", "README.md"]

    /// What is at `dir`: nothing, an empty folder, a run lmsh wrote, a run PyTorch continued, or something else.
    public enum Found: Equatable { case nothing, emptyFolder, lmshRun, continuedRun, other(String) }

    public static func inspect(_ dir: URL) -> Found {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isFolder) else { return .nothing }
        guard isFolder.boolValue else { return .other("a file, not a folder") }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }
        if names.isEmpty { return .emptyFolder }
        if let stray = names.sorted().first(where: { !fileNames.contains($0) }) { return .other("a folder holding \(stray), which a run does not") }
        guard let run = try? readRun(dir) else { return .other("a folder without a readable \(runName)") }
        return (run["written_by"] as? String) == "lmsh" ? .lmshRun : .continuedRun
    }

    /// Writes every file into a fresh folder beside `dir`, then renames it into place (the old run, if
    /// any, is renamed away first and removed after), so `dir` holds one whole run or the previous one.
    public static func write(_ files: [(name: String, data: Data)], to dir: URL) throws {
        let fm = FileManager.default
        let parent = dir.deletingLastPathComponent()
        let tag = "\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        let partial = parent.appendingPathComponent(".\(dir.lastPathComponent).partial-\(tag)")
        do {
            try fm.createDirectory(at: partial, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(.io, "cannot create \(partial.path): \(error.localizedDescription)")
        }
        defer { try? fm.removeItem(at: partial) }
        for f in files { try AtomicFile.write(f.data, to: partial.appendingPathComponent(f.name)) }
        if fm.fileExists(atPath: dir.path) {
            let old = parent.appendingPathComponent(".\(dir.lastPathComponent).old-\(tag)")
            guard rename(dir.path, old.path) == 0 else { throw CheckpointError(.io, "cannot move the old \(dir.path) aside: \(String(cString: strerror(errno)))") }
            guard rename(partial.path, dir.path) == 0 else {
                let why = String(cString: strerror(errno))
                _ = rename(old.path, dir.path)
                throw CheckpointError(.io, "cannot rename the new run into \(dir.path): \(why)")
            }
            try? fm.removeItem(at: old)
        } else {
            guard rename(partial.path, dir.path) == 0 else {
                throw CheckpointError(.io, "cannot rename the new run into \(dir.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func readRun(_ dir: URL) throws -> [String: Any] {
        let url = dir.appendingPathComponent(runName)
        guard let data = try? Data(contentsOf: url) else { throw CheckpointError(.io, "\(url.path) is missing: not a run folder lmsh exported") }
        guard let run = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], run["format"] as? String == format else {
            throw CheckpointError(.invalidMetadata, "\(url.path) is not an lmsh run (its format is not \(format))")
        }
        guard run["version"] as? Int == version else {
            throw CheckpointError(.invalidMetadata, "\(url.path) has version \(run["version"] ?? "none"), lmsh reads version \(version)")
        }
        return run
    }

    /// A run read back: the model, its vocabulary, steps and whole loss history, and who trained it last.
    public struct Imported {
        public var model: RecurrentModel
        public var info: ModelCheckpoint.Info
        public var writtenBy: String
        /// One line per stretch of training (`lmsh: steps 0…200`, `torch (2 processes): steps 200…400`).
        public var segments: [String]
    }

    /// Reads the folder: the checkpoint's weights (every shape checked), run.json's step count and loss history.
    public static func read(from dir: URL) throws -> Imported {
        let run = try readRun(dir)
        let file = try SafeTensorsFile.read(from: dir.appendingPathComponent(checkpointName))
        let (model, loaded) = try ModelCheckpoint.model(from: file)
        var info = loaded
        if let vocab = run["vocabulary"] as? [String], vocab != info.vocabulary.scalars.map({ String($0) }) {
            throw CheckpointError(.invalidMetadata, "\(runName) and \(checkpointName) disagree on the vocabulary")
        }
        guard let position = run["position"] as? [String: Any], let step = position["step"] as? Int, step >= 0,
              let history = run["loss_history"] as? [Double] else {
            throw CheckpointError(.invalidMetadata, "\(runName) has no position.step or loss_history")
        }
        info.step = step
        info.lossHistory = history.map(Float.init)
        var segments: [String] = []
        for case let seg as [String: Any] in run["segments"] as? [Any] ?? [] {
            let by = seg["by"] as? String ?? "?"
            let procs = (seg["world_size"] as? Int).map { " (\($0) process\($0 == 1 ? "" : "es"))" } ?? ""
            segments.append("\(by)\(procs): steps \(seg["from_step"] as? Int ?? 0)…\(seg["to_step"] as? Int ?? 0)")
        }
        return Imported(model: model, info: info, writtenBy: run["written_by"] as? String ?? "?", segments: segments)
    }
}
