import Foundation
import LMCore
import LMModels

/// Runs cells for a front end while keeping the session: every finished cell (with its output) is
/// appended to an autosave file and flushed, and every model a cell trained is checkpointed next to
/// it, so `:save` and `replay` can restore it without training again. While a `train` runs, its
/// checkpoints of the unfinished training (`checkpoint_every`) are kept too: the autosave then ends
/// with the running cell marked unfinished (rewritten atomically), so a killed training resumes.
public final class SessionRecorder {
    public let interpreter: Interpreter
    public private(set) var record = SessionRecord()
    /// Folder of the autosave file and the checkpoints written as cells finish.
    public let folder: URL
    public let autosaveURL: URL
    var autosave: FileHandle?
    /// The autosave ends with the running cell, marked unfinished, after `record.text`.
    var unfinishedTail = false
    /// Checkpoints of the running cell's unfinished training, removed once the cell is recorded.
    var unfinishedFiles: [URL] = []
    /// Checkpoints of the models the running cell trained before the one now training, by their step count.
    var unfinishedEarlier: [ObjectIdentifier: (step: Int, checkpoint: SessionRecord.Checkpoint)] = [:]

    public init(interpreter: Interpreter, sessionsFolder: URL, name: String? = nil) throws {
        self.interpreter = interpreter
        let stamp = SessionRecorder.stamp()
        let base = name ?? "autosave-\(stamp)-\(getpid())"
        folder = sessionsFolder.appendingPathComponent(base)
        autosaveURL = sessionsFolder.appendingPathComponent(base + ".lmsh")
        try FileManager.default.createDirectory(at: sessionsFolder, withIntermediateDirectories: true)
        record.header = ["lmsh session, started \(stamp) (lmsh \(LMVersion.string))"]
        try Data((record.text).utf8).write(to: autosaveURL)
        autosave = try FileHandle(forWritingTo: autosaveURL)
        autosave?.seekToEndOfFile()
    }

    static func stamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }

    /// The result of one cell: what it printed (streamed text and the shown value) and its error.
    public struct Outcome {
        public var output: String
        public var value: Value?
        public var error: ShellError?
    }

    /// Runs a cell; `echo` receives text as it is written (for streaming to a terminal).
    public func run(_ cell: String, echo: @escaping (String) -> Void) -> Outcome {
        let watch = Watch(echo: echo)
        watch.unfinished = { [unowned self] model, trainer, done, steps, text in
            try recordUnfinished(cell, output: text, model: model, trainer: trainer, done: done, steps: steps,
                                 earlier: watch.trained.filter { $0 !== model })
        }
        do {
            let result = try interpreter.run(cell, observer: watch)
            var output = watch.text
            if let v = result.value { output += v.display + "\n" }
            let checkpoints = try checkpoint(watch.trained)
            append(SessionRecord.Cell(source: cell, output: output, checkpoints: checkpoints))
            dropUnfinished()
            return Outcome(output: output, value: result.value, error: nil)
        } catch let e as ShellError {
            dropUnfinished()
            return Outcome(output: watch.text, value: nil, error: e)
        } catch {
            dropUnfinished()
            return Outcome(output: watch.text, value: nil, error: ShellError("\(error)"))
        }
    }

    /// What the recorder watches in a cell: its text (also echoed, for a terminal) and the models it trained.
    final class Watch: CellObserver {
        let echo: (String) -> Void
        var text = ""
        var trained: [ModelValue] = []
        /// Records the cell as unfinished with a checkpoint of `train`'s run after `done` of `steps` steps.
        var unfinished: (ModelValue, Trainer, Int, Int, String) throws -> Void = { _, _, _, _, _ in }
        init(echo: @escaping (String) -> Void) { self.echo = echo }
        /// The recorder echoes what the cell writes itself; the interpreter's output must not write it again.
        var capturesOutput: Bool { true }
        func cellWrote(_ text: String) {
            self.text += text
            echo(text)
        }
        func willTrain(_ model: ModelValue, _ trainer: Trainer) throws -> Value? {
            if !trained.contains(where: { $0 === model }) { trained.append(model) }
            return nil
        }
        func trainingCheckpoint(_ model: ModelValue, _ trainer: Trainer, done: Int, of steps: Int) throws {
            try unfinished(model, trainer, done, steps, text)
        }
    }

    func append(_ cell: SessionRecord.Cell) {
        record.cells.append(cell)
        if unfinishedTail {
            // The file ends with this cell's unfinished record: replace the whole file by the finished one.
            try? rewriteAutosave(record.text)
            return
        }
        autosave?.write(Data(SessionRecord.render(cell).utf8))
        try? autosave?.synchronize()
    }

    /// Replaces the autosave by `text` atomically (a kill leaves the old or the new file, never a torn one)
    /// and goes on appending to the new file.
    func rewriteAutosave(_ text: String) throws {
        try? autosave?.close()
        autosave = nil
        defer {
            autosave = try? FileHandle(forWritingTo: autosaveURL)
            autosave?.seekToEndOfFile()
        }
        try AtomicFile.write(Data(text.utf8), to: autosaveURL)
        unfinishedTail = false
    }

    /// The running cell's `train` of `model` has done `done` of its `steps` steps: checkpoints the training
    /// (beside the finished cells' checkpoints, then the autosave ends with the cell marked unfinished).
    /// Models the cell trained `earlier` (their training in this cell is over) are checkpointed with it, once
    /// per step count, so a replay restores them too instead of training them again.
    func recordUnfinished(_ source: String, output: String, model: ModelValue, trainer: Trainer, done: Int, steps: Int,
                          earlier: [ModelValue] = []) throws {
        guard let running = variable(of: model) else { return }
        var checkpoints: [SessionRecord.Checkpoint] = []
        for m in earlier {
            guard let t = m.trainer, let name = variable(of: m), name != running else { continue }
            if let kept = unfinishedEarlier[ObjectIdentifier(m)], kept.step == t.stepCount, kept.checkpoint.variable == name {
                checkpoints.append(kept.checkpoint)
                continue
            }
            let c = try writeUnfinished(t, of: m, variable: name)
            unfinishedEarlier[ObjectIdentifier(m)] = (t.stepCount, c)
            checkpoints.append(c)
        }
        checkpoints.append(try writeUnfinished(trainer, of: model, variable: running))
        let cell = SessionRecord.Cell(source: source, output: output, checkpoints: checkpoints,
                                      unfinished: SessionRecord.Unfinished(variable: running, done: done, steps: steps))
        try rewriteAutosave(record.text + SessionRecord.render(cell))
        unfinishedTail = true
    }

    /// A checkpoint of the running cell's training of `variable`, removed once the cell is recorded.
    func writeUnfinished(_ trainer: Trainer, of model: ModelValue, variable: String) throws -> SessionRecord.Checkpoint {
        let file = "cell-\(record.cells.count + 1)-\(variable)-unfinished.safetensors"
        let checkpoint = try write(trainer, of: model, to: file, variable: variable)
        let url = folder.appendingPathComponent(file)
        if !unfinishedFiles.contains(url) { unfinishedFiles.append(url) }
        return checkpoint
    }

    /// After a cell: its unfinished record (if a failed cell left one) and checkpoints are no longer needed.
    func dropUnfinished() {
        if unfinishedTail { try? rewriteAutosave(record.text) }
        for url in unfinishedFiles { try? FileManager.default.removeItem(at: url) }
        unfinishedFiles = []
        unfinishedEarlier = [:]
    }

    /// The first (alphabetically) variable bound to `model`.
    func variable(of model: ModelValue) -> String? {
        interpreter.variables.filter { if case .model(let v) = $0.value { return v === model } else { return false } }.keys.sorted().first
    }

    /// Writes `trainer`'s training checkpoint of `model` as `file` in the session's folder.
    func write(_ trainer: Trainer, of m: ModelValue, to file: String, variable: String) throws -> SessionRecord.Checkpoint {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(file)
        // Encoded once, hashed in memory and written once, atomically (never read back to hash it).
        let bytes = try trainer.checkpointFile(vocabulary: m.vocabulary).encoded()
        try AtomicFile.write(bytes, to: url)
        return SessionRecord.Checkpoint(path: folder.lastPathComponent + "/" + file, sha256: SHA256.hexDigest(bytes), variable: variable)
    }

    /// Training checkpoints for the models a cell trained, named after their variables.
    func checkpoint(_ trained: [ModelValue]) throws -> [SessionRecord.Checkpoint] {
        var out: [SessionRecord.Checkpoint] = []
        for m in trained {
            guard let trainer = m.trainer, let variable = variable(of: m) else { continue }
            out.append(try write(trainer, of: m, to: "cell-\(record.cells.count + 1)-\(variable).safetensors", variable: variable))
        }
        return out
    }

    static func sha256(of url: URL) throws -> String {
        SHA256.hexDigest(try Data(contentsOf: url))
    }

    /// `:save NAME`: writes `NAME.lmsh` and copies the checkpoints into `NAME/` beside it.
    @discardableResult
    public func save(name: String, in sessionsFolder: URL) throws -> URL {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw ShellError("session name '\(name)' must be a plain file name", hint: "e.g. :save shakespeare")
        }
        let target = sessionsFolder.appendingPathComponent(name)
        var saved = record
        saved.header = ["lmsh session \(name), saved \(SessionRecorder.stamp()) UTC (lmsh \(LMVersion.string))",
                        "replay with: lmsh replay \(sessionsFolder.lastPathComponent)/\(name).lmsh"]
        for (i, cell) in saved.cells.enumerated() {
            for (k, c) in cell.checkpoints.enumerated() {
                let source = sessionsFolder.appendingPathComponent(c.path)
                let file = source.lastPathComponent
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                let dest = target.appendingPathComponent(file)
                if source.standardizedFileURL != dest.standardizedFileURL {
                    try? FileManager.default.removeItem(at: dest)
                    try FileManager.default.copyItem(at: source, to: dest)
                }
                saved.cells[i].checkpoints[k].path = name + "/" + file
            }
        }
        let url = sessionsFolder.appendingPathComponent(name + ".lmsh")
        try AtomicFile.write(Data(saved.text.utf8), to: url)
        return url
    }
}
