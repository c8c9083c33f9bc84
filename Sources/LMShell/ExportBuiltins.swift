import Foundation
import LMModels

/// The hand-off to PyTorch and back: `export m "run/" torch=true` writes a run folder (`TorchRun`) that
/// PyTorch continues under torchrun; `load("run/")` reads what it trained back into a model. (Not a verb named
/// `import`: no builtin may bear a name that suggests running what is loaded; see NothingRunsTests.)
extension Builtins {
    /// `export m "DIR" torch=true`: the trust rule applies to the folder; it replaces only an empty folder or a
    /// run lmsh exported that PyTorch has not continued (`overwrite=true`: any run; never a folder holding
    /// other files).
    static func exportTorch(_ interp: Interpreter, _ a: CallArgs, path: String) throws -> Value {
        if case .transformer(let t) = a.positional[0].0 { return try exportTransformer(interp, t, a, path: path) }
        guard case .model(let m) = a.positional[0].0 else {
            throw ShellError("export … torch=true hands a model to PyTorch, not a \(a.positional[0].0.kind)", at: a.location(0),
                             hint: "export m \"run/\" torch=true, with m from lstm(text), gru(text) or rnn(text)")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext.isEmpty else {
            throw ShellError("torch=true writes a folder; \"\(path)\" ends in .\(ext)", at: a.location(1), hint: "name a folder, e.g. \"run/\"")
        }
        guard let trainer = m.trainer else {
            throw ShellError("this model has no training run to hand over (its corpus, data position and optimizer state come from one)",
                             at: a.location(0), hint: "train it first, e.g. train m text steps=100, then export")
        }
        let url = try interp.resolvePath(path, for: .write, at: a.location(1))
        let overwrite = try a.keyword("overwrite")?.bool(at: a.keywordLocation("overwrite")) ?? false
        switch TorchRun.inspect(url) {
        case .nothing, .emptyFolder, .lmshRun: break
        case .continuedRun where overwrite: break
        case .continuedRun:
            throw ShellError("\(path) holds a run PyTorch has continued: not replacing it", at: a.location(1),
                             hint: "load it first (m2 = load(\"\(path)\")), pick another name, or add overwrite=true")
        case .other(let what):
            throw ShellError("\(path) is \(what): not replacing it", at: a.location(1), hint: "pick another name")
        }
        let files = try engine(a.location) { try TorchRun.files(trainer, vocabulary: m.vocabulary) }
        try engine(a.location(1)) { try TorchRun.write(files, to: url) }
        let bytes = files.reduce(0) { $0 + $1.data.count }
        interp.write("wrote \(path): \(files.map(\.name).joined(separator: ", ")) (\(bytes) bytes) at step \(trainer.stepCount); "
                     + "continue with: cd \(path) && torchrun --nproc_per_node=N train.py --steps 1000\n")
        return .string(path)
    }

    /// A run folder read back as a model with its step count and whole loss history.
    static func importRun(_ interp: Interpreter, _ url: URL, _ path: String, at loc: SourceLocation) throws -> Value {
        let run = try engine(loc) { try TorchRun.read(from: url) }
        interp.write("imported \(path): \(run.model.config.cell.name) at step \(run.info.step)"
                     + (run.segments.isEmpty ? "" : " (\(run.segments.joined(separator: ", ")))") + "\n")
        return .model(ModelValue(model: run.model, vocabulary: run.info.vocabulary, steps: run.info.step, lossHistory: run.info.lossHistory))
    }

    /// Whether `url` is a folder holding a run (which `load` reads with `importRun`).
    static func isRunFolder(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
            && FileManager.default.fileExists(atPath: url.appendingPathComponent(TorchRun.runName).path)
    }
}

extension Builtins {
    /// `export t "dir/" torch=true` for a transformer: model.safetensors (nanoGPT's names) and model.py that loads it.
    /// Replaces only a folder that is missing, empty, or holds what this wrote before, unless overwrite=true.
    static func exportTransformer(_ interp: Interpreter, _ t: TransformerValue, _ a: CallArgs, path: String) throws -> Value {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext.isEmpty else {
            throw ShellError("torch=true writes a folder; \"\(path)\" ends in .\(ext)", at: a.location(1), hint: "name a folder, e.g. \"gpt/\"")
        }
        let url = try interp.resolvePath(path, for: .write, at: a.location(1))
        let overwrite = try a.keyword("overwrite")?.bool(at: a.keywordLocation("overwrite")) ?? false
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw ShellError("\(path) is a file: not replacing it", at: a.location(1), hint: "pick another name")
            }
            let present = Set((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            guard overwrite || present.isSubset(of: ["model.safetensors", "model.py", "__pycache__"]) else {
                throw ShellError("\(path) holds other files: not replacing them", at: a.location(1), hint: "pick another name, or add overwrite=true")
            }
        }
        try engine(a.location(1)) {
            try TransformerExport.write(t.model, vocabulary: t.vocabulary, steps: t.steps, lossHistory: t.lossHistory, to: url)
        }
        interp.write("wrote \(path): model.safetensors (nanoGPT's parameter names) and model.py at step \(t.steps); "
                     + "in PyTorch: cd \(path) && python model.py\n")
        return .string(path)
    }
}
